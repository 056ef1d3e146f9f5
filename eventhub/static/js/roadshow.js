// The live roadshow's control panel and big screen: ask for news about every second with the
// last ETag (the server answers 304 while nothing changed, else the new HTML), and count the
// stage's clock down locally from what remained when the HTML was rendered, so the poll only
// has to catch changes of state. Overtime shows as "+0:12"; the last minute is amber.

const box = document.getElementById("live");
const status = document.querySelector("[data-live-status]");
const WARN_MS = 60_000;

let received = performance.now();

function clockText(ms) {
  if (ms >= 0) {
    const seconds = Math.ceil(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }
  const seconds = Math.floor(-ms / 1000);
  return `+${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function tick() {
  for (const clock of document.querySelectorAll("[data-clock]")) {
    const time = clock.querySelector("[data-clock-time]");
    if (!time) continue;
    let remaining = Number(clock.dataset.remainingMs);
    if (clock.dataset.running === "true") remaining -= performance.now() - received;
    const text = clockText(remaining);
    if (time.textContent !== text) time.textContent = text;
    clock.dataset.state = remaining < 0 ? "overtime" : remaining <= WARN_MS ? "warning" : "ok";
  }
}

function say(text) {
  if (status && text && status.textContent !== text) status.textContent = text;
}

// A button with data-confirm asks first (drawing a new order replaces the current one).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// A form posted twice by a double click would act twice: the second click waits.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.sent) event.preventDefault();
  form.dataset.sent = "true";
});

if (box && box.dataset.liveUrl) {
  const url = box.dataset.liveUrl;
  const interval = Number(box.dataset.pollMs) || 1000;
  let etag = box.dataset.etag || "";
  let failures = 0;
  let timer = null;
  let busy = false;
  let stopped = false;

  const schedule = (delay) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(poll, delay);
  };

  async function poll() {
    if (busy || stopped) return;
    busy = true;
    try {
      const headers = { Accept: "text/html" };
      if (etag) headers["If-None-Match"] = etag;
      const response = await fetch(url, {
        headers, cache: "no-store", credentials: "same-origin", redirect: "manual",
      });
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        stopped = true;
        say(box.dataset.textSignedOut);
        return;
      }
      if (response.status === 200) {
        const html = await response.text();
        etag = response.headers.get("ETag") || "";
        const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
        box.replaceChildren(...doc.body.childNodes);
        box.dataset.etag = etag;
        received = performance.now();
        tick();
      } else if (response.status !== 304) {
        throw new Error(`HTTP ${response.status}`);
      }
      failures = 0;
      say(box.dataset.textLive);
    } catch {
      failures += 1;
      say(box.dataset.textOffline);
    } finally {
      busy = false;
    }
    // Back off while the server is unreachable: 2 s, 4 s … at most 15 s.
    schedule(failures ? Math.min(interval * 2 ** failures, 15_000) : interval);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") schedule(0);
  });
  schedule(interval);
}

tick();
setInterval(tick, 250);
