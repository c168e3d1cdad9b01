// The web player's controller: the §28 lifecycle (BOOT → UNREGISTERED | LOAD_LOCAL →
// PLAYABLE_CHECK → PLAYING | ERROR_SCREEN), the same rules as the reference player (`player/`):
// one timer turn every 250 ms starts what is due (manifest, heartbeat, events, commands) and
// never waits on it; the rotation runs on its own and asks for staged manifests and commands
// only at item boundaries (§28.5, §33.8).
import { Api, ApiError, TokenRevoked } from "./api.js";
import { ChecksumMismatch, MediaCache } from "./media-cache.js";
import {
  DEFAULT_BUDGET_BYTES, ManifestInvalid, alignedHeartbeatDue, assetIdsOf, backoffSeconds, decideApply, heartbeatState,
  itemsOf, nextPlayable, nextPollDelay, periodicRetryDelay, validToMs, validateManifest,
} from "./policy.js";

export const APP_VERSION = "web-1.0.1";
const TURN_MS = 250;
const MAX_BATCH = 100;
const EVENT_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const EVENTS_FLUSH_SECONDS = 5;
const MAX_DOWNLOADS = 2;

const wireTime = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export class Player {
  constructor({ store, screen, apiUrl, budgetBytes = DEFAULT_BUDGET_BYTES, reload }) {
    this.store = store;
    this.screen = screen;
    this.reload = reload; // RESTART_APP / REBOOT_APP: the shell reloads the page
    this.defaultBudget = budgetBytes;
    this.api = new Api(apiUrl, {
      get: () => this.token,
      renew: (token) => this.adoptToken(token),
    }, (reachable) => this.contact(reachable));
    this.cache = new MediaCache(store);
    this.state = "BOOT";
    this.token = null;
    this.deviceId = null;
    this.pairing = null;
    this.manifests = { current: null, previous: null, staged: null };
    this.due = {}; // job -> epoch ms when it may run next
    this.running = new Set(); // jobs in flight
    this.failures = { manifest: 0, heartbeat: 0, events: 0, commands: 0 };
    this.counters = { playbackFailures: 0, downloadFailures: 0, manifestFetchFailures: 0 };
    this.connected = false;
    this.lastSyncMs = null;
    this.rejectedEtag = null;
    this.applyPending = false;
    this.pendingCommands = [];
    this.processedCommands = new Set();
    this.results = [];
    this.downloading = new Set();
    this.downloadFailures = new Map(); // assetId -> {count, notBefore}
    this.nowPlaying = null; // {assetId, index}
    this.loopCount = 0;
    this.rotationRunning = false;
    this.jitter = Math.random();
    this.storageNote = null; // why downloads paused (budget or quota), for the overlay
  }

  // ---- boot (§28.4) ----------------------------------------------------------------------

  async start() {
    this.hardwareId = await this.store.get("hardwareId");
    if (!this.hardwareId) {
      this.hardwareId = `web-${crypto.randomUUID()}`;
      await this.store.set("hardwareId", this.hardwareId);
    }
    this.token = (await this.store.get("token")) ?? null;
    this.deviceId = (await this.store.get("deviceId")) ?? null;
    this.lastCommandId = (await this.store.get("lastCommandId")) ?? null;
    await this.emit("APP_STARTED", "INFO", { appVersion: APP_VERSION, deviceModel: navigator.userAgent.slice(0, 100) });
    navigator.storage?.persist?.().catch(() => {}); // §11: ask the browser not to evict us
    if (this.token) await this.loadLocal();
    else await this.enterPairing();
    this.timer = setInterval(() => this.turn(), TURN_MS);
  }

  async loadLocal() {
    this.state = "LOAD_LOCAL";
    this.screen.pairing = false;
    for (const slot of ["current", "previous", "staged"]) {
      const saved = await this.store.get(`manifest.${slot}`);
      try {
        this.manifests[slot] = saved ? validateManifest(saved) : null;
      } catch (error) {
        this.manifests[slot] = null;
        await this.emit("LOCAL_MANIFEST_CORRUPT", "ERROR", { fileName: slot, parseError: String(error.message) });
      }
    }
    await this.cache.load();
    this.playableCheck();
  }

  /** PLAYABLE_CHECK: play current, else previous, else the error slide (§28.4). */
  playableCheck() {
    this.state = "PLAYABLE_CHECK";
    if (this.onScreenManifest()) {
      this.state = "PLAYING";
      this.startRotation();
      return;
    }
    this.state = "ERROR_SCREEN";
    const connecting = this.manifests.current === null && this.lastSyncMs === null;
    if (connecting) this.screen.showStatus("CONNECTING", "Connecting…", "Getting this screen's schedule.", this.screenLine());
    else {
      this.emit("NO_PLAYABLE_CONTENT", "ERROR", { manifestEtag: this.manifests.current?.manifestEtag ?? null });
      this.screen.showStatus("ERROR", "Nothing to show yet", "This screen will start as soon as its content is ready.", this.screenLine());
    }
  }

  screenLine() {
    const screen = (this.manifests.current ?? this.manifests.previous)?.screen;
    if (!screen || typeof screen !== "object") return null;
    return [screen.deviceName, screen.venueName].filter((v) => typeof v === "string" && v.trim()).join(" · ") || null;
  }

  /** The manifest to play: current when anything of it is cached, else previous (§28.4). */
  onScreenManifest() {
    for (const slot of ["current", "previous"]) {
      const manifest = this.manifests[slot];
      if (manifest && this.cache.cachedIds(itemsOf(manifest)).size > 0) return manifest;
    }
    return null;
  }

  // ---- one turn ------------------------------------------------------------------------

  turn() {
    const now = Date.now();
    if (this.state === "UNREGISTERED") {
      this.job("pairing", now, () => this.pollPairing());
      return;
    }
    if (!this.token || this.state === "BOOT" || this.state === "LOAD_LOCAL") return;
    this.job("manifest", now, () => this.pollManifest());
    this.job("heartbeat", now, () => this.sendHeartbeat());
    this.job("events", now, () => this.sendEvents());
    this.job("commands", now, () => this.pollCommands());
    this.job("results", now, () => this.sendResults());
    this.job("downloads", now, () => this.scheduleDownloads());
    this.job("staged", now, () => this.evaluateStaged());
    if (this.state !== "PLAYING" || !this.nowPlaying) this.job("run-commands", now, () => this.runPendingCommands());
  }

  job(name, now, work) {
    if (this.running.has(name) || (this.due[name] ?? 0) > now) return;
    this.running.add(name);
    work()
      .catch((error) => this.jobFailed(name, error))
      .finally(() => this.running.delete(name));
  }

  dueIn(name, seconds) {
    this.due[name] = Date.now() + seconds * 1000;
  }

  async jobFailed(name, error) {
    if (error instanceof TokenRevoked) {
      await this.tokenRevoked();
      return;
    }
    console.warn(`${name} failed`, error);
    this.dueIn(name, 5);
  }

  contact(reachable) {
    if (reachable === this.connected) return;
    this.connected = reachable;
    if (this.token) this.emit(reachable ? "ONLINE_RESTORED" : "OFFLINE_ENTERED", reachable ? "INFO" : "WARNING", {});
  }

  cadence() {
    return (this.manifests.current ?? this.manifests.staged)?.nextCheckSeconds ?? 60;
  }

  // ---- pairing (§8, §27.7, §28.10) -----------------------------------------------------

  async enterPairing() {
    this.state = "UNREGISTERED";
    this.screen.pairing = true;
    this.nowPlaying = null;
    this.pairing = (await this.store.get("pairing")) ?? null;
    this.dueIn("pairing", 0);
    if (this.pairing) this.screen.showPairing(this.pairing.pairingCode, this.pairing.qrPayload);
    else this.screen.showStatus("CONNECTING", "Connecting…", "Getting a pairing code.", null);
  }

  async pollPairing() {
    try {
      if (!this.pairing || Date.parse(this.pairing.expiresAtUtc) <= this.api.serverNow()) {
        this.pairing = await this.api.startPairing(this.hardwareId, APP_VERSION);
        await this.store.set("pairing", this.pairing); // the secret survives a reload
        this.screen.showPairing(this.pairing.pairingCode, this.pairing.qrPayload);
        this.dueIn("pairing", this.pairing.pollSeconds);
        return;
      }
      const status = await this.api.pairingStatus(this.pairing);
      if (status.status === "COMPLETED" && status.deviceToken) {
        await this.paired(status);
        return;
      }
      if (status.status === "EXPIRED") this.pairing = null;
      this.screen.showPairing(this.pairing?.pairingCode ?? "", this.pairing?.qrPayload ?? "");
      this.dueIn("pairing", this.pairing?.pollSeconds ?? 0);
    } catch (error) {
      this.failures.pairing = (this.failures.pairing ?? 0) + 1;
      if (error.status === 404 || error.status === 410) this.pairing = null;
      this.dueIn("pairing", Math.max(error.retryAfter ?? 0, backoffSeconds(this.failures.pairing, this.jitter)));
    }
  }

  async paired(status) {
    await this.adoptToken(status.deviceToken);
    this.deviceId = status.deviceId ?? null;
    await this.store.set("deviceId", this.deviceId);
    await this.store.set("pairing", undefined);
    this.pairing = null;
    this.failures.pairing = 0;
    this.due = {};
    await this.loadLocal();
  }

  async adoptToken(token) {
    await this.store.set("token", token); // committed before any request sends it
    this.token = token;
  }

  /** A second 401: the device was removed, moved or its tenant disabled (§25.7, §28.10). */
  async tokenRevoked() {
    if (this.state === "UNREGISTERED") return;
    this.token = null;
    await this.store.set("token", undefined);
    await this.emit("DEVICE_TOKEN_INVALID", "ERROR", { httpStatus: 401 });
    this.screen.interrupt();
    this.screen.clearMedia();
    await this.enterPairing();
  }

  // ---- manifest (§28.5, §28.6) ---------------------------------------------------------

  async pollManifest() {
    const known = this.manifests.staged ?? this.manifests.current;
    let fetched;
    try {
      fetched = await this.api.fetchManifest(known?.manifestEtag);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.failures.manifest += 1;
      this.counters.manifestFetchFailures += 1;
      await this.emit("MANIFEST_FETCH_FAILED", "WARNING", { httpStatus: error.status, reason: error.reason });
      this.dueIn("manifest", this.nextPoll(error.retryAfter));
      return;
    }
    this.lastSyncMs = this.api.serverNow();
    if (fetched.status === 200) {
      try {
        await this.consider(validateManifest(fetched.body));
      } catch (error) {
        if (!(error instanceof ManifestInvalid)) throw error;
        await this.rejectInvalid(fetched.etag, error.message);
        return;
      }
    }
    this.failures.manifest = 0;
    this.dueIn("manifest", this.nextPoll(null));
    if (fetched.status === 200) this.alignHeartbeat();
    if (this.state === "ERROR_SCREEN" && !this.manifests.staged) this.playableCheck();
  }

  nextPoll(retryAfter) {
    const active = this.manifests.current ?? this.manifests.staged;
    return nextPollDelay({
      nowMs: this.api.serverNow(),
      nextCheckSeconds: this.cadence(),
      validToMs: active ? validToMs(active) : null,
      failures: this.failures.manifest,
      retryAfter,
      jitter: this.jitter,
    });
  }

  async rejectInvalid(headerEtag, detail) {
    const etag = headerEtag ? headerEtag.replace(/^W\//, "").replace(/"/g, "") : null;
    if (etag === null || etag !== this.rejectedEtag) {
      await this.emit("MANIFEST_REJECTED", "WARNING", { manifestEtag: etag, reason: "INVALID", detail });
    }
    this.rejectedEtag = etag;
    this.failures.manifest += 1;
    this.dueIn("manifest", this.nextPoll(null));
  }

  async consider(manifest) {
    const { staged, current } = this.manifests;
    if (staged?.manifestEtag === manifest.manifestEtag) return;
    if (current?.manifestEtag === manifest.manifestEtag) {
      if (staged) await this.rejectStaged("SUPERSEDED");
      return;
    }
    // A manifest staged again (after a REJECT) gets its files tried afresh: the fault that
    // made them fail (a corrupting network, a bad upload since replaced) may be gone.
    for (const item of itemsOf(manifest)) {
      this.cache.failures.delete(item.assetId);
      this.downloadFailures.delete(item.assetId);
    }
    await this.setSlot("staged", manifest);
    await this.emit("MANIFEST_STAGED", "INFO", { manifestEtag: manifest.manifestEtag });
  }

  async setSlot(slot, manifest) {
    this.manifests[slot] = manifest;
    await this.store.set(`manifest.${slot}`, manifest ?? undefined);
  }

  async evaluateStaged() {
    this.dueIn("staged", 0.5);
    const { staged, current } = this.manifests;
    if (!staged || this.state === "UNREGISTERED") return;
    const decision = decideApply({
      staged,
      current,
      cached: this.cache.cachedIds(itemsOf(staged)),
      failedPermanently: this.cache.failedPermanently(),
      nowMs: this.api.serverNow(),
      currentPlayable: current ? this.cache.cachedIds(itemsOf(current)).size > 0 : false,
      onScreen: this.nowPlaying !== null,
    });
    this.applyPending = decision === "APPLY_AT_BOUNDARY";
    if (decision === "APPLY_NOW") await this.applyStaged();
    else if (decision === "REJECT") await this.rejectStaged("ASSETS_UNAVAILABLE");
    else if (decision === "WAIT" && itemsOf(staged).length === 0 && !this.nowPlaying) await this.applyStaged();
  }

  async rejectStaged(reason) {
    await this.emit("MANIFEST_REJECTED", "WARNING", { manifestEtag: this.manifests.staged.manifestEtag, reason });
    await this.setSlot("staged", null);
  }

  async applyStaged() {
    const previousEtag = this.manifests.current?.manifestEtag ?? null;
    const applied = this.manifests.staged;
    if (this.manifests.current) await this.setSlot("previous", this.manifests.current);
    await this.setSlot("current", applied);
    await this.setSlot("staged", null);
    this.applyPending = false;
    await this.emit("MANIFEST_APPLIED", "INFO", { manifestEtag: applied.manifestEtag, previousEtag });
    if (this.state !== "PLAYING") this.playableCheck();
  }

  // ---- media (§11, §28.9) --------------------------------------------------------------

  budget() {
    const manifest = this.manifests.staged ?? this.manifests.current;
    return manifest?.settings?.cacheBudgetBytes ?? this.defaultBudget;
  }

  protectedIds() {
    const ids = new Set([...assetIdsOf(this.manifests.current), ...assetIdsOf(this.manifests.previous)]);
    if (this.nowPlaying) ids.add(this.nowPlaying.assetId);
    return ids;
  }

  wanted() {
    // The staged manifest's files first (it is what comes next), then the current's.
    const items = [...itemsOf(this.manifests.staged), ...itemsOf(this.manifests.current)];
    const now = Date.now();
    return items.filter((item, at) =>
      items.findIndex((other) => other.assetId === item.assetId) === at &&
      !this.cache.has(item.assetId, item.checksumSha256) &&
      !this.downloading.has(item.assetId) &&
      !this.cache.failedPermanently().has(item.assetId) &&
      (this.downloadFailures.get(item.assetId)?.notBefore ?? 0) <= now);
  }

  async scheduleDownloads() {
    this.dueIn("downloads", 0.5);
    for (const item of this.wanted()) {
      if (this.downloading.size >= MAX_DOWNLOADS) return;
      const protectedIds = new Set([...this.protectedIds(), ...assetIdsOf(this.manifests.staged)]);
      const plan = await this.cache.makeRoom(item.fileSizeBytes, protectedIds, this.budget());
      if (plan.evict.length) await this.emit("CACHE_EVICTION", "INFO", { evictedAssetIds: plan.evict, freedBytes: plan.freedBytes });
      if (!plan.fits) {
        this.storageNote = "downloads paused: the cache budget is full of protected files";
        return; // §11.2: pause; a later manifest or eviction makes room
      }
      this.storageNote = null;
      this.download(item);
    }
  }

  async download(item) {
    this.downloading.add(item.assetId);
    try {
      await this.cache.download(item);
      this.downloadFailures.delete(item.assetId);
      if (this.state === "ERROR_SCREEN") this.playableCheck();
    } catch (error) {
      await this.downloadFailed(item, error);
    } finally {
      this.downloading.delete(item.assetId);
    }
  }

  async downloadFailed(item, error) {
    const count = (this.downloadFailures.get(item.assetId)?.count ?? 0) + 1;
    let wait = Math.max(backoffSeconds(count, this.jitter), error.retryAfter ?? 0);
    if (error.name === "QuotaExceededError") {
      // The browser's quota is smaller than the budget: evict what is not protected, then report.
      await this.cache.clear(this.protectedIds());
      this.storageNote = "storage quota exceeded: evicted unprotected files";
      wait = Math.max(wait, 30);
    }
    this.downloadFailures.set(item.assetId, { count, notBefore: Date.now() + wait * 1000 });
    this.counters.downloadFailures += 1;
    const reason = error instanceof ChecksumMismatch ? "CHECKSUM_MISMATCH"
      : error.name === "QuotaExceededError" ? "QUOTA_EXCEEDED" : error.status ? `HTTP_${error.status}` : "NETWORK";
    await this.emit("DOWNLOAD_FAILED", "WARNING", { assetId: item.assetId, reason, httpStatus: error.status ?? null });
  }

  // ---- the rotation (§28.4, §33.8) -----------------------------------------------------

  startRotation() {
    if (this.rotationRunning) return;
    this.rotationRunning = true;
    this.rotate().finally(() => {
      this.rotationRunning = false;
    });
  }

  async rotate() {
    let index = -1;
    let failedThisPass = new Set();
    let playingEtag = null;
    while (this.state === "PLAYING") {
      const manifest = this.onScreenManifest();
      if (!manifest) {
        this.nowPlaying = null;
        this.playableCheck();
        return;
      }
      if (manifest.manifestEtag !== playingEtag) {
        playingEtag = manifest.manifestEtag;
        index = -1;
        failedThisPass = new Set();
      }
      const items = itemsOf(manifest);
      const cached = this.cache.cachedIds(items);
      const at = nextPlayable(items, cached, index, failedThisPass);
      if (at === null) {
        await this.allFailed(manifest);
        failedThisPass = new Set();
        continue;
      }
      if (at <= index) this.loopCount += 1;
      index = at;
      await this.playOne(items[at], at, items, cached, failedThisPass);
      if (await this.atBoundary()) index = -1;
    }
    this.nowPlaying = null;
  }

  async playOne(item, at, items, cached, failedThisPass) {
    const url = await this.cache.objectUrl(item.assetId);
    this.nowPlaying = { assetId: item.assetId, index: at };
    const next = nextPlayable(items, cached, at, failedThisPass);
    const playing = this.screen.play(item, url);
    playing.then(() => this.preload(items[next]), () => {});
    try {
      await playing;
    } catch (error) {
      if (this.state !== "PLAYING") return; // pairing took the screen: not a playback failure
      failedThisPass.add(item.assetId);
      this.counters.playbackFailures += 1;
      await this.emit("PLAYBACK_FAILED", "ERROR", { assetId: item.assetId, reason: String(error.message).slice(0, 200) });
    }
    this.cache.releaseUrls(new Set([item.assetId, items[next ?? at]?.assetId]));
  }

  async preload(item) {
    if (!item) return;
    try {
      await this.screen.prepare(item, await this.cache.objectUrl(item.assetId));
    } catch {
      // Reported when it is its turn to play.
    }
  }

  /** Every cached item failed in this pass: keep the last good frame, or the error slide. */
  async allFailed(manifest) {
    if (!this.screen.hasFrame()) {
      this.screen.showStatus("ERROR", "Nothing can be shown", "This screen's content could not be played.", this.screenLine());
    }
    await this.emit("NO_PLAYABLE_CONTENT", "ERROR", { manifestEtag: manifest.manifestEtag });
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }

  /** The safe point: apply a staged manifest waiting for it, run queued commands. True when
   * the rotation must start over from the first item. */
  async atBoundary() {
    if (this.applyPending && this.manifests.staged) {
      await this.applyStaged();
      return true;
    }
    return this.runPendingCommands();
  }

  // ---- commands (§18, §28.7) -----------------------------------------------------------

  async pollCommands() {
    try {
      const commands = await this.api.commands();
      this.failures.commands = 0;
      const queued = new Set(this.pendingCommands.map((c) => c.commandId));
      for (const command of commands) {
        if (this.processedCommands.has(command.commandId) || queued.has(command.commandId)) continue;
        if (command.commandId === this.lastCommandId) {
          this.processedCommands.add(command.commandId); // ran before a reload: never twice
          this.results.push({ commandId: command.commandId, ok: !!(await this.store.get("lastCommandOk")), error: "outcome lost in an app restart" });
        } else this.pendingCommands.push(command);
      }
      this.dueIn("commands", this.cadence());
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.failures.commands += 1;
      this.dueIn("commands", periodicRetryDelay(this.cadence(), this.failures.commands, error.status, error.retryAfter, this.jitter));
    }
  }

  async runPendingCommands() {
    let restart = false;
    while (this.pendingCommands.length) {
      const command = this.pendingCommands.shift();
      const outcome = await this.execute(command);
      restart ||= outcome.restartLoop === true;
      this.processedCommands.add(command.commandId);
      this.lastCommandId = command.commandId;
      await this.store.set("lastCommandId", command.commandId);
      await this.store.set("lastCommandOk", outcome.ok);
      const payload = { commandId: command.commandId, commandType: command.type };
      if (outcome.ok) await this.emit("COMMAND_EXECUTED", "INFO", payload);
      else await this.emit("COMMAND_FAILED", "ERROR", { ...payload, reason: outcome.error });
      this.results.push({ commandId: command.commandId, ...outcome });
      if (outcome.reload) {
        await this.flushResults();
        this.reload();
        return true;
      }
    }
    return restart;
  }

  async execute(command) {
    const params = command.parameters ?? {};
    switch (command.type) {
      case "REQUEST_MANIFEST_REFRESH":
        this.dueIn("manifest", 0);
        return { ok: true };
      case "RESTART_PLAYBACK_LOOP":
        return { ok: true, restartLoop: true };
      case "CLEAR_CACHE_UNUSED":
      case "CLEAR_CACHE_ALL": {
        // ALL empties the media cache too; what plays now is downloaded again (§28.7).
        const keep = command.type === "CLEAR_CACHE_UNUSED" ? this.protectedIds()
          : new Set(this.nowPlaying ? [this.nowPlaying.assetId] : []);
        const freedBytes = await this.cache.clear(keep);
        return { ok: true, result: { freedBytes } };
      }
      case "REBOOT_APP":
      case "RESTART_APP":
        return { ok: true, reload: true };
      case "SET_LOG_LEVEL": {
        const level = String(params.level ?? "").toUpperCase();
        if (!["DEBUG", "INFO", "WARNING", "ERROR"].includes(level)) return { ok: false, error: "level must be one of DEBUG, INFO, WARNING, ERROR" };
        this.logLevel = level;
        return { ok: true, result: { level } };
      }
      case "ENABLE_DIAGNOSTICS": {
        const minutes = params.durationMinutes;
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) return { ok: false, error: "durationMinutes must be an integer in 1..1440" };
        this.diagnosticsUntil = Date.now() + minutes * 60_000;
        return { ok: true, result: { durationMinutes: minutes } };
      }
      case "CAPTURE_SCREENSHOT":
        // A page cannot read its own pixels (cross-origin media taint a canvas): answered plainly.
        return { ok: false, error: "a web player cannot take screenshots; the python-vlc player can" };
      case "REBOOT_DEVICE":
        return { ok: false, error: "a web player cannot reboot the device: the browser has no such power; use REBOOT_APP" };
      default:
        return { ok: false, error: `unknown command type ${command.type}` };
    }
  }

  async sendResults() {
    this.dueIn("results", 0.5);
    while (this.results.length) {
      const result = this.results[0];
      try {
        await this.api.commandResult(result.commandId, result);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status && error.status >= 400 && error.status < 500 && error.status !== 429) {
          this.results.shift(); // refused for good (the command expired): do not block the rest
          continue;
        }
        this.dueIn("results", Math.max(error.retryAfter ?? 0, backoffSeconds(1, this.jitter)));
        return;
      }
      this.results.shift();
    }
  }

  async flushResults() {
    const deadline = Date.now() + 5000;
    while (this.results.length && Date.now() < deadline) {
      await this.sendResults().catch(() => {});
      if (this.results.length) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  // ---- telemetry (§27.8.2-27.8.3) ------------------------------------------------------

  async emit(eventType, severity, payload) {
    const event = { eventId: crypto.randomUUID(), eventType, severity, payload, deviceTimeMs: Date.now() };
    await this.store.put("events", event); // kept until the server answers 204
  }

  async sendEvents() {
    const now = Date.now();
    const queued = (await this.store.all("events")).sort((a, b) => a.deviceTimeMs - b.deviceTimeMs);
    for (const stale of queued.filter((e) => now - e.deviceTimeMs > EVENT_MAX_AGE_MS)) await this.store.remove("events", stale.eventId);
    const batch = queued.filter((e) => now - e.deviceTimeMs <= EVENT_MAX_AGE_MS).slice(0, MAX_BATCH);
    if (!batch.length) {
      this.dueIn("events", EVENTS_FLUSH_SECONDS);
      return;
    }
    const offset = this.api.serverNow() - Date.now();
    const wire = batch.map((e) => ({
      eventId: e.eventId, eventType: e.eventType, severity: e.severity, payload: e.payload,
      eventTimeUtc: wireTime(e.deviceTimeMs + offset),
    }));
    try {
      await this.api.events(wire);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status && error.status >= 400 && error.status < 500 && error.status !== 429) {
        for (const e of batch) await this.store.remove("events", e.eventId); // refused for good
        return;
      }
      this.failures.events += 1;
      this.dueIn("events", Math.max(error.retryAfter ?? 0, backoffSeconds(this.failures.events, this.jitter)));
      return;
    }
    for (const e of batch) await this.store.remove("events", e.eventId);
    this.failures.events = 0;
    this.dueIn("events", batch.length >= MAX_BATCH ? 0 : EVENTS_FLUSH_SECONDS);
  }

  heartbeatBody() {
    const playing = this.onScreenManifest();
    const connected = this.connected;
    return {
      deviceTime: wireTime(this.api.serverNow()),
      appVersion: APP_VERSION,
      state: heartbeatState(this.state),
      manifestEtag: (playing ?? this.manifests.current)?.manifestEtag ?? null,
      playback: {
        playlistId: playing?.playlist?.playlistId ?? null,
        publishedVersion: playing?.playlist?.publishedVersion ?? null,
        currentAssetId: this.nowPlaying?.assetId ?? null,
        currentItemIndex: this.nowPlaying?.index ?? null,
        loopCount: this.loopCount,
      },
      cache: {
        totalBytes: this.budget(),
        usedBytes: this.cache.usedBytes(),
        assetCount: this.cache.index.size,
        pendingDownloads: this.downloading.size + this.wanted().length,
      },
      network: {
        connected,
        type: connected ? (navigator.connection?.type === "wifi" ? "WIFI" : "ETHERNET") : "NONE",
        lastSyncAtUtc: this.lastSyncMs ? wireTime(this.lastSyncMs) : null,
      },
      errors: { ...this.counters },
    };
  }

  alignHeartbeat() {
    this.due.heartbeat = alignedHeartbeatDue(this.due.heartbeat ?? 0, Date.now(), this.cadence(), this.failures.heartbeat);
  }

  async sendHeartbeat() {
    const sent = { ...this.counters };
    try {
      await this.api.heartbeat(this.heartbeatBody());
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.failures.heartbeat += 1;
      this.dueIn("heartbeat", periodicRetryDelay(this.cadence(), this.failures.heartbeat, error.status, error.retryAfter, this.jitter));
      return;
    }
    for (const key of Object.keys(sent)) this.counters[key] -= sent[key]; // reported: forget them
    this.failures.heartbeat = 0;
    this.dueIn("heartbeat", this.cadence());
  }

  // ---- what tests, the conformance kit and the overlay read ------------------------------

  snapshot() {
    return {
      state: this.state,
      screen: this.screen.kind,
      pairingCode: this.state === "UNREGISTERED" ? this.pairing?.pairingCode ?? null : null,
      deviceId: this.deviceId,
      hardwareId: this.hardwareId,
      manifestEtag: this.manifests.current?.manifestEtag ?? null,
      stagedEtag: this.manifests.staged?.manifestEtag ?? null,
      playlistId: this.onScreenManifest()?.playlist?.playlistId ?? null,
      currentAssetId: this.nowPlaying?.assetId ?? null,
      currentItemIndex: this.nowPlaying?.index ?? null,
      loopCount: this.loopCount,
      lastSyncUtc: this.lastSyncMs ? wireTime(this.lastSyncMs) : null,
      connected: this.connected,
      cacheUsedBytes: this.cache.usedBytes(),
      cacheBudgetBytes: this.budget(),
      cachedAssetIds: [...this.cache.index.keys()],
      gapsMs: this.screen.gapsMs.slice(-50),
      storageNote: this.storageNote,
      clockOffsetMs: this.api.offsetMs,
    };
  }
}
