// A judge's scorecard on a tablet or a phone: steppers and sliders, the running weighted
// total, a draft saved about a second after each change (with the version last read, so that
// a second device cannot silently overwrite it; the status says "saving" from the change
// until the server answers), and a confirmed submit that locks the card. A submit with
// criteria left unscored says so beside the submit button and brings the first of them into
// view below the sticky bars. During a live roadshow the page follows the stage
// (roadshow-follow.js).

import { followStage } from "./roadshow-follow.js";

const form = document.getElementById("scorecard");
const CSRF = document.querySelector("meta[name=csrf-token]").content;
const T = { ...document.getElementById("sc-strings").dataset };
const SAVE_DELAY = 800; // ms after the last change
const RETRY_DELAY = 5_000;

const state = JSON.parse(form.dataset.state);
let locked = state.status === "submitted" || form.dataset.open !== "true";
let timer = null;
let saving = null; // the PUT in flight
let dirty = false;

const rows = [...form.querySelectorAll(".sc-crit")];
const comment = document.getElementById("sc-comment");
const totalOut = document.getElementById("sc-total");
const totalLabel = document.getElementById("sc-total-label");
const saveState = document.getElementById("sc-save");
const message = document.getElementById("sc-message");
const barAlert = document.getElementById("sc-bar-alert");
const submitButton = document.getElementById("sc-submit");
const dialog = document.getElementById("sc-confirm");

const maxOf = (row) => Number(row.dataset.max);
const roundHalf = (value) => Math.round(value * 2) / 2;

