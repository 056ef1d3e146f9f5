// The organizers' check-in dashboard: ask for news every ~1.5 s with the last ETag (live.js);
// backs off to at most 30 s while the server is unreachable. Paused while hidden.

import { pollLive } from "./live.js";

const box = document.getElementById("live");

if (box && box.dataset.liveUrl) {
  pollLive(box, document.querySelector("[data-live-status]"), {
    interval: Number(box.dataset.pollMs) || 1500,
    maxDelay: 30_000,
    pauseWhenHidden: true,
  });
}
