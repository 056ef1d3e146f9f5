// The door scanner: camera, hardware scanner, photo and search feed one `scan(code)`.
// Every scan is queued on the device first (IndexedDB, with its nonce) and uploaded in order;
// online the server's answer is shown at once, offline the downloaded list answers
// (known / unknown / already scanned here) and the server's answer follows in the log.

import { makeDetector, startCamera } from "./scanner-camera.js";
import { listenForScanner, looksLikeCode, normalizeCode } from "./scanner-keys.js";
import { OfflineList, newNonce, openStore } from "./scanner-store.js";

const root = document.getElementById("door");
const $ = (id) => document.getElementById(id);
// The page's words, by their data-* names as written (dataset would camel-case them).
const T = Object.fromEntries([...$("door-strings").attributes]
  .filter((a) => a.name.startsWith("data-")).map((a) => [a.name.slice(5), a.value]));
const API = root.dataset.api;
const EVENT = root.dataset.event;
const TZ = root.dataset.tz; // the event's time zone: times at the door are read there
const CSRF = document.querySelector("meta[name=csrf-token]").content;

const UPLOAD_EVERY = 15_000;
const STATS_EVERY = 15_000;
const DELTA_EVERY = 30_000;
const FULL_EVERY = 60_000;
const ANSWER_WAIT = 4_000; // ms to wait for the server before answering from the device
const RESULT_MS = { ok: 1000, warn: 2000, error: 2500 };

const state = {
  store: null,
  offline: null, // OfflineList of the chosen list
  list: null,
  uploading: null,
  uploadAgain: false,
  lastSync: null,
  camera: null,
  detector: null,
  resultTimer: null,
  waiting: new Map(), // nonce → resolve(answer) for scans shown as soon as the server answers
};

const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
const dayOf = (date) => date.toLocaleDateString("en-CA", { timeZone: TZ }); // 2026-12-28
/** Every time the page shows: "09:05:12" when it is today in the event's zone, with its date
 *  otherwise ("12月28日 09:05:12", the year too when not this year), so a time of another day
 *  of a week-long event is never read as today's (the server's `format_moment`). */
const when = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const options = { timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23" };
  const day = dayOf(d);
  const today = dayOf(new Date());
  if (day !== today) {
    Object.assign(options, { month: "short", day: "numeric" });
    if (day.slice(0, 4) !== today.slice(0, 4)) options.year = "numeric";
  }
  return d.toLocaleString(document.documentElement.lang || undefined, options);
};

// Settings remembered on the device -------------------------------------------------------

const listKey = `door:list:${EVENT}`;
const listSelect = $("door-list");
const deviceInput = $("door-device");
const remembered = localStorage.getItem(listKey);
if (remembered && [...listSelect.options].some((o) => o.value === remembered)) {
  listSelect.value = remembered;
}
deviceInput.value = localStorage.getItem("door:device") || "";
if (remembered && deviceInput.value) $("door-setup").open = false;

const setupLabel = () => {
  const option = listSelect.selectedOptions[0];
  $("door-setup-label").textContent =
    [option ? option.textContent : "", deviceInput.value].filter(Boolean).join(" · ");
};

listSelect.addEventListener("change", async () => {
  localStorage.setItem(listKey, listSelect.value);
  listSelect.blur(); // keep focus off fields: a scanner's keys would pick options
  await chooseList();
});
deviceInput.addEventListener("change", () => {
  localStorage.setItem("door:device", deviceInput.value.trim().slice(0, 64));
  setupLabel();
});

const scanType = () => document.querySelector("input[name=door-type]:checked").value;

// Talking to the server --------------------------------------------------------------------

async function api(path, options = {}) {
  const response = await fetch(API + path, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", "X-CSRFToken": CSRF, ...(options.headers || {}) },
  });
  return response;
}

function setOnline(online) {
  const net = $("door-net");
  net.dataset.state = online ? "online" : "offline";
  net.textContent = online ? T.online : T.offline;
}

