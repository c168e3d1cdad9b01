"""`signage up` keeps the platform running when one of its processes dies (issue 13, item 5):
the real platform, its real processes killed one at a time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from signage.db.embedded import postmaster_pid
from tests.e2e.test_platform_up import get_status, platform_env, start, stop, wait_for
from tests.support.redis_server import free_port

BOUND_SECONDS = 90  # for each process to come back


def children_of(parent: int) -> dict[int, str]:
    """pid -> command line of the processes whose parent is `parent`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == parent:
            found[int(entry.name)] = cmdline
    return found


def child_pid(platform: subprocess.Popen[str], marker: str) -> int | None:
    pids = [pid for pid, cmd in children_of(platform.pid).items() if marker in cmd]
    assert len(pids) <= 1, pids
    return pids[0] if pids else None


def running_child(platform: subprocess.Popen[str], marker: str) -> int:
    pid = child_pid(platform, marker)
    assert pid is not None, (marker, children_of(platform.pid))
    return pid


def wait_until(condition: Callable[[], bool], what: str, during: Callable[[], None]) -> None:
    """Poll `condition` for up to BOUND_SECONDS, running the `during` check on every poll."""
    deadline = time.monotonic() + BOUND_SECONDS
    while not condition():
        during()
        assert time.monotonic() < deadline, f"{what} within {BOUND_SECONDS} s"
        time.sleep(0.5)


def restarted(platform: subprocess.Popen[str], marker: str, old_pid: int) -> Callable[[], bool]:
    def check() -> bool:
        new_pid = child_pid(platform, marker)
        return new_pid is not None and new_pid != old_pid

    return check


API, WEBSERVER, DAEMON = "api.main:app_from_env", "dagster_webserver", "dagster-daemon"


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A short path (the database socket is in it) outside pytest's temp root: run as root, the
    embedded server runs as another user, and any pytest starting on this machine resets that
    root to 0700 under it."""
    with tempfile.TemporaryDirectory(prefix="signage-sup-", ignore_cleanup_errors=True) as root:
        yield Path(root) / "var"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_killed_process_comes_back_and_the_others_keep_running(data_dir: Path) -> None:
    api_port, dagster_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    platform = start(platform_env(data_dir, api_port, dagster_port))
    try:
        wait_for(f"{api}/readyz", platform)
        wait_for(f"http://127.0.0.1:{dagster_port}/server_info", platform)
        pids = {marker: running_child(platform, marker) for marker in (API, WEBSERVER, DAEMON)}

        def platform_still_up() -> None:
            assert platform.poll() is None, platform.communicate()[0]

        def dagster_untouched() -> None:
            platform_still_up()
            assert child_pid(platform, WEBSERVER) == pids[WEBSERVER]
            assert child_pid(platform, DAEMON) == pids[DAEMON]

        os.kill(pids[API], signal.SIGKILL)
        wait_until(restarted(platform, API, pids[API]), "API restarted", dagster_untouched)
        wait_until(lambda: get_status(f"{api}/healthz") == 200, "API answers", dagster_untouched)
        pids[API] = running_child(platform, API)

        def api_untouched() -> None:
            platform_still_up()
            assert child_pid(platform, API) == pids[API]
            assert get_status(f"{api}/healthz") == 200

        os.kill(pids[DAEMON], signal.SIGKILL)
        wait_until(restarted(platform, DAEMON, pids[DAEMON]), "daemon restarted", api_untouched)

        old_postmaster = postmaster_pid(data_dir / "postgres")
        assert old_postmaster is not None
        os.kill(old_postmaster, signal.SIGKILL)
        wait_until(
            lambda: (
                postmaster_pid(data_dir / "postgres") not in (None, old_postmaster)
                and get_status(f"{api}/readyz") == 200
            ),
            "the database restarted and the API ready again",
            platform_still_up,
        )
        assert child_pid(platform, API) == pids[API]
    finally:
        # A platform that died has told why in the assertion that noticed it.
        output = stop(platform) if platform.poll() is None else ""
    assert "API was killed by SIGKILL (exit code -9); restart attempt 1 in 1 s" in output
    assert "Dagster daemon was killed by SIGKILL (exit code -9); restart attempt 1" in output
    assert "embedded PostgreSQL is not running" in output
    assert "embedded PostgreSQL restarted" in output
    assert "Traceback" not in output
    # The restarted server stopped with the platform.
    assert postmaster_pid(data_dir / "postgres") is None
    assert get_status(f"{api}/healthz") == 0


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_process_that_keeps_dying_stops_the_platform_loudly(data_dir: Path) -> None:
    api_port, dagster_port = free_port(), free_port()
    platform = start(platform_env(data_dir, api_port, dagster_port))
    try:
        wait_for(f"http://127.0.0.1:{api_port}/readyz", platform)
        pids = [running_child(platform, marker) for marker in (API, WEBSERVER, DAEMON)]
        # The API's port taken while it is down: every restart dies at once.
        with socket.socket() as thief:
            thief.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            os.kill(pids[0], signal.SIGKILL)
            deadline = time.monotonic() + 0.9  # the first restart waits 1 s
            while True:
                try:
                    thief.bind(("127.0.0.1", api_port))
                    break
                except OSError:  # until the kernel has closed the dead API's socket
                    assert time.monotonic() < deadline
                    time.sleep(0.01)
            thief.listen()
            output, _ = platform.communicate(timeout=BOUND_SECONDS + 60)
    finally:
        if platform.poll() is None:
            stop(platform)
    assert platform.returncode == 1, output
    assert "restart attempt 4 in 8 s" in output
    # uvicorn exits with 3 when it cannot bind
    assert "error: API exited with code 3; it died 5 times within 300 s, giving up" in output
    assert "Traceback" not in output
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]  # the others stopped
    assert postmaster_pid(data_dir / "postgres") is None
