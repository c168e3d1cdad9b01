"""The API served by a real uvicorn on a loopback port, for tests that speak real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.redis_server import free_port


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve `app` on `port` (a free one by default); yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        assert httpx.get(f"{base_url}/healthz").status_code == 200
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
