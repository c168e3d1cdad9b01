"""Support commands: unit behaviour and the round trip through the fake platform."""

import pytest

from player.commands import execute
from player.state_machine import PlayerState
from player.store import DataDir
from player.wire import Command
from tests.player.harness import publish_abc


class Target:
    def __init__(self):
        self.calls = []

    def refresh_manifest(self):
        self.calls.append("refresh")

    def restart_playback_loop(self):
        self.calls.append("restart_loop")

    def clear_cache(self, unused_only):
        self.calls.append(f"clear unused={unused_only}")
        return 42

    def request_restart(self):
        self.calls.append("reboot")

    def set_log_level(self, level):
        self.calls.append(level)

    def enable_diagnostics(self, minutes):
        self.calls.append(minutes)

    def capture_screenshot(self):
        raise AssertionError("screenshots are taken by the runner, not through execute")


def command(kind, **parameters):
    return Command("c1", kind, parameters, "2026-06-15T12:00:00Z")


@pytest.mark.parametrize(
    ("kind", "parameters", "call"),
    [
        ("REQUEST_MANIFEST_REFRESH", {}, "refresh"),
        ("RESTART_PLAYBACK_LOOP", {}, "restart_loop"),
        ("CLEAR_CACHE_UNUSED", {}, "clear unused=True"),
        ("CLEAR_CACHE_ALL", {}, "clear unused=False"),
        ("REBOOT_APP", {}, "reboot"),
        ("SET_LOG_LEVEL", {"level": "debug"}, "DEBUG"),
        ("ENABLE_DIAGNOSTICS", {"durationMinutes": 15}, 15),
    ],
)
def test_each_command_reaches_the_player(kind, parameters, call):
    target = Target()
    assert execute(command(kind, **parameters), target).succeeded
    assert target.calls == [call]


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("SET_LOG_LEVEL", {"level": "LOUD"}),
        ("ENABLE_DIAGNOSTICS", {"durationMinutes": "5"}),
        ("ENABLE_DIAGNOSTICS", {"durationMinutes": 0}),
        ("FORMAT_DISK", {}),
    ],
)
def test_invalid_commands_fail_without_side_effects(kind, parameters):
    target = Target()
    outcome = execute(command(kind, **parameters), target)
    assert not outcome.succeeded
    assert outcome.error
    assert target.calls == []


def test_commands_run_at_a_boundary_and_results_are_reported(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.state.commands = [
        {"commandId": "k1", "type": "CLEAR_CACHE_UNUSED", "parameters": {}, "issuedAtUtc": "x"},
        {"commandId": "k2", "type": "SET_LOG_LEVEL", "parameters": {"level": "LOUD"}},
        {"commandId": "k3", "type": "RESTART_PLAYBACK_LOOP", "parameters": {}},
    ]
    h.run_until(lambda: len(platform.state.results) == 3)
    assert platform.state.results["k1"]["status"] == "SUCCEEDED"
    assert platform.state.results["k2"]["status"] == "FAILED"
    assert h.player.store.read_last_command_id() == "k3"
    h.run_until(lambda: {"COMMAND_EXECUTED", "COMMAND_FAILED"} <= set(platform.event_types()))
    assert h.player.state is PlayerState.PLAYING
    assert h.blank_or_error_since_first_content() == 0


def test_clear_cache_all_keeps_the_asset_on_screen_and_downloads_again(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.state.commands = [{"commandId": "k1", "type": "CLEAR_CACHE_ALL", "parameters": {}}]
    h.run_until(lambda: "k1" in platform.state.results)
    h.warm()
    assert platform.state.results["k1"]["result"]["freedBytes"] > 0
    assert h.blank_or_error_since_first_content() == 0


def test_reboot_app_reports_its_result_before_leaving_the_loop(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.run_until(lambda: h.player.state is PlayerState.PLAYING)
    platform.state.commands = [{"commandId": "k9", "type": "REBOOT_APP", "parameters": {}}]
    h.run_until(lambda: h.player.restart_requested)
    h.run_until(lambda: "k9" in platform.state.results)


def test_a_command_run_before_a_restart_is_not_run_again(platform, make_player, tmp_path):
    publish_abc(platform)
    DataDir(tmp_path / "player").write_last_command_id("k7")
    platform.state.commands = [{"commandId": "k7", "type": "CLEAR_CACHE_ALL", "parameters": {}}]
    h = make_player()
    h.warm()
    h.run_until(lambda: "k7" in platform.state.results)
    assert platform.state.results["k7"]["status"] == "FAILED"
    h.run(3)
    assert h.cached_ids() == {"a", "b", "c"}  # CLEAR_CACHE_ALL did not run a second time
