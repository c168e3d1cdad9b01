"""The reference player's systemd unit (issue 16 item 5): `systemd-analyze verify` is clean,
and it asks for what the player's reported relaunch relies on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from player.host import relaunch_supervision

UNIT = Path(__file__).parents[2] / "deploy" / "player" / "signage-player.service"
PREFIX = "/opt/signage-player"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_unit_verifies_clean(tmp_path: Path) -> None:
    # The unit names the installed player; verify checks that it is executable, so the copy
    # points at a stand-in under tmp_path and nothing else changes.
    fake = tmp_path / "venv" / "bin" / "signage-player"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace(PREFIX, str(tmp_path)))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""


def test_the_unit_restarts_always_with_a_watchdog_as_an_unprivileged_user() -> None:
    settings = dict(
        line.split("=", 1) for line in UNIT.read_text().splitlines() if "=" in line[:40]
    )
    assert settings["Restart"] == "always"
    assert settings["Type"] == "notify"  # READY=1 and WATCHDOG=1 (player.host.SystemdNotifier)
    assert int(settings["WatchdogSec"]) > 0
    assert settings["User"] == "signage-player"
    assert settings["StateDirectory"] == "signage-player"
    assert settings["WantedBy"] == "multi-user.target"


def test_under_systemd_the_player_reports_itself_supervised() -> None:
    # systemd sets INVOCATION_ID for every service it starts.
    assert relaunch_supervision({"INVOCATION_ID": "0f1e2d"}) == "systemd"
