"""What the /metrics middleware costs a request (issue 17 item 1): a minimal ASGI app called
directly, without and with `api.metrics.MetricsMiddleware`, same route template each time.

    .venv/bin/python bench/metrics_middleware.py [--requests 20000]

Prints microseconds per request for both and the difference. No server, no network."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from starlette.types import Receive, Scope, Send

from api.metrics import MetricsMiddleware


class Route:
    path = "/v1/player/heartbeat"


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    scope["route"] = Route
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def run(app: Any, requests: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    for _ in range(requests):
        scope = {"type": "http", "method": "POST", "path": "/v1/player/heartbeat"}
        await app(scope, receive, send)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    requests = parser.parse_args().requests
    baseline = asyncio.run(run(endpoint, requests))
    measured = asyncio.run(run(MetricsMiddleware(endpoint), requests))
    print(f"baseline (no middleware): {baseline:.2f} us/request")
    print(f"with MetricsMiddleware:   {measured:.2f} us/request")
    print(f"cost: {measured - baseline:.2f} us/request ({measured / baseline:.1f}x the bare app)")


if __name__ == "__main__":
    main()
