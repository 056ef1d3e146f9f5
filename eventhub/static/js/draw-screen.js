// The lucky draw's big screen: asks for the draw's public state every few seconds with the last
// ETag (304 while nothing changed). Once the draw is drawn, the numbers of the pool roll for a
// moment, then each prize's slots land on the winners of that state, one after another. The
// rolling is theatre: the winners were fixed when the organizer ran the draw.

const screen = document.getElementById("draw-screen");
const ROLL_MS = 2500;
const LAND_MS = 350;
const TICK_MS = 60;

let etag = "";
let landedKey = "";
let rolling = false;

const slotsOf = (index) =>
  [...document.querySelectorAll(`[data-prize-index="${index}"] [data-slot]`)];

// A registration's number in the page's language ("No. 12" / "12 号").
const numbered = (id) => screen.dataset.textNo.replace("{id}", id);

function label(winner) {
  return `${winner.display_name} · ${numbered(winner.registration_id)}`;
}

function keyOf(state) {
  return state.winners.map((w) => `${w.prize_index}:${w.registration_id}`).join(",");
}

function fill(state) {
  const byPrize = new Map();
  for (const w of state.winners) {
    if (!byPrize.has(w.prize_index)) byPrize.set(w.prize_index, []);
    byPrize.get(w.prize_index).push(w);
  }
  const steps = [];
  for (const prize of document.querySelectorAll("[data-prize-index]")) {
    const index = Number(prize.dataset.prizeIndex);
    const winners = byPrize.get(index) || [];
    slotsOf(index).forEach((slot, i) => steps.push([slot, winners[i]]));
  }
  return steps;
}

function land(state, animate) {
  const key = keyOf(state);
  if (key === landedKey || rolling) return;
  const seed = document.querySelector("[data-seed]");
  if (seed && state.seed) seed.textContent = state.seed;
  document.querySelector("[data-seed-line]")?.removeAttribute("hidden");
  document.querySelector("[data-waiting]")?.setAttribute("hidden", "");
  const steps = fill(state);
  const finish = () => {
    for (const [slot, winner] of steps) {
      slot.textContent = winner ? label(winner) : "—";
      slot.dataset.registration = winner ? winner.registration_id : "";
      slot.classList.remove("draw-screen__slot--rolling");
      slot.classList.toggle("draw-screen__slot--won", Boolean(winner));
    }
    landedKey = key;
    screen.dataset.landed = key;
    screen.dataset.winners = state.winners.map((w) => w.registration_id).join(",");
    document.querySelector("[data-roller]").textContent = "";
  };
  if (!animate || !state.pool.length) {
    finish();
    return;
  }
  // Roll the pool's numbers through every empty slot, then land slot by slot.
  rolling = true;
  const pool = state.pool;
  const pick = () => pool[Math.floor(Math.random() * pool.length)];
  const roller = document.querySelector("[data-roller]");
  for (const [slot] of steps) slot.classList.add("draw-screen__slot--rolling");
  const started = performance.now();
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    const settled = Math.max(0, Math.floor((elapsed - ROLL_MS) / LAND_MS));
    steps.forEach(([slot, winner], i) => {
      if (i < settled) {
        slot.textContent = winner ? label(winner) : "—";
        slot.classList.remove("draw-screen__slot--rolling");
        slot.classList.toggle("draw-screen__slot--won", Boolean(winner));
      } else {
        slot.textContent = numbered(pick());
      }
    });
    roller.textContent = numbered(pick());
    if (settled >= steps.length) {
      clearInterval(timer);
      rolling = false;
      finish();
    }
  }, TICK_MS);
}

async function poll() {
  try {
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    const response = await fetch(screen.dataset.stateUrl, {
      headers, cache: "no-store", credentials: "same-origin",
    });
    if (response.status === 200) {
      etag = response.headers.get("ETag") || "";
      const state = await response.json();
      const before = screen.dataset.status;
      screen.dataset.status = state.status;
      if (state.status === "drawn") land(state, before !== "drawn" || landedKey !== "");
    }
  } catch {
    // Offline for a moment: ask again at the next tick.
  }
  setTimeout(poll, Number(screen.dataset.pollMs) || 1500);
}

if (screen) poll();
