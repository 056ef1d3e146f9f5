// A poll's big screen: ask for news about every second with the last ETag (live.js: the
// server answers 304 while no vote arrived, else the new bars). Never paused: the screen is
// the page on show.

import { pollLive } from "./live.js";

const box = document.getElementById("live");

if (box && box.dataset.liveUrl) {
  pollLive(box, null, {
    interval: Number(box.dataset.pollMs) || 1000,
    maxDelay: 10_000,
  });
}
