"""The supervision loop of `signage up` (issue 13, item 5) over small real processes; the whole
platform under it is tests/e2e/test_platform_supervision.py."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from signage.restart_policy import RestartPolicy
from signage.runtime import Child, PlatformStartError, StopRequest, supervise

FAST = RestartPolicy(
    first_delay_seconds=0.05,
    max_delay_seconds=0.2,
    stable_after_seconds=60,
    give_up_after_crashes=3,
    crash_window_seconds=60,
)


def python_child(name: str, code: str, tmp_path: Path) -> Child:
    return Child(name, [sys.executable, "-c", code], tmp_path / f"{name}.log", dict(os.environ))


def wait_until(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# Starts a process of its own (as Dagster's daemon starts runs), which outlives it when killed.
WORKER_WITH_HELPER = """
import subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "a").write(f"{helper.pid}\\n")
time.sleep(60)
"""


def test_a_killed_child_is_restarted_and_its_sibling_left_alone(tmp_path: Path) -> None:
    helpers = tmp_path / "helpers"
    worker = python_child("worker", WORKER_WITH_HELPER, tmp_path)
    worker.argv.append(str(helpers))
    sibling = python_child("sibling", "import time; time.sleep(60)", tmp_path)
    stop, lines = StopRequest(), list[str]()
    for child in (worker, sibling):
        child.start()
    loop = threading.Thread(
        target=supervise,
        args=([worker, sibling], stop),
        kwargs={"policy": FAST, "report": lines.append, "tick_seconds": 0.05},
    )
    loop.start()
    try:
        assert worker.process is not None
        assert sibling.process is not None
        first_pid, sibling_pid = worker.process.pid, sibling.process.pid
        wait_until(lambda: helpers.exists() and helpers.read_text().endswith("\n"))
        first_helper = int(helpers.read_text())
        os.kill(first_pid, signal.SIGKILL)
        wait_until(lambda: worker.process is not None and worker.process.pid != first_pid)
        wait_until(lambda: any("worker restarted" in line for line in lines))
        assert worker.exit_status() is None
        assert sibling.process.pid == sibling_pid
        assert sibling.exit_status() is None
        os.kill(first_helper, 0)  # left to finish its work while the platform runs
        assert (
            "worker was killed by SIGKILL (exit code -9); restart attempt 1 in 0.05 s" in (lines[0])
        )
    finally:
        stop.requested = True
        loop.join(timeout=10)
        for child in (worker, sibling):
            child.stop()
    assert not loop.is_alive()
    # Stopping the platform stops what the killed worker left behind.
    wait_until(lambda: not Path(f"/proc/{first_helper}").exists(), timeout=10)


def test_a_child_that_keeps_crashing_is_given_up_loudly(tmp_path: Path) -> None:
    crasher = python_child("crasher", "raise SystemExit(3)", tmp_path)
    crasher.start()
    lines: list[str] = []
    with pytest.raises(PlatformStartError) as given_up:
        supervise([crasher], StopRequest(), policy=FAST, report=lines.append, tick_seconds=0.05)
    assert "crasher exited with code 3; it died 3 times within 60 s, giving up" in str(
        given_up.value
    )
    attempts = [line for line in lines if "restart attempt" in line]
    assert [line.split("restart attempt ")[1].split(" (")[0] for line in attempts] == [
        "1 in 0.05 s",
        "2 in 0.1 s",
    ]
    crasher.stop()
