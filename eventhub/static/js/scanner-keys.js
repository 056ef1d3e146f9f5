// Hardware (keyboard-wedge) scanners: they type a code very fast and press Enter.
//
// One keydown listener on the document, in the capture phase. Characters come from
// KeyboardEvent.code (KeyA → A, Digit1 → 1), not e.key: keyboard layouts and Chinese input
// methods change e.key, not the physical key. On Enter or Tab the slow leading part (a person
// typing) is dropped; the rest is a scan when it has at least 8 characters, a median gap of at
// most 35 ms and the ticket code's format. The buffer is reset only after a pause > 150 ms
// (a single stall of 50–100 ms happens on real scanners and loaded machines). Keys that landed
// in a text field are taken back out of it.
//
// Scanners that inject through the input method on Android send keydown "Unidentified":
// a dedicated inputmode="none" box catches them through its `input` events.

export const MAX_MEDIAN_GAP = 35;
export const RESET_PAUSE = 150;
export const MIN_LENGTH = 8;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Clean up a scanned or typed code as the server does: trim, upper-case, I/L → 1, O → 0, and
 *  drop everything outside the alphabet. */
export function normalizeCode(text) {
  return String(text)
    .trim()
    .toUpperCase()
    .replace(/[IL]/g, "1")
    .replace(/O/g, "0")
    .split("")
    .filter((c) => ALPHABET.includes(c))
    .join("");
}

export function looksLikeCode(code) {
  return code.length === 26 && [...code].every((c) => ALPHABET.includes(c));
}

function charOf(event) {
  const code = event.code || "";
  if (/^Key[A-Z]$/.test(code)) return code.slice(3);
  if (/^Digit[0-9]$/.test(code)) return code.slice(5);
  if (/^Numpad[0-9]$/.test(code)) return code.slice(6);
  if (code === "Minus" || code === "NumpadSubtract") return "-";
  return null;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function isTextField(el) {
  if (el instanceof HTMLTextAreaElement) return true;
  return el instanceof HTMLInputElement &&
    /^(text|search|tel|email|url|number|password|)$/.test(el.type);
}

/** Decide whether a burst of keys is a scan. `keys`: [{ch, t}] in order. Returns the code or
 *  null. Exported for the tests of the page. */
export function acceptBurst(keys) {
  // Drop a slow leading part (someone typing before the scanner fired): the first start from
  // which the rest is fast and a code wins. A stall inside the burst does not cut it.
  for (let start = 0; start + MIN_LENGTH <= keys.length; start += 1) {
    const burst = keys.slice(start);
    const gaps = burst.slice(1).map((k, i) => k.t - burst[i].t);
    if (median(gaps) > MAX_MEDIAN_GAP) continue;
    const code = normalizeCode(burst.map((k) => k.ch).join(""));
    if (looksLikeCode(code)) return code;
  }
  return null;
}

/** Listen for scanner bursts on `doc`; call `onScan(code)` for each. `wedge`: the fallback
 *  inputmode="none" box (optional). Returns a function that stops listening. */
export function listenForScanner(onScan, { doc = document, wedge = null } = {}) {
  let keys = [];
  let field = null;
  let fieldValue = "";

  const onKeyDown = (event) => {
    const now = event.timeStamp || performance.now();
    const last = keys.length ? keys[keys.length - 1].t : -Infinity;
    if (now - last > RESET_PAUSE) {
      keys = [];
      field = isTextField(event.target) ? event.target : null;
      fieldValue = field ? field.value : "";
    }
    if (event.code === "Enter" || event.code === "NumpadEnter" || event.code === "Tab") {
      const code = acceptBurst(keys);
      keys = [];
      if (code) {
        event.preventDefault();
        event.stopPropagation();
        if (field) field.value = field === wedge ? "" : fieldValue;
        field = null;
        onScan(code);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const ch = charOf(event);
    if (ch !== null) keys.push({ ch, t: now });
  };

  const onWedgeInput = () => {
    // Input-method injection: the whole code arrives as text (with or without a newline).
    const code = normalizeCode(wedge.value);
    if (looksLikeCode(code)) {
      wedge.value = "";
      keys = [];
      onScan(code);
    }
  };

  doc.addEventListener("keydown", onKeyDown, true);
  if (wedge) wedge.addEventListener("input", onWedgeInput);
  return () => {
    doc.removeEventListener("keydown", onKeyDown, true);
    if (wedge) wedge.removeEventListener("input", onWedgeInput);
  };
}
