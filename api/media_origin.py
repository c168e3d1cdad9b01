"""The local media origin: what S3 plus a CDN are when media lives on local disk (§32.3, §34.8).

Mounted by the API at `/media`. It accepts signed PUT uploads and serves signed GETs with
expiry, a single HTTP Range (so players resume downloads, §33.3.4), ETag and If-None-Match.
It is deliberately not part of the `/v1` API: no bearer tokens, only URL signatures made by
`LocalStorage`, and it holds no state beyond the files. With S3 configured nothing routes here.

Errors are §27.2 problem+json with these codes: SIGNATURE_INVALID and URL_EXPIRED (403),
NOT_FOUND (404), LENGTH_REQUIRED (411), EMPTY_UPLOAD and UPLOAD_SIZE_MISMATCH (400),
UPLOAD_ALREADY_RECEIVED (409, an upload URL is single-use), PAYLOAD_TOO_LARGE (413),
RANGE_NOT_SATISFIABLE (416), STORAGE_UNAVAILABLE (503 with Retry-After: the media directory
could not be read or written).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from api.problems import CODE_BY_STATUS, problem_response
from signage.media.checksum import CHUNK_BYTES
from signage.storage.base import ObjectInfo, ObjectNotFoundError, utc_now
from signage.storage.keys import InvalidKeyError
from signage.storage.local import LocalStorage
from signage.storage.signing import SignedRequest

log = logging.getLogger(__name__)

_SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
STORAGE_RETRY_AFTER_SECONDS = 30
# A browser player (issue 20, `webplayer/`) served from another origin than the media downloads
# them with fetch(), so GETs are readable cross-origin: the signed URL is the capability (no
# cookies, no credentials), so any origin may read what it holds a signature for. Range and
# If-None-Match need a preflight; Content-Range and ETag must be readable for resuming.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, Accept-Ranges",
}
CORS_PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD",
    "Access-Control-Allow-Headers": "Range, If-None-Match, If-Range",
    "Access-Control-Max-Age": "86400",
}


class RefusedError(Exception):
    """A request the origin turns down; becomes one problem+json response."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class ByteRange:
    first: int
    last: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def create_media_origin(
    storage: LocalStorage, *, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    """The ASGI app to mount at `/media` in front of `storage`."""
    origin = _MediaOrigin(storage, clock)
    return Starlette(
        routes=[
            Route("/{key:path}", origin.download, methods=["GET", "HEAD"]),
            Route("/{key:path}", origin.upload, methods=["PUT"]),
            Route("/{key:path}", _preflight, methods=["OPTIONS"]),
        ],
        exception_handlers={
            RefusedError: _refused_response,
            HTTPException: _http_error,
            Exception: _unexpected_error,  # a bug still answers problem+json, never plain text
        },
    )


class _MediaOrigin:
    def __init__(self, storage: LocalStorage, clock: Callable[[], datetime]) -> None:
        self.storage = storage
        self.clock = clock

    # -- GET / HEAD -------------------------------------------------------------------------

    async def download(self, request: Request) -> Response:
        key = self._key(request)
        expires = self._authorise(request, SignedRequest("GET", key, _expires(request)))
        try:
            stream, info = await anyio.to_thread.run_sync(self.storage.open_object, key)
        except ObjectNotFoundError as exc:
            raise RefusedError(404, "NOT_FOUND", "No media at this address.") from exc
        except OSError as exc:
            raise _storage_unavailable("read", key, exc) from exc
        try:
            return self._respond(request, stream, info, expires)
        except BaseException:
            stream.close()
            raise

    def _respond(
        self, request: Request, stream: BinaryIO, info: ObjectInfo, expires: int
    ) -> Response:
        max_age = max(0, expires - int(self.clock().timestamp()))
        headers = {
            **CORS_HEADERS,
            "ETag": info.etag,
            "Accept-Ranges": "bytes",
            "Cache-Control": f"private, max-age={max_age}",  # the URL is a capability
            "Content-Type": info.content_type or "application/octet-stream",
        }
        if _etag_listed(request.headers.get("if-none-match"), info.etag):
            stream.close()
            return Response(status_code=304, headers=headers)
        byte_range = _requested_range(request, info)
        status = 200
        if byte_range is None:
            byte_range = ByteRange(0, info.size - 1)
        else:
            status = 206
            headers["Content-Range"] = f"bytes {byte_range.first}-{byte_range.last}/{info.size}"
        headers["Content-Length"] = str(byte_range.length)
        if request.method == "HEAD":
            stream.close()
            return Response(status_code=status, headers=headers)
        return StreamingResponse(_read_range(stream, byte_range), status, headers)

    # -- PUT --------------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        """Store the signed PUT's body as a new object. An upload URL is single-use: once an
        object is stored under its key, later PUTs get 409 and change nothing (issue 13
        item 3). A failed or abandoned PUT leaves nothing stored, so it never counts as
        received and can simply be sent again."""
        key = self._key(request)
        size = _signed_size(request)
        content_type = request.headers.get("content-type", "")
        signed = SignedRequest("PUT", key, _expires(request), content_type, size)
        self._authorise(request, signed)
        _check_content_length(request.headers.get("content-length"), size)
        if await anyio.to_thread.run_sync(self._stored, key):  # refuse before reading a byte
            raise _already_received()
        try:
            await self._store(request, key, size)
        except ClientDisconnect:
            # The client's problem, not ours: one line, no traceback (issue 13 item 10).
            log.warning("media upload abandoned: the client disconnected", extra={"key": key})
            return Response(status_code=400)  # nobody is listening any more
        info = await anyio.to_thread.run_sync(self.storage.head, key)
        return Response(status_code=200, headers={"ETag": info.etag} if info else {})

    async def _store(self, request: Request, key: str, size: int) -> None:
        try:
            pending = await anyio.to_thread.run_sync(
                functools.partial(self.storage.begin_write, key, replace=False)
            )
        except OSError as exc:
            raise _storage_unavailable("write", key, exc) from exc
        try:
            await _receive_exactly(request, pending.write, size)
            await anyio.to_thread.run_sync(pending.commit)
        except FileExistsError as exc:  # a concurrent PUT of the same URL won
            raise _already_received() from exc
        except OSError as exc:
            raise _storage_unavailable("write", key, exc) from exc
        finally:
            await anyio.to_thread.run_sync(pending.discard)

    def _stored(self, key: str) -> bool:
        try:
            return self.storage.exists(key)
        except OSError as exc:
            raise _storage_unavailable("read", key, exc) from exc

    # -- shared -----------------------------------------------------------------------------

    def _key(self, request: Request) -> str:
        key: str = request.path_params["key"]
        try:
            self.storage.path_for(key)  # the key grammar, and no symlink out of the root
        except InvalidKeyError as exc:
            # Not 400: an address outside the key grammar simply names nothing here.
            raise RefusedError(404, "NOT_FOUND", "No media at this address.") from exc
        return key

    def _authorise(self, request: Request, signed: SignedRequest) -> int:
        """Check signature then expiry (in that order: an expired forgery is still a forgery)."""
        if not self.storage.signature_matches(signed, request.query_params.get("sig", "")):
            raise RefusedError(
                403, "SIGNATURE_INVALID", "This media address is not valid for this request."
            )
        if signed.expires <= int(self.clock().timestamp()):
            raise RefusedError(403, "URL_EXPIRED", "This media address has expired.")
        return signed.expires


async def _preflight(request: Request) -> Response:
    """CORS preflight for a cross-origin GET with Range (signature checked on the GET itself)."""
    return Response(status_code=204, headers=CORS_PREFLIGHT_HEADERS)


def _already_received() -> RefusedError:
    return RefusedError(
        409,
        "UPLOAD_ALREADY_RECEIVED",
        "A file has already been received at this upload address; it cannot be replaced. "
        "Start a new upload to send another file.",
    )


def _storage_unavailable(action: str, key: str, exc: OSError) -> RefusedError:
    """A storage fault (disk full, unwritable or missing media directory) as a 503 problem;
    the operator's detail goes to the log, not to the client."""
    log.error(
        "media storage could not %s an object: %s",
        action,
        exc.strerror or type(exc).__name__,
        extra={"key": key, "errno": exc.errno},
    )
    return RefusedError(
        503,
        "STORAGE_UNAVAILABLE",
        f"The media storage could not {action} this file right now; try again later.",
        headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)},
    )


