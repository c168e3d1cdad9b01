// Unit tests of the web player's pure rules: `node --test webplayer/tests/` (Node 20, no npm deps).
// They mirror tests/player/test_cache_policy.py, test_sync_policy.py and test_staging.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ManifestInvalid, alignedHeartbeatDue, backoffSeconds, decideApply, nextPlayable, nextPollDelay, parseRetryAfter,
  periodicRetryDelay, planEviction, validateManifest,
} from "../js/policy.js";

const asset = (assetId, sizeBytes, lastUsed) => ({ assetId, sizeBytes, lastUsed });

test("nothing is evicted below 90% of the budget", () => {
  const plan = planEviction([asset("a", 40, 1), asset("b", 40, 2)], new Set(), 100, 10);
  assert.deepEqual(plan, { evict: [], freedBytes: 0, fits: true });
});

test("eviction takes the least recently used unprotected assets and stops once under 90%", () => {
  const cached = [asset("old", 30, 1), asset("older", 30, 0), asset("protected", 30, -5), asset("new", 5, 9)];
  const plan = planEviction(cached, new Set(["protected"]), 100, 20);
  assert.deepEqual(plan.evict, ["older"]);
  assert.equal(plan.freedBytes, 30);
  assert.equal(plan.fits, true);
});

test("protected assets are never evicted; the plan says when the incoming file cannot fit", () => {
  const plan = planEviction([asset("p", 80, 0), asset("q", 10, 1)], new Set(["p"]), 100, 30);
  assert.deepEqual(plan.evict, ["q"]);
  assert.equal(plan.fits, false);
});

test("ties in last use are broken by asset id", () => {
  const plan = planEviction([asset("b", 50, 1), asset("a", 50, 1)], new Set(), 100, 1);
  assert.deepEqual(plan.evict, ["a"]);
});

test("backoff doubles from 2 s, is jittered into [50%, 100%] and capped at 300 s", () => {
  assert.equal(backoffSeconds(1, 1), 2);
  assert.equal(backoffSeconds(3, 1), 8);
  assert.equal(backoffSeconds(3, 0), 4);
  assert.equal(backoffSeconds(30, 1), 300);
});

test("the next poll follows nextCheckSeconds, comes earlier near validToUtc and never undercuts Retry-After", () => {
  const base = { nowMs: 0, nextCheckSeconds: 60, validToMs: null, failures: 0, retryAfter: null, jitter: 1 };
  assert.equal(nextPollDelay(base), 60);
  assert.equal(nextPollDelay({ ...base, validToMs: 20_000 }), 20);
  assert.equal(nextPollDelay({ ...base, validToMs: -1 }), 10);
  assert.equal(nextPollDelay({ ...base, failures: 2 }), 4);
  assert.equal(nextPollDelay({ ...base, failures: 1, retryAfter: 120 }), 120);
});

test("heartbeats and command polls keep their cadence but wait out a 429", () => {
  assert.equal(periodicRetryDelay(30, 1, 500, null, 1), 30);
  assert.equal(periodicRetryDelay(30, 1, 429, 90, 1), 90);
  assert.equal(periodicRetryDelay(1, 3, 503, null, 1), 8);
});

test("the first manifest brings a heartbeat waiting on the default cadence in to its own", () => {
  assert.equal(alignedHeartbeatDue(60_000, 1_000, 10, 0), 11_000);
  assert.equal(alignedHeartbeatDue(5_000, 1_000, 10, 0), 5_000); // a sooner one stays
  assert.equal(alignedHeartbeatDue(91_000, 1_000, 10, 1), 91_000); // backing off: keeps its wait
});

test("Retry-After is seconds or an HTTP date read against the server's clock", () => {
  assert.equal(parseRetryAfter("30", 0), 30);
  assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:01:00 GMT", 0), 60);
  assert.equal(parseRetryAfter("soon", 0), null);
  assert.equal(parseRetryAfter(null, 0), null);
});

const item = (assetId, extra = {}) => ({
  assetId, type: "IMAGE", url: "https://cdn.example/x", checksumSha256: "a".repeat(64),
  durationSeconds: 5, widthPx: 10, heightPx: 10, fileSizeBytes: 3, ...extra,
});
const manifest = (extra = {}) => ({
  manifestEtag: "m:1", validToUtc: "2030-01-01T00:00:00Z", nextCheckSeconds: 60,
  playlist: { playlistId: "p", publishedVersion: 1, items: [item("a")] }, ...extra,
});

test("a manifest with an unknown field is accepted", () => {
  assert.doesNotThrow(() => validateManifest(manifest({ somethingNew: { x: 1 } })));
});

test("a missing field, an unplayable type or an unparseable date is rejected", () => {
  const { nextCheckSeconds, ...missing } = manifest();
  assert.ok(nextCheckSeconds);
  assert.throws(() => validateManifest(missing), ManifestInvalid);
  assert.throws(() => validateManifest(manifest({ validToUtc: "next tuesday" })), ManifestInvalid);
  assert.throws(() => validateManifest(manifest({ validToUtc: "2030-01-01T00:00:00" })), ManifestInvalid);
  const html = manifest({ playlist: { playlistId: "p", publishedVersion: 1, items: [item("a", { type: "HTML" })] } });
  assert.throws(() => validateManifest(html), ManifestInvalid);
  assert.throws(() => validateManifest("not a manifest"), ManifestInvalid);
});

test("a staged manifest waits for its files, then swaps at an item boundary", () => {
  const staged = manifest({ manifestEtag: "m:2" });
  const inputs = { staged, current: manifest(), cached: new Set(), failedPermanently: new Set(), nowMs: 0, currentPlayable: true, onScreen: true };
  assert.equal(decideApply(inputs), "WAIT");
  assert.equal(decideApply({ ...inputs, cached: new Set(["a"]) }), "APPLY_AT_BOUNDARY");
  assert.equal(decideApply({ ...inputs, cached: new Set(["a"]), onScreen: false }), "APPLY_NOW");
  assert.equal(decideApply({ ...inputs, failedPermanently: new Set(["a"]) }), "REJECT");
});

test("the rotation skips items that are not cached or failed in this pass", () => {
  const items = [item("a"), item("b"), item("c")];
  assert.equal(nextPlayable(items, new Set(["a", "c"]), 0), 2);
  assert.equal(nextPlayable(items, new Set(["a", "c"]), 2), 0);
  assert.equal(nextPlayable(items, new Set(["a"]), 0, new Set(["a"])), null);
});
