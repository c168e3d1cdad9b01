"""`GET /v1/player/manifest`, `GET /v1/player/commands` and `POST /v1/player/heartbeat` answered
from memory (issue 18 item 2): no dependency resolution, no thread-pool hop, no database.
py-spy under bench/manifest showed a 304 spending its time in FastAPI's dependency solving, the
pool hop of the sync route, the JWT signature check and a venue-epoch read; under bench/fleet,
a command poll's query; each poll of a fleet asks the same question again.

`PlayerFromMemory` is the innermost middleware, in front of FastAPI's router. It answers only
when everything the FastAPI route would check is in this process's memory and conclusive:
a token whose signature it verified before (expiry checked every time), the
device's credential check cached under the current revocation epoch (a revocation bumps it, so
a revoked device is refused at its next request, by the FastAPI route), no renewal due (nor a
move to another venue, whose renewal the route hands over), the
venue's snapshot confirmed within EPOCH_RECHECK (a publish is seen at the next poll: once the
snapshot is older than that, one background read confirms the epoch while the polls in the
meantime, milliseconds of them, are answered from it up to SERVED_WHILE_CONFIRMING), the
tenant's limit overrides cached and an in-process rate limiter. Anything else (Redis
configured, a cold cache, a refusal, a renewal, a failure) goes on to the FastAPI route,
which stays the OpenAPI operation and the reference behaviour. It sits inside every other
middleware, so the request id, X-RateLimit-* and security headers and the access log are the
same, and its 429 is the app's own problem+json handler's answer.

A command poll takes the same device checks and is answered "none" when this process knows
no command waits for the screen (signage.devices.waiting_commands, read again at most every
second in the background, marked at once when this process issues one); a screen that may
have commands, or a request for a later page, goes to the route, which marks them DELIVERED.

A heartbeat takes the same device checks, then goes to the group commit (api.heartbeat_batcher)
as the route's would; a body the route would refuse (not JSON, invalid, dated ahead) is handed
to the route with its bytes replayed, so every refusal stays the route's own 422.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import partial

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.context import AppContext
from api.ratelimit import counts_in_memory, enforce
from api.routes import player
from api.routes.player import matches_etag, understood_heartbeat
from api.schemas.player import HeartbeatIn
from signage.auth.principal import DevicePrincipal
from signage.auth.tokens import DeviceClaims, SigningKey, decode_device_token, token_digest
from signage.devices.tokens import renewal_due
from signage.errors import AuthenticationError, RateLimitedError
from signage.manifest.cache import LocalManifestStore
from signage.manifest.document import Manifest
from signage.manifest.service import EPOCH_RECHECK, ManifestService
from signage.ratelimit import LimitCategory
from signage.telemetry.ingest import Heartbeat, ReceivedHeartbeat, too_far_ahead

log = logging.getLogger(__name__)

MANIFEST_PATH = "/v1/player/manifest"
HEARTBEAT_PATH = "/v1/player/heartbeat"
COMMANDS_PATH = "/v1/player/commands"
# The route's answer when nothing waits (PlayerCommandsOut, camelCase, no next page).
NO_COMMANDS = b'{"items":[],"nextCursor":null}'
# How old a venue's snapshot may be while its epoch is being confirmed in the background;
# past it (the database slow or down) polls go to the FastAPI route, which reads it itself.
SERVED_WHILE_CONFIRMING = 2 * EPOCH_RECHECK
_MAX_VERIFIED = 100_000
_MAX_DOCUMENTS = 10_000  # a venue's screens mostly share one document


def _route(path: str) -> APIRoute:
    return next(
        route
        for route in player.router.routes
        if isinstance(route, APIRoute) and route.path == path
    )


def _sends_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def _understood_heartbeat(body: bytes, now: datetime) -> Heartbeat | None:
    """The heartbeat as the route would store it; None when the route would refuse the body."""
    try:
        parsed = HeartbeatIn.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # not JSON, or not a heartbeat: the route's 422
        return None
    if too_far_ahead(parsed.device_time, now):
        return None
    return understood_heartbeat(parsed)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read given back first, for the FastAPI route."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class VerifiedTokens:
    """Device tokens whose signature and claims were verified once: the same string verifies
    the same way under the same key, so only the expiry is checked again, per request. Each
    is kept with its digest, the key of the device-credential cache."""

    def __init__(self, key: SigningKey) -> None:
        self._key = key
        self._verified: OrderedDict[str, tuple[DeviceClaims, str]] = OrderedDict()

    def claims(self, token: str, now: datetime) -> tuple[DeviceClaims, str]:
        """The token's claims and digest; AuthenticationError when invalid or expired."""
        known = self._verified.get(token)
        if known is None:
            known = (decode_device_token(self._key, token, now), token_digest(token))
            self._verified[token] = known
            if len(self._verified) > _MAX_VERIFIED:
                self._verified.popitem(last=False)
        elif known[0].expires_at <= now:
            raise AuthenticationError("The token has expired.")
        return known


