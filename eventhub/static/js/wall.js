// The welcome wall: ask for news about every second with the last ETag (live.js: the server
// answers 304 while nothing changed, else the new HTML); names the screen had not shown yet
// grow in (wall.css), so a new arrival is seen within about two seconds.

import { pollLive } from "./live.js";

const box = document.getElementById("live");

const shownIds = () =>
  new Set([...box.querySelectorAll("[data-wall-id]")].map((li) => li.dataset.wallId));

if (box && box.dataset.liveUrl) {
  let seen = shownIds();
  pollLive(box, null, {
    interval: Number(box.dataset.pollMs) || 1000,
    maxDelay: 10_000,
    onUpdate() {
      for (const li of box.querySelectorAll("[data-wall-id]")) {
        if (!seen.has(li.dataset.wallId)) li.classList.add("wall-name--new");
      }
      seen = shownIds();
    },
  });
}