async function refreshStats() {
  if (!state.list || !navigator.onLine) return;
  try {
    const response = await api(`/checkin-lists/${state.list}/stats`);
    if (!response.ok) return;
    const stats = await response.json();
    $("door-checked").textContent = stats.checked_in;
    $("door-expected").textContent = stats.expected;
  } catch {
    // Offline: the numbers wait for the network.
  }
}

async function download(full) {
  const offline = state.offline;
  if (!offline || !navigator.onLine) return;
  const since = !full && offline.version ? `?since=${encodeURIComponent(offline.version)}` : "";
  try {
    const response = await api(`/checkin-lists/${offline.list}/tickets${since}`);
    if (!response.ok) return;
    await offline.apply(await response.json());
    if (offline === state.offline) showPrepared();
  } catch {
    // Network gone: keep the list we have.
  }
}

function showPrepared() {
  const offline = state.offline;
  $("door-prepared").textContent =
    offline && offline.version ? fill(T.prepared, { n: offline.size }) : T["not-prepared"];
}

// The queue and its uploader ----------------------------------------------------------------

async function showQueue() {
  const rows = await state.store.queued();
  const count = $("door-queue");
  count.textContent = rows.length;
  count.dataset.count = rows.length;
}

/** Post the queued scans in order. A row leaves the queue on any 2xx/4xx answer; a network
 *  error or a 5xx keeps it (and stops the round: order matters). */
function upload() {
  if (state.uploading) {
    state.uploadAgain = true; // a scan queued during this round: one more round after it
    return state.uploading;
  }
  state.uploading = (async () => {
    let finished;
    do {
      state.uploadAgain = false;
      finished = await uploadRound();
    } while (finished && state.uploadAgain);
  })().finally(() => {
    state.uploading = null;
  });
  return state.uploading;
}

/** One pass over the queue; true when every row got an answer. */
async function uploadRound() {
  const rows = await state.store.queued();
  let finished = true;
  for (const row of rows) {
    let response;
    try {
      response = await api(`/checkin-lists/${row.list}/scans`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          code: row.code, nonce: row.nonce, type: row.type, device: row.device, at: row.at,
        }),
      });
    } catch {
      setOnline(false);
      finished = false;
      break;
    }
    setOnline(true);
    if (response.status >= 500) {
      finished = false;
      break;
    }
    if (response.status === 401) {
      // Signed out (the session ended): the scans wait on the device for the next sign-in.
      showSignedOut();
      finished = false;
      break;
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    await state.store.dequeue(row.seq);
    const body = response.ok && answer ? answer : { status: "refused", error: answer?.error };
    const waiter = state.waiting.get(row.nonce);
    if (waiter) {
      state.waiting.delete(row.nonce);
      waiter(body);
    }
    if (body.status === "ok" && state.offline && state.offline.list === row.list) {
      await state.offline.mark(row.code, row.type, body.at);
    }
    logAnswer(row, body, !waiter);
  }
  if (finished) {
    state.lastSync = new Date();
    $("door-synced").textContent = when(state.lastSync.toISOString());
  }
  await showQueue();
  if (rows.length) refreshStats();
  return finished;
}

function showSignedOut() {
  const notice = $("door-signed-out");
  notice.hidden = false;
}

function logAnswer(row, body, late) {
  const item = document.createElement("li");
  const words = describe(body, row.type);
  item.className = `door-log__item door-log__item--${words.tone}`;
  item.dataset.status = body.status;
  const double = late && row.admitted && row.type === "entry" &&
    body.status === "already_checked_in";
  const parts = [
    when(row.at),
    body.registration ? body.registration.name : row.code.slice(0, 6) + "…",
    double ? `⚠ ${T.double}: ${words.title}` : words.title,
  ];
  if (words.detail) parts.push(words.detail);
  item.textContent = parts.join(" · ");
  if (double) item.classList.add("door-log__item--double");
  const log = $("door-log");
  log.prepend(item);
  while (log.children.length > 50) log.lastChild.remove();
}

// Answers in words ------------------------------------------------------------------------

