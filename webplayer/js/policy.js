// The web player's pure rules, the same as the reference player's (player/sync_policy.py,
// player/cache_policy.py, player/staging.py, player/wire.py): no I/O, time is an argument.
// Tested with `node --test webplayer/tests/` and through the browser suite.

export const DEFAULT_CHECK_SECONDS = 60; // §28.6 before any manifest has been seen
export const BACKOFF_BASE_SECONDS = 2;
export const BACKOFF_CAP_SECONDS = 300;
export const EXPIRED_RECHECK_SECONDS = 10;
export const EVICTION_THRESHOLD = 0.9; // §11.2: eviction runs above 90% of the budget
export const DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024; // a browser's quota is smaller than a disk

/** Exponential backoff with jitter (§28.6): 2, 4, 8 ... s capped at 300, scaled into [50%, 100%]. */
export function backoffSeconds(failures, jitter) {
  const exponent = Math.min(Math.max(failures - 1, 0), 16);
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** exponent);
  return Math.max(1, ceiling * (0.5 + 0.5 * jitter));
}

/** Seconds until the next manifest poll (player/sync_policy.py `next_poll_delay`). */
export function nextPollDelay({ nowMs, nextCheckSeconds, validToMs, failures, retryAfter, jitter }) {
  let delay;
  if (failures > 0) {
    delay = backoffSeconds(failures, jitter);
  } else {
    const cadence = Math.max(1, nextCheckSeconds || DEFAULT_CHECK_SECONDS);
    if (validToMs == null) delay = cadence;
    else {
      const untilExpiry = (validToMs - nowMs) / 1000;
      delay = untilExpiry <= 0 ? Math.min(cadence, EXPIRED_RECHECK_SECONDS)
        : Math.max(1, Math.min(cadence, untilExpiry));
    }
  }
  return retryAfter != null ? Math.max(delay, retryAfter) : delay; // never undercut the server
}

/** A periodic call (heartbeat, commands) after a failure: its cadence, but at least Retry-After
 * or, on 429/503 without the header, the backoff (contract "Heartbeats and command polls"). */
export function periodicRetryDelay(cadence, failures, status, retryAfter, jitter) {
  if (retryAfter != null) return Math.max(cadence, retryAfter);
  if (status === 429 || status === 503) return Math.max(cadence, backoffSeconds(failures, jitter));
  return cadence;
}

/** When a heartbeat is due once a manifest gives the cadence (§27.8.2): one waiting on the
 * default cadence (sent before the first manifest) comes in to it; one backing off after a
 * failure keeps its wait, which may be a Retry-After. */
export function alignedHeartbeatDue(dueMs, nowMs, cadence, failures) {
  return failures === 0 ? Math.min(dueMs, nowMs + cadence * 1000) : dueMs;
}

/** Retry-After as seconds (delta-seconds or an HTTP date against the server's clock), or null. */
export function parseRetryAfter(value, serverNowMs) {
  if (value == null || value === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, (at - serverNowMs) / 1000);
}

/**
 * §11.2 protected LRU (player/cache_policy.py `plan_eviction`): assets of the current and
 * previous manifests are protected; the rest go least recently used first once usage plus
 * the incoming bytes passes 90% of the budget, stopping as soon as it is back under.
 * `fits` is false when even that leaves the incoming bytes over budget (downloads pause).
 */
export function planEviction(assets, protectedIds, budgetBytes, incomingBytes = 0) {
  const used = assets.reduce((sum, a) => sum + a.sizeBytes, 0);
  const threshold = Math.floor(budgetBytes * EVICTION_THRESHOLD);
  if (used + incomingBytes <= threshold) return { evict: [], freedBytes: 0, fits: true };
  const candidates = assets
    .filter((a) => !protectedIds.has(a.assetId))
    .sort((a, b) => a.lastUsed - b.lastUsed || (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0));
  const evict = [];
  let freed = 0;
  for (const asset of candidates) {
    if (used - freed + incomingBytes <= threshold) break;
    evict.push(asset.assetId);
    freed += asset.sizeBytes;
  }
  return { evict, freedBytes: freed, fits: used - freed + incomingBytes <= budgetBytes };
}

export class ManifestInvalid extends Error {}

