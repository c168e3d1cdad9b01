"""HTTP client for the pairing and player endpoints (§27.7, §27.8), over httpx only.

Errors come back as typed exceptions the controller turns into backoff (§28.6) or re-pairing
(§25.10: a 401 is retried once, then the token is considered invalid).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from player.wire import (
    Command,
    Manifest,
    PairingStart,
    PairingStatus,
    PlayerEvent,
    ScreenshotUpload,
    WireFormatError,
    format_utc,
)

if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
# §25.7 rotating tokens (docs/player-contract.md): a manifest answer may carry the device's
# renewed token; the old one works until the new one is first used.
TOKEN_RENEWAL_HEADER = "X-Device-Token-Renewal"  # noqa: S105 (a header's name)


class ApiError(Exception):
    """A request failed; `status` is None when the network itself failed."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after

    @property
    def is_offline(self) -> bool:
        """True when the backend could not be reached at all (§10)."""
        return self.status is None


class TokenRejectedError(ApiError):
    """The device token was refused twice in a row (§25.10, §28.10)."""


class ManifestInvalidError(ApiError):
    """The manifest arrived but fails the wire contract: rejected, not a failed fetch (§28.5).
    `manifest_etag` is its ETag when the answer names one."""

    def __init__(self, reason: str, status: int, manifest_etag: str | None):
        super().__init__(reason, status=status)
        self.manifest_etag = manifest_etag


@dataclass(frozen=True)
class ManifestFetch:
    """A 200 carries a manifest; a 304 carries None (§27.8.1). Either may carry a renewed
    device token (`renewed_token`) the player must keep and send from then on."""

    manifest: Manifest | None
    etag: str | None
    renewed_token: str | None = None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Parse Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


class PlayerApi:
    """One device's view of the API; the token is read through a callable so it can change."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str | None],
        now: Callable[[], datetime],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx  # lazily: ~0.2 s of imports that must not delay the first frame (§28.1)

        self._httpx = httpx
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            transport=transport,
        )
        self._token = token
        self._now = now
        # Server time minus device time, from the last API response's Date header.
        self.server_offset: timedelta | None = None

    def close(self) -> None:
        self._client.close()

    # ---- pairing (§8, §27.7) -------------------------------------------------------------

    def start_pairing(self, hardware_id: str, model: str, app_version: str) -> PairingStart:
        """Ask for a pairing code to show on screen."""
        body = {"deviceHardwareId": hardware_id, "model": model, "appVersion": app_version}
        response = self._send("POST", "/v1/devices/pairing/start", json=body)
        return PairingStart.from_json(_json_body(response))

    def pairing_status(self, pairing_id: str, pairing_secret: str) -> PairingStatus:
        """Poll whether a manager has claimed this screen."""
        params = {"pairingId": pairing_id, "pairingSecret": pairing_secret}
        response = self._send("GET", "/v1/devices/pairing/status", params=params)
        return PairingStatus.from_json(_json_body(response))

    # ---- player endpoints (§27.8) --------------------------------------------------------

    def fetch_manifest(self, etag: str | None) -> ManifestFetch:
        """Conditional GET: a matching ETag yields a 304 and no body."""
        headers = {"If-None-Match": f'"{etag}"'} if etag else {}
        response = self._authed("GET", "/v1/player/manifest", headers=headers)
        renewed = response.headers.get(TOKEN_RENEWAL_HEADER) or None
        if response.status_code == 304:
            return ManifestFetch(None, etag, renewed)
        try:
            manifest = Manifest.from_json(_json_body(response))
        except (ApiError, WireFormatError) as exc:
            etag = response.headers.get("ETag", "").removeprefix("W/").strip('"') or None
            raise ManifestInvalidError(str(exc), response.status_code, etag) from exc
        return ManifestFetch(manifest, manifest.manifest_etag, renewed)

    def send_heartbeat(self, body: dict[str, Any]) -> None:
        self._authed("POST", "/v1/player/heartbeat", json=body)

    def send_events(self, events: list[PlayerEvent], device_time: datetime) -> None:
        body = {"deviceTime": format_utc(device_time), "events": [e.to_json() for e in events]}
        self._authed("POST", "/v1/player/events", json=body)

    def fetch_commands(self) -> list[Command]:
        response = self._authed("GET", "/v1/player/commands")
        items = _json_body(response).get("items", [])
        return [Command.from_json(item) for item in items]

    def report_command_result(
        self, command_id: str, succeeded: bool, result: dict[str, Any], error: str | None
    ) -> None:
        body = {"status": "SUCCEEDED" if succeeded else "FAILED", "result": result, "error": error}
        self._authed("POST", f"/v1/player/commands/{command_id}/result", json=body)

    def upload_screenshot(self, command_id: str, jpeg: bytes) -> None:
        """A signed URL for exactly this JPEG, then the PUT to storage (issue 19 item 3); the
        URL is the capability there, so the device token is not sent to storage."""
        asked = self._authed(
            "POST",
            f"/v1/player/commands/{command_id}/screenshot-upload",
            json={"sizeBytes": len(jpeg)},
        )
        upload = ScreenshotUpload.from_json(_json_body(asked))
        self._send(
            upload.upload_method, upload.upload_url, content=jpeg, headers=upload.upload_headers
        )

    # ---- plumbing ------------------------------------------------------------------------

    def _note_server_date(self, header: str | None) -> None:
        server_time = _server_date(header)
        if server_time is not None and server_time.tzinfo is not None:
            self.server_offset = server_time - self._now()

    def _authed(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        # §25.10: retry a 401 once (the token may have just been issued), then give up on it.
        try:
            return self._send_with_token(method, path, headers or {}, **kwargs)
        except ApiError as exc:
            if exc.status != 401:
                raise
        try:
            return self._send_with_token(method, path, headers or {}, **kwargs)
        except ApiError as exc:
            if exc.status == 401:
                raise TokenRejectedError("device token rejected", status=401) from exc
            raise

    def _send_with_token(
        self, method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> httpx.Response:
        token = self._token()
        if token is None:
            raise TokenRejectedError("device is not paired", status=401)
        headers = {**headers, "Authorization": f"Bearer {token}"}
        return self._send(method, path, headers=headers, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except self._httpx.HTTPError as exc:
            raise ApiError(type(exc).__name__) from exc
        self._note_server_date(response.headers.get("Date"))
        if response.status_code >= 400:
            raise ApiError(
                _problem_title(response),
                status=response.status_code,
                retry_after=retry_after_seconds(response.headers.get("Retry-After"), self._now()),
            )
        return response


def _server_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except json.JSONDecodeError as exc:
        raise ApiError("response is not JSON", status=response.status_code) from exc
    if not isinstance(body, dict):
        raise ApiError("response is not a JSON object", status=response.status_code)
    return body


def _problem_title(response: httpx.Response) -> str:
    # §27.2 problem+json: keep only the title; the body may echo request data.
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    title = body.get("title") if isinstance(body, dict) else None
    return str(title) if title else f"HTTP {response.status_code}"
