"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1 between a player and the platform.

The player is pointed at the proxy (API calls and, because the platform signs media URLs with
the proxy's address, downloads too). Each request is forwarded whole to the platform and its
answer written back with `Connection: close`, unless a `Fault` matching it says otherwise:

    DROP            close the connection without an answer (before the platform sees it)
    DROP_RESPONSE   forward, then close without an answer (the platform did the work)
    DELAY           wait `seconds`, then forward
    STATUS          answer `status` (429/503 ...) with `Retry-After` when `retry_after` is set
    TRUNCATE        send the headers (full Content-Length) and half the body, then close
    CORRUPT         flip bytes in the body, same length
    WRONG_CHECKSUM  a manifest whose items' checksumSha256 are wrong
    INVALID_MANIFEST a manifest without `nextCheckSeconds` (fails validation)
    SKEW            shift the `Date` header by `seconds` (a server clock off from the device)

`offline = True` is the network gone: every connection is closed at once. Every exchange is
logged (`Exchange`) for the scenarios to read. Bounded: it serves loopback only and stops with
`stop()`; bodies are held in memory (test media are small).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from enum import StrEnum

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}
MAX_HEAD_BYTES = 64 * 1024


class FaultKind(StrEnum):
    DROP = "DROP"
    DROP_RESPONSE = "DROP_RESPONSE"
    DELAY = "DELAY"
    STATUS = "STATUS"
    TRUNCATE = "TRUNCATE"
    CORRUPT = "CORRUPT"
    WRONG_CHECKSUM = "WRONG_CHECKSUM"
    INVALID_MANIFEST = "INVALID_MANIFEST"
    SKEW = "SKEW"


@dataclass
class Fault:
    kind: FaultKind
    path: str = "/"  # requests whose path starts with this
    method: str | None = None
    times: int | None = None  # None: until removed
    status: int = 503
    retry_after: int | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path) and (self.method is None or self.method == method)


@dataclass(frozen=True)
class Exchange:
    """One request as the proxy saw it and what it did."""

    at: float  # time.monotonic()
    method: str
    path: str  # without the query (signatures stay out of logs)
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None  # None: no answer was sent
    fault: str | None
    response_headers: dict[str, str] = field(default_factory=dict)


class FaultProxy:
    def __init__(self, upstream: str, port: int) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.offline = False
        self.faults: list[Fault] = []
        self.log: list[Exchange] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._client: httpx.AsyncClient | None = None

    # ---- control (any thread) ------------------------------------------------------------

    def start(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(10)
        return self.url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def retarget(self, upstream: str) -> None:
        """Forward to another platform from the next request on (the platform restarted)."""
        asyncio.run_coroutine_threadsafe(self._connect(upstream), self._loop).result(10)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def exchanges(
        self, path: str = "/", since: float = 0.0, method: str | None = None
    ) -> list[Exchange]:
        with self._lock:
            return [
                e
                for e in self.log
                if e.path.startswith(path)
                and e.at >= since
                and (method is None or e.method == method)
            ]

    # ---- the server (the proxy's own loop) -----------------------------------------------

    async def _open(self) -> None:
        await self._connect(self.upstream)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _connect(self, upstream: str) -> None:
        previous, self.upstream = self._client, upstream.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.upstream, timeout=30, follow_redirects=False)
        if previous is not None:
            await previous.aclose()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        if self._client is not None:
            await self._client.aclose()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.log.append(exchange)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.offline:
                return  # the network is gone: the connection closes unanswered
            request = await _read_request(reader)
            if request is None:
                return
            await self._handle(writer, *request)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()

    async def _handle(
        self,
        writer: asyncio.StreamWriter,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        path = target.split("?", 1)[0]
        fault = self._take_fault(method, path)
        kind = fault.kind if fault else None
        logged = {k: v for k, v in headers.items() if k in ("range", "if-none-match", "if-range")}

        def record(status: int | None, response_headers: dict[str, str] | None = None) -> None:
            self._record(
                Exchange(
                    time.monotonic(),
                    method,
                    path,
                    logged,
                    body,
                    status,
                    kind,
                    response_headers or {},
                )
            )

        if kind is FaultKind.DROP:
            record(None)
            return
        if kind is FaultKind.STATUS:
            assert fault is not None
            await self._refuse(writer, fault)
            record(fault.status)
            return
        if kind is FaultKind.DELAY:
            assert fault is not None
            await asyncio.sleep(fault.seconds)
        assert self._client is not None
        forwarded = {k: v for k, v in headers.items() if k not in HOP_BY_HOP and k != "host"}
        try:
            answer = await self._client.request(method, target, headers=forwarded, content=body)
        except httpx.HTTPError:
            record(None)
            return  # the platform is down: the player sees a dropped connection
        out_headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        content = answer.content
        if kind is FaultKind.DROP_RESPONSE:
            record(None)
            return
        if kind is FaultKind.SKEW and "date" in out_headers:
            assert fault is not None
            moved = parsedate_to_datetime(out_headers["date"]).timestamp() + fault.seconds
            out_headers["date"] = formatdate(moved, usegmt=True)
        if answer.status_code == 200 and kind in (
            FaultKind.WRONG_CHECKSUM,
            FaultKind.INVALID_MANIFEST,
        ):
            content = _spoil_manifest(content, kind)
        if kind is FaultKind.CORRUPT and content:
            content = bytes(b ^ 0xFF for b in content[:64]) + content[64:]
        record(answer.status_code, out_headers)
        head = _head(answer.status_code, answer.reason_phrase, out_headers, len(content))
        if kind is FaultKind.TRUNCATE and len(content) > 1:
            writer.write(head + content[: len(content) // 2])
            await writer.drain()
            return
        writer.write(head + content)
        await writer.drain()

    async def _refuse(self, writer: asyncio.StreamWriter, fault: Fault) -> None:
        body = json.dumps(
            {"title": "Injected fault", "status": fault.status, "code": "FAULT"}
        ).encode()
        headers = {"content-type": "application/problem+json", "date": formatdate(usegmt=True)}
        if fault.retry_after is not None:
            headers["retry-after"] = str(fault.retry_after)
        writer.write(_head(fault.status, "Injected", headers, len(body)) + body)
        await writer.drain()


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD_BYTES:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


def _head(status: int, reason: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason or 'Status'}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"content-length: {length}", "connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _spoil_manifest(content: bytes, kind: FaultKind) -> bytes:
    try:
        manifest = json.loads(content)
    except ValueError:
        return content
    if not isinstance(manifest, dict) or "manifestEtag" not in manifest:
        return content
    if kind is FaultKind.INVALID_MANIFEST:
        manifest.pop("nextCheckSeconds", None)
    else:
        for item in (manifest.get("playlist") or {}).get("items", []):
            item["checksumSha256"] = "0" * 64
    return json.dumps(manifest).encode()