function describe(body, type) {
  const previous = body.previous
    ? fill(T.previous, { at: when(body.previous.at), device: body.previous.device || "—" })
    : "";
  switch (body.status) {
    case "ok":
      return { tone: "ok", title: type === "exit" ? T["ok-exit"] : T.ok };
    case "already_checked_in":
      return { tone: "warn", title: type === "exit" ? T["already-exit"] : T.already_checked_in,
        detail: previous };
    case "invalid":
    case "wrong_event":
    case "not_on_list":
    case "not_confirmed":
    case "cancelled":
      return { tone: "error", title: T[body.status] };
    case "local-known":
      return { tone: "ok", title: T["local-known"] };
    case "local-seen":
      return { tone: "warn", title: T["local-seen"], detail: when(body.at) };
    case "local-in":
      return { tone: "warn", title: T["local-in"], detail: when(body.at) };
    case "local-unknown":
      return { tone: "error", title: T["local-unknown"] };
    case "local-unchecked":
      return { tone: "warn", title: T["local-unchecked"] };
    default:
      return { tone: "error", title: body.error?.message || T["photo-failed"] };
  }
}

function showResult(body, type) {
  const words = describe(body, type);
  const overlay = $("door-result");
  overlay.className = `door-result door-result--${words.tone}`;
  overlay.dataset.status = body.status;
  const person = body.registration || body.row || null;
  $("door-result-status").textContent = words.title;
  $("door-result-name").textContent = person ? person.name : "";
  $("door-result-category").textContent = person && person.category ? person.category : "";
  $("door-result-notes").textContent = person && person.notes ? person.notes : "";
  $("door-result-detail").textContent = words.detail || "";
  overlay.hidden = false;
  feedback(words.tone);
  clearTimeout(state.resultTimer);
  state.resultTimer = setTimeout(() => {
    overlay.hidden = true;
  }, RESULT_MS[words.tone]);
}

let audio = null;
function feedback(tone) {
  try {
    audio = audio || new AudioContext();
    const notes = tone === "ok" ? [[880, 0, 0.12]] : tone === "warn"
      ? [[660, 0, 0.12], [660, 0.18, 0.12]] : [[220, 0, 0.35]];
    for (const [freq, start, length] of notes) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = tone === "error" ? "square" : "sine";
      osc.frequency.value = freq;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + length);
    }
  } catch {
    // No audio (autoplay policy before a first tap): the screen and vibration still answer.
  }
  if (navigator.vibrate) navigator.vibrate(tone === "ok" ? 80 : [120, 60, 120]);
}

$("door-result").addEventListener("click", () => {
  $("door-result").hidden = true;
});

// Scanning ----------------------------------------------------------------------------------

/** Scan a code; resolves to the answer shown (the server's, or the device's while offline). */
async function scan(rawCode) {
  const code = normalizeCode(rawCode);
  if (!code || !state.list) return null;
  const type = scanType();
  const row = {
    list: state.list, nonce: newNonce(), code, type,
    at: new Date().toISOString(), device: deviceInput.value.trim().slice(0, 64),
  };
  const local = state.offline ? await state.offline.check(code) : { kind: "unchecked" };
  // Whether the door let the person through on the device's word (a later refusal by the
  // server is then a double entry to look into).
  row.admitted = local.kind === "known" || local.kind === "unchecked";
  await state.store.enqueue(row);
  await showQueue();
  const localAnswer = () => {
    if (local.kind !== "invalid") return { status: `local-${local.kind}`, row: local.row, at: local.at };
    const status = { cancelled: "cancelled", confirmed: "not_on_list" }[local.row.status];
    return { status: status || "not_confirmed", row: local.row };
  };
  if (!navigator.onLine) {
    const body = localAnswer();
    showResult(body, type);
    if (type === "entry" && body.status === "local-known") await state.offline.mark(code, type, row.at);
    return body;
  }
  const answered = new Promise((resolve) => state.waiting.set(row.nonce, resolve));
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), ANSWER_WAIT));
  upload();
  const body = await Promise.race([answered, timeout]);
  if (body) {
    showResult(body, type);
    return body;
  }
  // No answer in time: the row stays queued, its answer will come in the log.
  state.waiting.delete(row.nonce);
  const offlineBody = localAnswer();
  showResult(offlineBody, type);
  if (type === "entry" && offlineBody.status === "local-known") {
    await state.offline.mark(code, type, row.at);
  }
  return offlineBody;
}

// Camera ------------------------------------------------------------------------------------

const toggle = $("door-camera-toggle");

async function cameraOn() {
  const hint = $("door-camera-hint");
  try {
    state.detector = state.detector || await makeDetector({
      decoderUrl: root.dataset.decoder, wasmUrl: root.dataset.wasm,
    });
    if (!state.detector) throw new Error("no decoder");
    state.camera = await startCamera($("door-video"), state.detector, (text) => scan(text));
    toggle.setAttribute("aria-pressed", "true");
    toggle.textContent = T["camera-off"];
    root.classList.add("door--camera");
    localStorage.setItem("door:camera", "on");
  } catch {
    hint.textContent = T["camera-failed"];
    root.classList.remove("door--camera");
    root.classList.add("door--no-camera");
  }
}

function cameraOff() {
  if (state.camera) state.camera.stop();
  state.camera = null;
  toggle.setAttribute("aria-pressed", "false");
  toggle.textContent = T["camera-on"];
  root.classList.remove("door--camera");
  localStorage.setItem("door:camera", "off");
}

toggle.addEventListener("click", () => (state.camera ? cameraOff() : cameraOn()));

// Photo -------------------------------------------------------------------------------------

$("door-photo").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  const form = new FormData();
  form.append("photo", file);
  try {
    const response = await fetch(root.dataset.photo, {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": CSRF },
    });
    const body = await response.json().catch(() => ({}));
    // A refused picture (too many pixels) says why; other failures say the photo failed.
    if (!response.ok) {
      const message = body.error?.message || T["photo-failed"];
      showResult({ status: "photo", error: { message } }, scanType());
      return;
    }
    const code = (body.codes || []).map(normalizeCode).find(looksLikeCode);
    if (code) await scan(code);
    else showResult({ status: "photo", error: { message: T["no-code"] } }, scanType());
  } catch {
    showResult({ status: "photo", error: { message: T["photo-failed"] } }, scanType());
  }
});

// Search ------------------------------------------------------------------------------------

$("door-search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = $("door-q").value.trim();
  const results = $("door-results");
  if (!q || !state.list) return;
  $("door-q").blur(); // back to scan mode: focus off text fields
  results.replaceChildren(Object.assign(document.createElement("li"), { textContent: T.searching }));
  try {
    const response = await api(`/checkin-lists/${state.list}/search?q=${encodeURIComponent(q)}`);
    const items = response.ok ? (await response.json()).items : [];
    results.replaceChildren(...(items.length ? items.map(resultItem)
      : [Object.assign(document.createElement("li"), { textContent: T["no-results"] })]));
  } catch {
    results.replaceChildren(
      Object.assign(document.createElement("li"), { textContent: T["search-failed"] }));
  }
});

function resultItem(person) {
  const item = document.createElement("li");
  item.className = "door-results__item";
  const who = document.createElement("div");
  who.className = "door-results__who";
  const name = document.createElement("strong");
  name.textContent = person.name;
  const facts = document.createElement("span");
  facts.className = "door-muted";
  facts.textContent = [person.category, person.phone, person.email]
    .filter(Boolean).join(" · ");
  const status = document.createElement("span");
  status.className = `door-results__status door-results__status--${person.status}`;
  status.textContent = T[`status-${person.status}`] || person.status;
  const entry = document.createElement("span");
  entry.className = "door-results__state";
  // Whether (and when) they checked in at this list, apart from the registration's status.
  const showEntry = (at, inside) => {
    entry.dataset.state = !at ? "none" : inside ? "in" : "left";
    entry.textContent = !at ? T["not-checked-in"]
      : [fill(T["checked-in-at"], { at: when(at) }), inside ? "" : T.left].filter(Boolean)
        .join(" · ");
  };
  showEntry(person.checked_in_at, person.inside);
  entry.hidden = !person.checked_in_at && person.status !== "confirmed"; // nothing to say
  who.append(name, facts, status, entry);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button door-checkin";
  button.textContent = T["check-in"];
  button.setAttribute("aria-label", `${T["check-in"]}: ${person.name}`);
  button.disabled = !person.ticket_code || person.status !== "confirmed";
  button.addEventListener("click", async () => {
    button.blur();
    const type = scanType();
    const answer = await scan(person.ticket_code);
    if (answer?.status !== "ok") return;
    // Checked in (or out) from here: the row says so at once.
    person.checked_in_at = person.checked_in_at || answer.at;
    person.inside = type === "entry";
    showEntry(person.checked_in_at, person.inside);
    entry.hidden = false;
  });
  item.append(who, button);
  return item;
}

