// The live roadshow's control panel and big screen: ask for news about every second with the
// last ETag (live.js: the server answers 304 while nothing changed, else the new HTML), and count the
// stage's clock down locally from what remained when the HTML was rendered, so the poll only
// has to catch changes of state. Overtime shows as "+0:12"; the last minute is amber.

import { pollLive } from "./live.js";

const box = document.getElementById("live");
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
  pollLive(box, document.querySelector("[data-live-status]"), {
    interval: Number(box.dataset.pollMs) || 1000,
    maxDelay: 15_000,
    onUpdate: () => {
      received = performance.now();
      tick();
    },
  });
}

tick();
setInterval(tick, 250);
