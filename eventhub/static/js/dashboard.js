// The organizers' check-in dashboard: ask for news every ~1.5 s with the last ETag; the
// server answers 304 while nothing changed, else the new fragment. Paused while hidden.

const box = document.getElementById("live");
const status = document.querySelector("[data-live-status]");

if (box && box.dataset.liveUrl) {
  const url = box.dataset.liveUrl;
  const interval = Number(box.dataset.pollMs) || 1500;
  let etag = box.dataset.etag || "";
  let timer = null;
  let failures = 0;
  let busy = false;
  let stopped = false;

  const say = (text) => {
    if (status && text && status.textContent !== text) status.textContent = text;
  };

  const schedule = (delay) => {
    clearTimeout(timer);
    if (!stopped && document.visibilityState === "visible") timer = setTimeout(poll, delay);
  };

  async function poll() {
    if (busy || stopped) return;
    busy = true;
    try {
      const headers = { Accept: "text/html" };
      if (etag) headers["If-None-Match"] = etag;
      const response = await fetch(url, {
        headers,
        cache: "no-store",
        credentials: "same-origin",
        redirect: "manual",
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
    // Back off while the server is unreachable: 1.5 s, 3 s, 6 s … at most 30 s.
    schedule(failures ? Math.min(interval * 2 ** failures, 30000) : interval);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      say(box.dataset.textLive);
      schedule(0);
    } else {
      clearTimeout(timer);
      say(box.dataset.textPaused);
    }
  });

  schedule(interval);
}
