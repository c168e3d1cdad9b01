"""The in-flight request cap (issue 13, item 6): the API process `signage up` starts, on a real
uvicorn on 127.0.0.1, answers 503 problem+json with Retry-After once its cap is reached."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from signage.cli import child_processes
from signage.config import Settings
from tests.support.redis_server import free_port

CAP = 3


@contextmanager
def api_process(tmp_path: Path, database_url: str, limit: int) -> Iterator[str]:
    """The API child exactly as `signage up` runs it, with SIGNAGE_API_LIMIT_CONCURRENCY."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env.update(
        SIGNAGE_ENVIRONMENT="test",
        SIGNAGE_DATA_DIR=str(tmp_path / "var"),
        SIGNAGE_DATABASE_URL=database_url,
        SIGNAGE_JWT_SECRET="test-secret-" + "x" * 40,
        SIGNAGE_API_PORT=str(port),
        SIGNAGE_API_LIMIT_CONCURRENCY=str(limit),
    )
    settings = Settings(data_dir=tmp_path / "var", api_port=port)
    (api,) = child_processes(settings, env, with_dagster=False)
    api.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{base_url}/healthz"):
            assert api.exit_status() is None, api.log_path.read_text()[-2000:]
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.2)
        yield base_url
    finally:
        api.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def held_open_login(port: int) -> socket.socket:
    """A login whose body never finishes arriving: the request stays in flight."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email": '
    )
    return sock


def test_requests_past_the_cap_get_a_503_problem_with_retry_after(
    tmp_path: Path, database_url: str
) -> None:
    with api_process(tmp_path, database_url, CAP) as base_url, ExitStack() as held:
        port = int(base_url.rsplit(":", 1)[1])
        for _ in range(CAP):
            held.enter_context(held_open_login(port))
        time.sleep(0.5)  # the held requests have reached the app

        refused = httpx.get(f"{base_url}/readyz", timeout=5)
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "5"
        assert refused.headers["x-request-id"]
        assert refused.json()["code"] == "SERVICE_UNAVAILABLE"
        assert refused.json()["retryAfterSeconds"] == 5
        # The liveness probe is never refused: a busy process is not a dead one.
        assert httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200

        held.close()  # the held clients give up; their slots come back
        deadline = time.monotonic() + 10
        while httpx.get(f"{base_url}/readyz", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, "the cap never freed its slots"
            time.sleep(0.1)


def test_the_cap_defaults_to_80() -> None:
    assert Settings().api_limit_concurrency == 80
