// Media in Cache Storage under a byte budget (§11, §28.9): each file is downloaded (resumed with
// Range from the bytes a cut-off attempt kept in IndexedDB), verified with SHA-256 through
// WebCrypto and only then stored, so a half-downloaded or corrupted file is never playable.
// The index (size, last use) lives in IndexedDB; eviction follows policy.planEviction.
import { planEviction } from "./policy.js";

const CACHE_NAME = "signage-media-v1";
const PERMANENT_AFTER_FAILURES = 3; // a file that fails its checksum this often is given up

export class ChecksumMismatch extends Error {}

function cacheKey(assetId) {
  return new URL(`__media/${encodeURIComponent(assetId)}`, location.href).href;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class MediaCache {
  constructor(store) {
    this.store = store;
    this.index = new Map(); // assetId -> {assetId, sizeBytes, lastUsed, sha256}
    this.failures = new Map(); // assetId -> checksum failures in a row
    this.objectUrls = new Map(); // assetId -> blob: URL while it may be on screen
  }

  async load() {
    const cache = await caches.open(CACHE_NAME);
    for (const entry of await this.store.all("assets")) {
      // An index row without its file (storage cleared by the browser) is dropped.
      if (await cache.match(cacheKey(entry.assetId))) this.index.set(entry.assetId, entry);
      else await this.store.remove("assets", entry.assetId);
    }
  }

  has(assetId, sha256) {
    const entry = this.index.get(assetId);
    return Boolean(entry) && (!sha256 || entry.sha256 === sha256.toLowerCase());
  }

  cachedIds(items) {
    return new Set(items.filter((i) => this.has(i.assetId, i.checksumSha256)).map((i) => i.assetId));
  }

  usedBytes() {
    let total = 0;
    for (const entry of this.index.values()) total += entry.sizeBytes;
    return total;
  }

  failedPermanently() {
    return new Set([...this.failures].filter(([, n]) => n >= PERMANENT_AFTER_FAILURES).map(([id]) => id));
  }

  /** A URL the media elements can show, from Cache Storage (works offline). */
  async objectUrl(assetId) {
    if (this.objectUrls.has(assetId)) return this.objectUrls.get(assetId);
    const response = await (await caches.open(CACHE_NAME)).match(cacheKey(assetId));
    if (!response) return null;
    const url = URL.createObjectURL(await response.blob());
    this.objectUrls.set(assetId, url);
    const entry = this.index.get(assetId);
    if (entry) {
      entry.lastUsed = Date.now();
      await this.store.put("assets", entry);
    }
    return url;
  }

  /** Let go of blob URLs not in `keep` (what is on screen or next). */
  releaseUrls(keep) {
    for (const [assetId, url] of this.objectUrls) {
      if (!keep.has(assetId)) {
        URL.revokeObjectURL(url);
        this.objectUrls.delete(assetId);
      }
    }
  }

  /** Make room for `incoming` bytes; returns the plan (its `fits` says whether to go on). */
  async makeRoom(incoming, protectedIds, budgetBytes) {
    const plan = planEviction([...this.index.values()], protectedIds, budgetBytes, incoming);
    for (const assetId of plan.evict) await this.delete(assetId);
    return plan;
  }

  async delete(assetId) {
    await (await caches.open(CACHE_NAME)).delete(cacheKey(assetId));
    await this.store.remove("assets", assetId);
    await this.store.remove("partials", assetId);
    this.index.delete(assetId);
  }

  async clear(keepIds) {
    let freed = 0;
    for (const [assetId, entry] of [...this.index]) {
      if (keepIds.has(assetId)) continue;
      freed += entry.sizeBytes;
      await this.delete(assetId);
    }
    await this.store.clear("partials");
    return freed;
  }

  /**
   * Download one item into the cache: resume from kept bytes with Range, verify SHA-256,
   * store. Throws ApiError-like {status} on HTTP trouble, ChecksumMismatch on a bad file.
   */
  async download(item, timeoutMs = 120_000) {
    const partial = await this.store.read("partials", item.assetId);
    const kept = partial && partial.sha256 === item.checksumSha256 ? partial.blob : null;
    const headers = kept ? { Range: `bytes=${kept.size}-` } : {};
    const response = await fetch(item.url, { headers, cache: "no-store", signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      const error = new Error(`media HTTP ${response.status}`);
      error.status = response.status;
      error.retryAfter = Number(response.headers.get("Retry-After")) || null;
      throw error;
    }
    const head = response.status === 206 && kept ? [kept] : []; // 200: the server sent it all
    const chunks = await this.readKeepingPartial(response, item, head);
    const blob = new Blob(chunks, { type: response.headers.get("Content-Type") || "" });
    await this.store.remove("partials", item.assetId);
    const digest = hex(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
    if (digest !== item.checksumSha256.toLowerCase()) {
      this.failures.set(item.assetId, (this.failures.get(item.assetId) ?? 0) + 1);
      throw new ChecksumMismatch(`checksum mismatch for ${item.assetId}`);
    }
    this.failures.delete(item.assetId);
    await (await caches.open(CACHE_NAME)).put(cacheKey(item.assetId), new Response(blob));
    const entry = { assetId: item.assetId, sizeBytes: blob.size, lastUsed: Date.now(), sha256: digest };
    await this.store.put("assets", entry);
    this.index.set(item.assetId, entry);
    return entry;
  }

  async readKeepingPartial(response, item, chunks) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return chunks;
        chunks.push(value);
      }
    } catch (error) {
      // Cut off: keep what arrived so the next attempt asks only for the rest.
      await this.store.put("partials", { assetId: item.assetId, sha256: item.checksumSha256, blob: new Blob(chunks) });
      throw error;
    }
  }
}