def _expires(request: Request) -> int:
    value = request.query_params.get("expires", "")
    return int(value) if value.isdigit() else 0  # 0 never verifies: it was never signed


def _signed_size(request: Request) -> int:
    value = request.query_params.get("size", "")
    return int(value) if value.isdigit() else 0


def _check_content_length(header: str | None, signed_size: int) -> None:
    if header is None or not header.isdigit():
        raise RefusedError(411, "LENGTH_REQUIRED", "Send the file with a Content-Length.")
    length = int(header)
    if length == 0:
        raise RefusedError(400, "EMPTY_UPLOAD", "The upload is empty.")
    if length > signed_size:
        raise RefusedError(
            413, "PAYLOAD_TOO_LARGE", f"This upload accepts exactly {signed_size} bytes."
        )
    if length < signed_size:
        raise RefusedError(
            400,
            "UPLOAD_SIZE_MISMATCH",
            f"Content-Length is {length} bytes; this upload accepts exactly {signed_size}.",
        )


async def _receive_exactly(request: Request, write: Callable[[bytes], None], size: int) -> None:
    """Stream the body to `write`; a body longer or shorter than signed is refused."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > size:
            raise RefusedError(
                413, "PAYLOAD_TOO_LARGE", f"This upload accepts exactly {size} bytes."
            )
        if chunk:
            await anyio.to_thread.run_sync(write, chunk)
    if received != size:
        raise RefusedError(
            400, "UPLOAD_SIZE_MISMATCH", f"Received {received} of {size} bytes; upload again."
        )


def _etag_listed(header: str | None, etag: str) -> bool:
    """If-None-Match with weak comparison (RFC 9110 §13.1.2)."""
    if header is None:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag.removeprefix("W/") in candidates


def _requested_range(request: Request, info: ObjectInfo) -> ByteRange | None:
    """The single range to serve, or None for the whole object.

    Multiple ranges, other units and malformed headers are ignored (whole object, as RFC 9110
    §14.2 allows); a stale If-Range means the client's partial copy is of another file.
    """
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if header is None or (if_range is not None and if_range.strip() != info.etag):
        return None
    match = _SINGLE_RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    return _resolve_range(match.group(1), match.group(2), info.size)


def _resolve_range(first_text: str, last_text: str, size: int) -> ByteRange | None:
    if first_text == "":  # suffix: the last N bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(size)
        return ByteRange(max(0, size - suffix), size - 1)
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # syntactically invalid, so ignored
    if first >= size:
        raise _unsatisfiable(size)
    return ByteRange(first, min(int(last_text or size - 1), size - 1))


def _unsatisfiable(size: int) -> RefusedError:
    return RefusedError(
        416,
        "RANGE_NOT_SATISFIABLE",
        f"The requested range is outside the file ({size} bytes).",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _read_range(stream: BinaryIO, byte_range: ByteRange) -> Iterator[bytes]:
    """The range's bytes in bounded chunks; closes the file however iteration ends."""
    with stream:
        stream.seek(byte_range.first)
        remaining = byte_range.length
        while remaining > 0:
            chunk = stream.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


async def _refused_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RefusedError)
    # Readable cross-origin too, so a browser player sees a 404 or 503 rather than a network error.
    headers = {**CORS_HEADERS, **exc.headers}
    return problem_response(request, exc.status, exc.code, exc.detail, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, "ERROR")
    return problem_response(request, exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    return problem_response(
        request, 500, "INTERNAL_ERROR", "The media origin failed unexpectedly; try again later."
    )
