// The player's calls to the platform (docs/player-contract.md): bearer token, the server's
// clock from `Date`, Retry-After, token renewal and the "401 twice means revoked" rule.
import { parseRetryAfter } from "./policy.js";

const CLOCK_TRUST_MS = 60_000; // correct what we send only when the device is off by > 1 min

export class ApiError extends Error {
  constructor(status, reason, retryAfter = null) {
    super(`${status ?? "network"}: ${reason}`);
    this.status = status; // null: no answer at all (offline, dropped, timed out)
    this.reason = reason;
    this.retryAfter = retryAfter;
  }
}

export class TokenRevoked extends Error {}

export class Api {
  constructor(baseUrl, tokens, onContact) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.tokens = tokens; // { get(): token|null, renew(token): Promise }
    this.onContact = onContact; // (reachable: boolean) => void, for online/offline
    this.offsetMs = 0; // server clock minus device clock, from Date
  }

  /** Now on the server's clock (§30.9); the device's own when it is close enough. */
  serverNow() {
    return Date.now() + (Math.abs(this.offsetMs) > CLOCK_TRUST_MS ? this.offsetMs : 0);
  }

  async call(method, path, { body, headers = {}, auth = true, timeoutMs = 20_000 } = {}) {
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.send(method, path, body, headers, auth, timeoutMs);
      if (response.status !== 401 || !auth) return response;
      if (attempt === 1) throw new TokenRevoked("the device token was refused twice");
    }
  }

  async send(method, path, body, headers, auth, timeoutMs) {
    const all = { ...headers };
    if (body !== undefined) all["Content-Type"] = "application/json";
    if (auth) {
      const token = this.tokens.get();
      if (!token) throw new TokenRevoked("no device token");
      all.Authorization = `Bearer ${token}`;
    }
    let response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: all,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      this.onContact(false);
      throw new ApiError(null, error.name === "TimeoutError" ? "TIMEOUT" : "NETWORK");
    }
    this.onContact(true);
    const date = Date.parse(response.headers.get("Date") ?? "");
    if (!Number.isNaN(date)) this.offsetMs = date - Date.now();
    return response;
  }

  /** An ApiError for an answer that is not what was asked (status and Retry-After kept). */
  refused(response) {
    const retryAfter = parseRetryAfter(response.headers.get("Retry-After"), this.serverNow());
    return new ApiError(response.status, `HTTP ${response.status}`, retryAfter);
  }

  async json(method, path, options) {
    const response = await this.call(method, path, options);
    if (!response.ok) throw this.refused(response);
    return response.status === 204 ? null : response.json();
  }

  // ---- pairing (§27.7) -----------------------------------------------------------------

  startPairing(hardwareId, appVersion) {
    const body = { deviceHardwareId: hardwareId, model: navigator.userAgent.slice(0, 100), appVersion };
    return this.json("POST", "/v1/devices/pairing/start", { body, auth: false });
  }

  pairingStatus(pairing) {
    const query = new URLSearchParams({ pairingId: pairing.pairingId, pairingSecret: pairing.pairingSecret });
    return this.json("GET", `/v1/devices/pairing/status?${query}`, { auth: false });
  }

  // ---- manifest (§27.8.1) --------------------------------------------------------------

  /** {status: 200|304, body, etag}; a renewed token is stored before this returns. */
  async fetchManifest(etag) {
    const headers = etag ? { "If-None-Match": `"${etag.replace(/^"|"$/g, "")}"` } : {};
    const response = await this.call("GET", "/v1/player/manifest", { headers });
    const renewed = response.headers.get("X-Device-Token-Renewal");
    if (renewed && (response.status === 200 || response.status === 304)) await this.tokens.renew(renewed);
    if (response.status === 304) return { status: 304 };
    if (!response.ok) throw this.refused(response);
    const headerEtag = response.headers.get("ETag");
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined; // not JSON: rejected by validation, not a failed fetch (§28.5)
    }
    return { status: 200, body, etag: headerEtag };
  }

  // ---- telemetry and commands (§27.8.2-27.8.3, §28.7) ------------------------------------

  heartbeat(body) {
    return this.json("POST", "/v1/player/heartbeat", { body });
  }

  events(batch) {
    return this.json("POST", "/v1/player/events", { body: { events: batch } });
  }

  async commands() {
    const answer = await this.json("GET", "/v1/player/commands");
    return Array.isArray(answer) ? answer : answer?.items ?? [];
  }

  commandResult(commandId, outcome) {
    const body = { status: outcome.ok ? "SUCCEEDED" : "FAILED", result: outcome.result ?? {}, error: outcome.error ?? null };
    return this.json("POST", `/v1/player/commands/${encodeURIComponent(commandId)}/result`, { body });
  }
}
