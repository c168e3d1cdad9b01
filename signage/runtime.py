"""Running the whole platform on one machine (`signage up`): child processes, ports, locks."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGSTER_HOME = REPO_ROOT / "dagster_home"


class PlatformStartError(RuntimeError):
    """The platform cannot start; the message is one line for a human."""


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold a lock on the data dir for the life of `signage up`; a second start is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise PlatformStartError(
            f"the platform is already running on data dir {path.parent} (pid {holder}); "
            "stop it first or set SIGNAGE_DATA_DIR to another directory"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def require_free_port(host: str, port: int, what: str, setting: str) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise PlatformStartError(
                f"port {port} for the {what} is in use on {host}; free it or set {setting}"
            ) from None


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop children in order
        )

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self._log is not None:
            self._log.close()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def console_script(name: str, *args: str) -> list[str]:
    """A console script installed beside this interpreter (the project's venv)."""
    return [str(Path(sys.executable).parent / name), *args]


class StopRequest:
    """Set by SIGINT/SIGTERM from the moment `signage up` starts anything, so Ctrl-C during
    start-up stops the children as cleanly as Ctrl-C later on."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._request)
        signal.signal(signal.SIGTERM, self._request)

    def _request(self, *_: object) -> None:
        self.requested = True


def wait_until_ready(
    url: str, children: list[Child], stop: StopRequest, timeout: float = 90.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.requested:
        for child in children:
            if child.exited() is not None:
                raise PlatformStartError(
                    f"{child.name} exited during start-up; see {child.log_path}"
                )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    if not stop.requested:  # a Ctrl-C during start-up is a clean stop, not a failure
        raise PlatformStartError(f"{url} did not answer 200 within {timeout:.0f} s")
