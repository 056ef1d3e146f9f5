// Keeps a server-rendered fragment live (the check-in dashboard, the roadshow's control panel
// and big screen): asks for news every `interval` ms with the last ETag; the server answers
// 304 while nothing changed, else the new HTML, which replaces the box's children. The status
// line says live / offline / signed out (texts from the box's data-text-* attributes).

export function pollLive(box, status, {
  interval,
  maxDelay,
  pauseWhenHidden = false,
  onUpdate = () => {},
}) {
  const url = box.dataset.liveUrl;
  let etag = box.dataset.etag || "";
  let timer = null;
  let failures = 0;
  let busy = false;
  let stopped = false;

  const say = (text) => {
    if (status && text && status.textContent !== text) status.textContent = text;
  };
  const hidden = () => pauseWhenHidden && document.visibilityState !== "visible";

  const schedule = (delay) => {
    clearTimeout(timer);
    if (!stopped && !hidden()) timer = setTimeout(poll, delay);
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
        onUpdate();
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
    // Back off while the server is unreachable: twice the interval, four times … at most maxDelay.
    schedule(failures ? Math.min(interval * 2 ** failures, maxDelay) : interval);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      if (pauseWhenHidden) say(box.dataset.textLive);
      schedule(0);
    } else if (pauseWhenHidden) {
      clearTimeout(timer);
      say(box.dataset.textPaused);
    }
  });

  schedule(interval);
}
