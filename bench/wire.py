"""A minimal HTTP/1.1 keep-alive client over asyncio streams, for load generators.

httpx spends about a millisecond of CPU per request and its pool slows further as waiters pile
up; a simulated fleet of thousands of screens then measures the client instead of the API (the
first curve of bench.fleet did: the generator at 100 % of a core, the API idle). One
connection here is one socket that sends a request and reads its whole response before the
next, which is all a simulated screen needs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self._reader = reader
        self._writer = writer
        self._host = host

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer, f"{host}:{port}")

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status, response_headers = parse_head(head)
        return Response(status, response_headers, await self._read_body(status, response_headers))

    async def _read_body(self, status: int, headers: dict[str, str]) -> bytes:
        if status in (204, 304) or 100 <= status < 200:
            return b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return await self._read_chunks()
        return await self._reader.readexactly(int(headers.get("content-length", "0")))

    async def _read_chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # the empty trailer
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """The status code and the headers (names lower-cased) of a response's head."""
    status_line, *header_lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers
