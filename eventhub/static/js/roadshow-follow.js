// A judge's tablet follows the live roadshow: the queue and scorecard pages poll the round's
// stage (ETag, 304 while nothing changed). When the entry on stage changes to one this judge
// scores, the page goes to its scorecard by itself, after saving a pending draft; while the
// judge is typing or the submit dialog is open it only shows a banner with a link.

const INTERVAL = 1000;
const MAX_DELAY = 15_000;

export function followStage({ canLeave = () => true, flush = async () => true } = {}) {
  const banner = document.getElementById("stage-follow");
  if (!banner || !banner.dataset.stageApi) return;
  const text = banner.querySelector("[data-follow-text]");
  const link = banner.querySelector("[data-follow-link]");
  const here = Number(banner.dataset.entry) || null;
  let etag = "";
  let seen; // the entry on stage at the previous answer (undefined before the first)
  let failures = 0;

  const scorecardUrl = (id) => `${banner.dataset.roundUrl}/entries/${id}`;

  function show(entry) {
    text.textContent = banner.dataset.textOnStage.replace("{title}", entry.title);
    link.hidden = entry.id === here;
    link.href = scorecardUrl(entry.id);
    banner.hidden = false;
    banner.dataset.entryOnStage = String(entry.id);
  }

  async function update(data) {
    const ours = data.entry && data.phase !== "idle" && data.assigned_to_you;
    const id = ours ? data.entry.id : null;
    const changed = seen !== undefined && id !== seen;
    seen = id;
    if (!ours) {
      banner.hidden = true;
      delete banner.dataset.entryOnStage;
      return;
    }
    show(data.entry);
    if (changed && id !== here && canLeave() && (await flush())) {
      window.location.assign(scorecardUrl(id));
    }
  }

  async function poll() {
    try {
      const headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      const response = await fetch(banner.dataset.stageApi, {
        headers, credentials: "same-origin", cache: "no-store",
      });
      if ([401, 403, 404].includes(response.status)) return; // not for us: stop asking
      if (response.status === 200) {
        etag = response.headers.get("ETag") || "";
        await update(await response.json());
      } else if (response.status !== 304) {
        throw new Error(`HTTP ${response.status}`);
      }
      failures = 0;
    } catch {
      failures += 1;
    }
    setTimeout(poll, failures ? Math.min(INTERVAL * 2 ** failures, MAX_DELAY) : INTERVAL);
  }

  poll();
}

// The queue follows by itself; the scorecard page starts it with its own hooks.
if (!document.getElementById("scorecard")) followStage();