function scoreOf(row) {
  const raw = row.querySelector(".sc-value").value.trim();
  if (raw === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

function setScore(row, value) {
  const input = row.querySelector(".sc-value");
  const range = row.querySelector(".sc-range");
  if (value === null || value === undefined) {
    input.value = "";
    range.value = 0;
    row.dataset.unset = "true";
    return;
  }
  const clamped = Math.min(maxOf(row), Math.max(0, value));
  input.value = String(clamped);
  range.value = clamped;
  delete row.dataset.unset;
}

function scores() {
  const result = {};
  for (const row of rows) {
    const value = scoreOf(row);
    if (value !== null) result[row.dataset.id] = value;
  }
  return result;
}

function total() {
  let sum = 0;
  for (const row of rows) {
    const value = scoreOf(row);
    if (value !== null) sum += (value / maxOf(row)) * Number(row.dataset.weight);
  }
  return sum;
}

const formatTotal = (value) => (Math.round(value * 100) / 100).toFixed(2);

/** The running total; until every criterion is scored it is labelled as partial. */
function showTotal() {
  const complete = rows.every((row) => scoreOf(row) !== null);
  totalOut.value = formatTotal(total());
  totalOut.textContent = totalOut.value;
  totalOut.dataset.complete = String(complete);
  totalLabel.textContent = complete ? T.total : T.partialTotal;
}

function showSave(kind, text) {
  saveState.dataset.state = kind;
  saveState.textContent = text;
}

function showMessage(text, kind = "info") {
  message.textContent = text;
  message.className = `sc-message flash flash--${kind}`;
  message.hidden = !text;
}

// The unscored criteria a submit found: marked on their cards and told beside the submit
// button, until they are scored.
function markMissing(row, missing) {
  const input = row.querySelector(".sc-value");
  const note = row.querySelector(".sc-crit__missing");
  const described = (input.getAttribute("aria-describedby") || "").split(" ")
    .filter((id) => id && id !== note.id);
  if (missing) described.push(note.id);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
  if (missing) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  row.toggleAttribute("data-missing", missing);
  note.hidden = !missing;
}

function showIncomplete(missing) {
  for (const row of rows) markMissing(row, missing.includes(row));
  barAlert.textContent = missing.length ? T.incomplete : "";
  barAlert.hidden = !missing.length;
  if (!missing.length) return;
  // Below the sticky banner (the criterion's scroll-margin), its heading in sight.
  missing[0].scrollIntoView({ block: "start" });
  missing[0].querySelector(".sc-value").focus({ preventScroll: true });
}

function updateIncomplete() {
  if (barAlert.hidden) return;
  for (const row of rows) {
    if (row.hasAttribute("data-missing") && scoreOf(row) !== null) markMissing(row, false);
  }
  if (!rows.some((row) => row.hasAttribute("data-missing"))) {
    barAlert.hidden = true;
    barAlert.textContent = "";
  }
}

function clock(date = new Date()) {
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

function lock(text) {
  locked = true;
  clearTimeout(timer);
  for (const el of form.querySelectorAll(".sc-step, .sc-range")) el.disabled = true;
  for (const el of form.querySelectorAll(".sc-value, textarea")) el.readOnly = true;
  submitButton.hidden = true;
  barAlert.hidden = true;
  form.dataset.locked = "true";
  if (text) showMessage(text, "info");
}

function load(card) {
  state.version = card.version;
  state.status = card.status;
  for (const row of rows) setScore(row, card.scores ? card.scores[row.dataset.id] : null);
  comment.value = card.comment || "";
  showTotal();
}

// Saving -----------------------------------------------------------------------------------

function changed() {
  if (locked) return;
  showTotal();
  updateIncomplete();
  dirty = true;
  // Unsaved from this moment: never "saved" while a change waits for its save.
  showSave("saving", T.saving);
  clearTimeout(timer);
  timer = setTimeout(save, SAVE_DELAY);
}

async function put(submit) {
  const body = { scores: scores(), comment: comment.value, submit, version: state.version };
  const response = await fetch(form.dataset.api, {
    method: "PUT",
    credentials: "same-origin",
    keepalive: true,
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": CSRF },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { response, data };
}

// Answer a refusal; true when the card can no longer change.
function refused(response, data) {
  const error = data.error || {};
  if (response.status === 409 && error.code === "stale_version" && error.scorecard) {
    load(error.scorecard);
    showMessage(T.stale, "warning");
    showSave("idle", "");
    return false;
  }
  if (response.status === 409 && error.code === "already_submitted") {
    if (error.scorecard) load(error.scorecard);
    showSave("submitted", T.submittedShort);
    lock(T.submitted);
    return true;
  }
  if (response.status === 409) {
    showSave("failed", error.message || T.closed);
    lock(T.closed);
    return true;
  }
  if (response.status === 403 || response.status === 404) {
    showSave("failed", T.forbidden);
    lock(T.forbidden);
    return true;
  }
  if (response.status === 422) {
    const fields = Object.values(error.fields || {});
    showSave("failed", fields[0] || error.message || T.invalid);
    showMessage(fields[0] || error.message || T.invalid, "error");
    return false;
  }
  showSave("failed", T.failed);
  return false;
}

async function save() {
  clearTimeout(timer);
  if (locked || !dirty) return;
  if (saving) {
    await saving;
    return save();
  }
  dirty = false;
  showSave("saving", T.saving);
  saving = (async () => {
    try {
      const { response, data } = await put(false);
      if (response.ok) {
        state.version = data.version;
        state.status = data.status;
        if (dirty) showSave("saving", T.saving); // changed again while this save was out
        else showSave("saved", T.saved.replace("{time}", clock()));
        if (message.classList.contains("flash--error")) showMessage("");
      } else {
        refused(response, data);
      }
    } catch {
      dirty = true;
      showSave("failed", T.failed);
      timer = setTimeout(save, RETRY_DELAY);
    }
  })();
  await saving;
  saving = null;
  if (dirty && !locked) timer = setTimeout(save, SAVE_DELAY);
}

async function submit() {
  clearTimeout(timer);
  if (saving) await saving;
  showSave("saving", T.saving);
  try {
    const { response, data } = await put(true);
    if (response.ok) {
      state.version = data.version;
      state.status = data.status;
      dirty = false;
      showSave("submitted", T.submittedShort);
      lock(T.submitted);
    } else {
      refused(response, data);
    }
  } catch {
    showSave("failed", T.failed);
  }
}

// Controls ---------------------------------------------------------------------------------

for (const row of rows) {
  const input = row.querySelector(".sc-value");
  if (input.value === "") row.dataset.unset = "true";
  for (const button of row.querySelectorAll(".sc-step")) {
    button.addEventListener("click", () => {
      if (locked) return;
      const current = scoreOf(row);
      const step = Number(button.dataset.step);
      const base = current === null ? 0 : current;
      setScore(row, roundHalf(current === null && step < 0 ? 0 : base + step));
      changed();
    });
  }
  row.querySelector(".sc-range").addEventListener("input", (event) => {
    setScore(row, Number(event.target.value));
    changed();
  });
  input.addEventListener("input", () => {
    const value = scoreOf(row);
    if (value !== null && value >= 0 && value <= maxOf(row)) {
      row.querySelector(".sc-range").value = value;
      delete row.dataset.unset;
    }
    changed();
  });
  input.addEventListener("change", () => {
    const value = scoreOf(row);
    setScore(row, value === null ? null : value);
    changed();
  });
}

comment.addEventListener("input", changed);
form.addEventListener("submit", (event) => event.preventDefault());

submitButton.addEventListener("click", () => {
  if (locked) return;
  const missing = rows.filter((row) => scoreOf(row) === null);
  showIncomplete(missing);
  if (missing.length) return;
  document.getElementById("sc-confirm-total").textContent = formatTotal(total());
  dialog.returnValue = "";
  dialog.showModal();
});

dialog.addEventListener("close", () => {
  if (dialog.returnValue === "submit") submit();
});

window.addEventListener("pagehide", () => {
  if (dirty && !locked) save();
});

showTotal();
if (locked) lock(null);

// The live roadshow: go to the entry on stage, but never while the judge types a comment or
// a score or the submit dialog is open, and only once the draft is saved.
followStage({
  canLeave: () =>
    !dialog.open && !(document.activeElement && document.activeElement.matches("textarea, .sc-value")),
  flush: async () => {
    if (dirty && !locked) await save();
    if (saving) await saving;
    return locked || !dirty;
  },
});