// Walk-ins ----------------------------------------------------------------------------------

const walkIn = $("door-walkin-form");
if (walkIn) {
  // One nonce per person entered: a retried submit (a lost answer) registers nobody twice.
  walkIn.addEventListener("input", () => {
    delete walkIn.dataset.nonce;
  });
  walkIn.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("door-walkin-error");
    const say = (message) => {
      error.textContent = message;
      error.hidden = !message;
    };
    if (!state.list) return;
    if (!navigator.onLine) {
      say(T["walkin-offline"]);
      return;
    }
    walkIn.dataset.nonce = walkIn.dataset.nonce || newNonce();
    const fields = Object.fromEntries(new FormData(walkIn));
    const body = {
      name: fields.name.trim(), phone: fields.phone.trim(), nonce: walkIn.dataset.nonce,
      organization: (fields.organization || "").trim(), email: (fields.email || "").trim(),
      device: deviceInput.value.trim().slice(0, 64),
    };
    if (fields.category_id) body.category_id = Number(fields.category_id);
    const button = walkIn.querySelector("button[type=submit]");
    button.disabled = true;
    say("");
    try {
      const response = await api(`/checkin-lists/${state.list}/walk-ins`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (!response.ok) {
        say([answer.error.message, ...Object.values(answer.error.fields || {}).flat()]
          .join(" "));
        return;
      }
      walkIn.reset();
      delete walkIn.dataset.nonce;
      document.activeElement.blur(); // back to scan mode
      showResult(answer.scan, "entry");
      logAnswer({ at: answer.scan.at, type: "entry", code: answer.registration.ticket_code },
        answer.scan, false);
      refreshStats();
    } catch {
      say(T["walkin-offline"]);
    } finally {
      button.disabled = false;
    }
  });
}

/** Lists added since the page was made (a session's door opened later) join the picker. */
async function refreshLists() {
  if (!navigator.onLine) return;
  try {
    const response = await api(`/events/${EVENT}/checkin-lists`);
    if (!response.ok) return;
    const known = new Set([...listSelect.options].map((o) => o.value));
    for (const item of (await response.json()).items) {
      if (!known.has(String(item.id))) listSelect.add(new Option(item.name, item.id));
    }
  } catch {
    // Offline: the lists the page came with.
  }
}

// Start -------------------------------------------------------------------------------------

async function chooseList() {
  state.list = Number(listSelect.value) || null;
  setupLabel();
  $("door-checked").textContent = "–";
  $("door-expected").textContent = "–";
  state.offline = state.list ? await new OfflineList(state.store, state.list).load() : null;
  showPrepared();
  refreshStats();
  download(true);
}

async function start() {
  state.store = await openStore();
  setOnline(navigator.onLine);
  await chooseList();
  await showQueue();
  listenForScanner((code) => scan(code), { wedge: $("door-wedge") });

  $("door-prepare").addEventListener("click", () => download(true));
  $("door-upload").addEventListener("click", () => upload());
  window.addEventListener("online", () => {
    setOnline(true);
    upload();
    download(false);
    refreshStats();
    refreshLists();
  });
  window.addEventListener("offline", () => setOnline(false));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") upload();
  });
  setInterval(upload, UPLOAD_EVERY);
  setInterval(refreshStats, STATS_EVERY);
  setInterval(() => download(false), DELTA_EVERY);
  setInterval(() => download(true), FULL_EVERY);
  upload();
  refreshLists();

  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: "/door/" }).catch(() => {});
  }
  if (localStorage.getItem("door:camera") !== "off" && navigator.mediaDevices) cameraOn();
  else if (!navigator.mediaDevices) root.classList.add("door--no-camera");
  root.dataset.ready = "true";
}

start();