const ITEM_TYPES = new Set(["IMAGE", "VIDEO"]);

function need(data, name, kind) {
  const value = data[name];
  const ok = kind === "int" ? Number.isInteger(value) : typeof value === kind;
  if (!ok) throw new ManifestInvalid(`field ${name} must be ${kind}`);
  return value;
}

function parseUtc(text) {
  // The wire is UTC with an offset (§30); a naive or unparseable date is refused.
  if (!/(Z|[+-]\d\d:\d\d)$/.test(text)) throw new ManifestInvalid(`timestamp without offset: ${text}`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ManifestInvalid(`unparseable timestamp: ${text}`);
  return ms;
}

/** Validate a manifest body (§27.8.1): unknown fields are ignored, a missing or malformed
 * required one, an item type this player cannot play or a bad date throws ManifestInvalid. */
export function validateManifest(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ManifestInvalid("manifest must be an object");
  }
  need(body, "manifestEtag", "string");
  parseUtc(need(body, "validToUtc", "string"));
  need(body, "nextCheckSeconds", "int");
  const budget = body.settings?.cacheBudgetBytes;
  if (budget != null && !(Number.isInteger(budget) && budget > 0)) {
    throw new ManifestInvalid("settings.cacheBudgetBytes must be a positive integer");
  }
  if (body.playlist != null) {
    const playlist = body.playlist;
    need(playlist, "playlistId", "string");
    need(playlist, "publishedVersion", "int");
    if (!Array.isArray(playlist.items)) throw new ManifestInvalid("playlist.items must be a list");
    for (const item of playlist.items) validateItem(item);
  }
  return body;
}

function validateItem(item) {
  if (item === null || typeof item !== "object") throw new ManifestInvalid("item must be an object");
  const type = need(item, "type", "string");
  if (!ITEM_TYPES.has(type)) throw new ManifestInvalid(`unknown item type ${type}`);
  need(item, "assetId", "string");
  need(item, "url", "string");
  const sum = need(item, "checksumSha256", "string");
  if (!/^[0-9a-fA-F]{64}$/.test(sum)) throw new ManifestInvalid("checksumSha256 is not hex SHA-256");
  for (const name of ["durationSeconds", "widthPx", "heightPx", "fileSizeBytes"]) need(item, name, "int");
}

export const validToMs = (manifest) => Date.parse(manifest.validToUtc);
export const itemsOf = (manifest) => (manifest?.playlist?.items ?? []).filter((i) => i.enabled !== false);
export const assetIdsOf = (manifest) => new Set((manifest?.playlist?.items ?? []).map((i) => i.assetId));

/**
 * Two-phase apply (§28.5, player/staging.py `decide_apply`): WAIT, APPLY_NOW,
 * APPLY_AT_BOUNDARY or REJECT, from what of the staged manifest is cached.
 */
export function decideApply({ staged, current, cached, failedPermanently, nowMs, currentPlayable, onScreen }) {
  if (!staged) return "WAIT";
  const needed = itemsOf(staged).map((i) => i.assetId);
  const missing = needed.filter((id) => !cached.has(id));
  const anyCached = needed.some((id) => cached.has(id));
  if (missing.length && missing.every((id) => failedPermanently.has(id)) && !anyCached) return "REJECT";
  const ready = missing.length === 0;
  const currentExpired = !current || nowMs >= validToMs(current);
  const partial = anyCached && (currentExpired || !currentPlayable);
  if (ready || partial) return onScreen ? "APPLY_AT_BOUNDARY" : "APPLY_NOW";
  return "WAIT";
}

/** The next playable item after `index` (wrapping), or null when none is cached. */
export function nextPlayable(items, cached, index, skip = new Set()) {
  for (let step = 1; step <= items.length; step += 1) {
    const at = (index + step + items.length) % items.length;
    if (cached.has(items[at].assetId) && !skip.has(items[at].assetId)) return at;
  }
  return null;
}

/** The heartbeat's `state` enum (§27.8.2) for a lifecycle state. */
export function heartbeatState(state) {
  if (state === "PLAYING" || state === "ERROR_SCREEN") return state;
  if (state === "UNREGISTERED") return "PAIRING";
  return "BOOTING";
}
