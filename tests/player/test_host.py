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
    from tests.player.harness import publish_abc

    publish_abc(platform)
    harness = make_player()
    harness.warm()
    harness.player.reports.persist_state()
    state = harness.player.store.read_state()
    assert state is not None
    assert state.host["keepAwake"] != "-"  # the manifest's keepAwake was acted on or explained
    assert "relaunch" in state.host


XRANDR_OUTPUT = """Screen 0: minimum 320 x 200, current 3840 x 2160, maximum 16384 x 16384
HDMI-1 connected primary 3840x2160+0+0 (normal left inverted right x axis y axis) 600mm x 340mm
   3840x2160     60.00*+  30.00
"""


def connector(drm: Path, name: str, status: str, modes: str) -> None:
    folder = drm / name
    folder.mkdir(parents=True)
    (folder / "status").write_text(f"{status}\n")
    (folder / "modes").write_text(modes)


def test_the_output_size_comes_from_the_x_display() -> None:
    def xrandr(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert command == ["xrandr", "--current"]
        return subprocess.CompletedProcess(command, 0, XRANDR_OUTPUT, "")

    found = host.detect_output_size({"DISPLAY": ":0"}, xrandr, lambda _: "/usr/bin/xrandr")
    assert found == ((3840, 2160), "xrandr")


def test_without_x_the_output_size_is_the_connected_outputs_preferred_mode(
    tmp_path: Path,
) -> None:
    connector(tmp_path, "card0-HDMI-A-2", "disconnected", "")
    connector(tmp_path, "card0-HDMI-A-1", "connected", "1920x1080\n1280x720\n")
    failing = Recorder(fail=True)
    found = host.detect_output_size({}, failing, lambda _: None, drm_dir=tmp_path)
    assert found == ((1920, 1080), "drm card0-HDMI-A-1")
    assert failing.calls == []  # no DISPLAY: xrandr is not tried


def test_no_display_at_all_means_no_output_size(tmp_path: Path) -> None:
    broken = Recorder(fail=True)
    assert host.detect_output_size({"DISPLAY": ":9"}, broken, lambda _: "/x", tmp_path) is None
    assert host.parse_xrandr_size("Can't open display :9") is None


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--screen-size", "1280x720"], ((1280, 720), "--screen-size")),
        (["--headless"], ((1920, 1080), "default")),  # the dummy video output has no size
        (["--headless", "--screen-size", "3840X2160"], ((3840, 2160), "--screen-size")),
    ],
)
def test_the_slides_size_option(arguments: list[str], expected: object) -> None:
    from player.__main__ import output_size, parse_args

    args = parse_args(["--data-dir", "/tmp/p", "--api-url", "http://127.0.0.1:1", *arguments])
    assert output_size(args) == expected
    assert args.orientation == "LANDSCAPE"


@pytest.mark.parametrize("value", ["1920", "0x0", "1920x100", "big"])
def test_a_bad_screen_size_is_refused(value: str) -> None:
    from player.__main__ import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--data-dir", "/tmp/p", "--api-url", "http://x", "--screen-size", value])


def test_systemd_notifier_sends_ready_and_at_most_one_watchdog_a_second(tmp_path) -> None:
    """Issue 16 item 5: the unit's WatchdogSec needs WATCHDOG=1 from the player's loop."""
    import socket

    from player.host import SystemdNotifier

    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as supervisor:
        supervisor.bind(path)
        supervisor.settimeout(2)
        now = [100.0]
        notifier = SystemdNotifier({"NOTIFY_SOCKET": path}, lambda: now[0])
        notifier.notify("READY=1")
        notifier.watchdog()
        notifier.watchdog()  # same second: not sent
        now[0] += 1.0
        notifier.watchdog()
        received = [supervisor.recv(64) for _ in range(3)]
        supervisor.setblocking(False)
        with pytest.raises(BlockingIOError):
            supervisor.recv(64)
    assert received == [b"READY=1", b"WATCHDOG=1", b"WATCHDOG=1"]


def test_systemd_notifier_is_silent_outside_systemd() -> None:
    from player.host import SystemdNotifier

    SystemdNotifier({}, lambda: 0.0).watchdog()  # no socket, no error
