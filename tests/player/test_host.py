"""Best-effort host integration (player.host): network type, keepAwake, relaunch supervisor."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from player import host


def interface(net: Path, name: str, state: str, *, wireless: bool = False) -> None:
    folder = net / name
    folder.mkdir(parents=True)
    (folder / "operstate").write_text(f"{state}\n")
    if wireless:
        (folder / "wireless").mkdir()


@pytest.mark.parametrize(
    ("interfaces", "expected"),
    [
        ([("lo", "unknown", False), ("eth0", "up", False)], "ETHERNET"),
        ([("wlan0", "up", True), ("eth0", "down", False)], "WIFI"),
        ([("wlan0", "up", True), ("enp1s0", "up", False)], "ETHERNET"),
        ([("lo", "unknown", False), ("wlan0", "dormant", True)], "NONE"),
        ([], "NONE"),
    ],
)
def test_network_type_comes_from_the_interfaces_that_are_up(
    tmp_path: Path, interfaces: list[tuple[str, str, bool]], expected: str
) -> None:
    net = tmp_path / "net"
    net.mkdir()
    for name, state, wireless in interfaces:
        interface(net, name, state, wireless=wireless)
    assert host.detect_network_type(net) == expected


def test_no_sysfs_means_unknown(tmp_path: Path) -> None:
    assert host.detect_network_type(tmp_path / "absent") is None


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, command: list[str], **kwargs: Any) -> None:
        self.calls.append(command)
        if self.fail:
            raise subprocess.CalledProcessError(1, command)


def test_keep_awake_turns_blanking_off_on_an_x_display() -> None:
    run = Recorder()
    report = host.apply_keep_awake(True, {"DISPLAY": ":0"}, run, lambda _: "/usr/bin/xset")
    assert run.calls == [list(host.XSET_KEEP_AWAKE)]
    assert report.startswith("applied")
    assert host.apply_keep_awake(False, {"DISPLAY": ":0"}, run, lambda _: "/usr/bin/xset")
    assert run.calls[-1] == list(host.XSET_ALLOW_SLEEP)


def test_keep_awake_reports_why_it_could_not_act() -> None:
    run = Recorder(fail=True)
    assert host.apply_keep_awake(True, {}, run).startswith("not applicable")
    assert host.apply_keep_awake(True, {"DISPLAY": ":0"}, run, lambda _: None).startswith(
        "unavailable"
    )
    failed = host.apply_keep_awake(True, {"DISPLAY": ":0"}, run, lambda _: "/usr/bin/xset")
    assert failed == "failed: CalledProcessError"


def test_relaunch_supervisor_is_systemd_only_under_systemd() -> None:
    assert host.relaunch_supervision({"INVOCATION_ID": "abc"}) == "systemd"
    assert host.relaunch_supervision({}).startswith("none")


def test_the_player_reports_its_host_integration_in_state_json(platform, make_player) -> None:
    from tests.player.conftest import publish_abc

    publish_abc(platform)
    harness = make_player()
    harness.warm()
    harness.player._persist_state()
    state = harness.player.store.read_state()
    assert state is not None
    assert state.host["keepAwake"] != "-"  # the manifest's keepAwake was acted on or explained
    assert "relaunch" in state.host