class EncodedDocuments:
    """Each ETag's document as JSON bytes without its closing brace, so a 200 adds only the
    device's own nextCheckSeconds: encoding the document (its signed URLs) was a fifth of a
    200's time under bench/manifest's py-spy. A document stays right for as long as its ETag
    is answered: the ETag covers validToUtc and the URLs are signed past it."""

    def __init__(self) -> None:
        self._encoded: OrderedDict[str, bytes] = OrderedDict()

    def encoded(self, manifest: Manifest, now: datetime, service: ManifestService) -> bytes:
        known = self._encoded.get(manifest.etag)
        if known is None:
            document = service.document(manifest, now)
            known = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()[:-1]
            self._encoded[manifest.etag] = known
            if len(self._encoded) > _MAX_DOCUMENTS:
                self._encoded.popitem(last=False)
        return known


class PlayerFromMemory:
    """ASGI middleware; `api` is the FastAPI app whose context and error handlers it uses."""

    def __init__(self, app: ASGIApp, *, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._ready = False

    def _prepare(self) -> None:
        """At the first request: the context exists by then (set after the middleware)."""
        context: AppContext = self.api.state.context
        self.context = context
        self.tokens = VerifiedTokens(context.tokens.key)
        self.documents = EncodedDocuments()
        # Only where every check is in this process (no Redis): else always the FastAPI route.
        self.enabled = context.device_tokens.in_process and isinstance(
            context.manifests.store, LocalManifestStore
        )
        self._reading: dict[object, asyncio.Task[None]] = {}
        self.manifest_route = _route(MANIFEST_PATH)
        self.heartbeat_route = _route(HEARTBEAT_PATH)
        self.commands_route = _route(COMMANDS_PATH)
        self._ready = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if not self._ready:
                self._prepare()
            if scope["path"] == MANIFEST_PATH and scope["method"] == "GET":
                await self._from_memory(scope, receive, send, self._answer, self.manifest_route)
                return
            if scope["path"] == COMMANDS_PATH and scope["method"] == "GET":
                await self._from_memory(
                    scope, receive, send, self._none_waiting, self.commands_route
                )
                return
            if scope["path"] == HEARTBEAT_PATH and scope["method"] == "POST":
                await self._heartbeat(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _from_memory(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        answering: Callable[[Request], Response | None],
        route: APIRoute,
    ) -> None:
        """`answering`'s response, or the FastAPI route's when it has none (None)."""
        request = Request(scope)
        try:
            answer = answering(request) if self.enabled else None
        except RateLimitedError as refused:
            answer = await self._problem(request, refused)
        if answer is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route  # as the router would set it (metrics)
        await answer(scope, receive, send)

    async def _heartbeat(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A heartbeat of a device whose checks are cached, to the group commit without the
        FastAPI route's dependency solving and its thread hops. A body the route would refuse
        (not JSON, invalid, dated ahead) goes on to the route, replayed, to answer it."""
        request = Request(scope, receive)
        now = self.context.clock()
        device = self._device(request, now) if self.context.device_tokens.in_process else None
        if (
            device is None
            or not _sends_json(request)
            or not counts_in_memory(request, self.context, device.tenant_id)
        ):
            await self.app(scope, receive, send)
            return
        body = await request.body()
        beat = _understood_heartbeat(body, now)
        if beat is None:
            await self.app(scope, _replaying(body, receive), send)
            return
        try:
            category, subject = LimitCategory.HEARTBEAT_PER_DEVICE, str(device.device_id)
            enforce(request, self.context, category, subject, tenant_id=device.tenant_id)
            await self.context.heartbeats.record(ReceivedHeartbeat(device, beat, now))
            answer = Response(status_code=204)
        except Exception as failure:  # answered by the app's own handlers, as on the route
            answer = await self._problem(request, failure)
        scope["route"] = self.heartbeat_route
        await answer(scope, receive, send)

    async def _problem(self, request: Request, error: Exception) -> Response:
        """The app's own handler's answer, as if the FastAPI route had raised it."""
        for kind in type(error).__mro__:
            handler = self.api.exception_handlers.get(kind)
            if handler is not None:
                answer = handler(request, error)
                return await answer if inspect.isawaitable(answer) else answer
        raise error

    def _answer(self, request: Request) -> Response | None:
        now = self.context.clock()
        device = self._device(request, now)
        if device is None or not counts_in_memory(request, self.context, device.tenant_id):
            return None
        service = self.context.manifests
        if service.needs_epoch_check(device.venue_id, now):
            self._read_soon(device.venue_id, partial(self._read_epoch, device.venue_id))
        try:
            current = service.resolve_cached(
                device.venue_id, device.device_id, now, within=SERVED_WHILE_CONFIRMING
            )
        except AuthenticationError:
            return None  # removed or moved: the FastAPI route refuses it
        if current is None:
            return None
        # Counted only now, once everything else is known to be answerable from memory: a
        # request handed to the FastAPI route is counted there instead, never twice.
        enforce(
            request,
            self.context,
            LimitCategory.MANIFEST_PER_DEVICE,
            str(device.device_id),
            tenant_id=device.tenant_id,
        )
        headers = {"ETag": f'"{current.etag}"', "Cache-Control": "no-cache"}
        if matches_etag(request.headers.get("if-none-match"), current.etag):
            return Response(status_code=304, headers=headers)
        check = service.next_check(current, device.device_id, now)
        service.remember(device.device_id, current)
        return Response(
            self.documents.encoded(current, now, service) + b',"nextCheckSeconds":%d}' % check,
            headers=headers,
            media_type="application/json",
        )

    def _none_waiting(self, request: Request) -> Response | None:
        """An empty command poll (no commands for the screen, the common case) without the
        query the route makes; a page cursor, or a screen that may have commands, goes on."""
        if request.url.query:
            return None
        now = self.context.clock()
        device = self._device(request, now)
        if device is None or not counts_in_memory(request, self.context, device.tenant_id):
            return None
        waiting = self.context.waiting_commands
        if waiting.needs_read(now):
            self._read_soon(COMMANDS_PATH, self._read_waiting_commands)
        if not waiting.none_for(device.device_id, now, within=SERVED_WHILE_CONFIRMING):
            return None
        category = LimitCategory.COMMANDS_PER_DEVICE
        enforce(request, self.context, category, str(device.device_id), tenant_id=device.tenant_id)
        return Response(NO_COMMANDS, media_type="application/json")

    def _read_soon(self, key: object, read: Callable[[], None]) -> None:
        """One background read per key at a time, in the thread pool, off the request's path."""
        if key not in self._reading:
            task = asyncio.get_running_loop().create_task(self._read(key, read))
            self._reading[key] = task

    async def _read(self, key: object, read: Callable[[], None]) -> None:
        try:
            await run_in_threadpool(read)
        except Exception as failure:  # past SERVED_WHILE_CONFIRMING polls go to the route
            log.warning("background read %s failed: %s", key, type(failure).__name__)
        finally:
            del self._reading[key]

    def _read_waiting_commands(self) -> None:
        with self.context.database.sessions() as session:
            self.context.waiting_commands.read(session, self.context.clock())

    def _read_epoch(self, venue_id: uuid.UUID) -> None:
        with self.context.database.sessions() as session:
            self.context.manifests.snapshot(session, venue_id, self.context.clock())

    def _device(self, request: Request, now: datetime) -> DevicePrincipal | None:
        """The device, when its token is good, needs no renewal and its check is cached."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims, digest = self.tokens.claims(token, now)
        except AuthenticationError:
            return None
        if renewal_due(claims.expires_at, now, self.context.tokens.device_renewal_window):
            return None
        cached = self.context.device_tokens.get(digest)
        if cached is None or cached.device_id != claims.device_id:
            return None
        if cached.venue_id != claims.venue_id:
            return None  # moved to another venue: the route hands over a renewed token
        return cached
