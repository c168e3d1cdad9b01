"""Runs the scenarios against one player and prints the table (scenario, pass/fail, seconds of
blank, notes). The platform is the suite's live platform on a fresh database of the embedded
PostgreSQL, polled every 10 s, with the fault proxy in front of it on 127.0.0.1."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.adapter import PlayerAdapter
from conformance.platform import allow_fast_devices
from conformance.proxy import FaultProxy
from conformance.scenarios import CADENCE_SECONDS, ITEM_SECONDS, Kit, Scenario
from tests.support import postgres
from tests.support.content import IF_MATCH, create_playlist, set_items
from tests.support.demo import bearer, login
from tests.support.redis_server import free_port
from tests.webapp.browser.live import Platform, live_platform


@dataclass(frozen=True)
class Outcome:
    scenario: str
    passed: bool
    blank_seconds: float
    seconds: float
    notes: str


@contextmanager
def platform_behind_proxy(
    pg_admin_url: str, pg_template: str
) -> Iterator[tuple[Platform, FaultProxy]]:
    proxy_port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="conformance-") as scratch,
        live_platform(
            pg_admin_url, pg_template, Path(scratch) / "var", manifest_poll_seconds=CADENCE_SECONDS,
            public_base_url=f"http://127.0.0.1:{proxy_port}",
        ) as platform,
    ):  # fmt: skip
        allow_fast_devices(platform.database, platform.demo.tenant_id)
        proxy = FaultProxy(platform.base_url, proxy_port)
        proxy.start()
        try:
            yield platform, proxy
        finally:
            proxy.stop()


def prepare_kit(platform: Platform, proxy: FaultProxy, player: PlayerAdapter) -> Kit:
    """A playlist of two promo cards scheduled all week for a group the screen joins."""
    api = platform.api
    manager = bearer(login(api, "manager")["accessToken"])
    venue = f"/v1/venues/{platform.demo.fortescue_id}"
    assets = platform.demo_assets()
    playlist_id, etag = create_playlist(api, manager, f"{venue}/playlists", "Conformance")
    playlist_url = f"{venue}/playlists/{playlist_id}"
    etag = set_items(api, manager, playlist_url, etag, assets[:2], seconds=ITEM_SECONDS)
    assert (
        api.post(f"{playlist_url}/publish", headers={**manager, IF_MATCH: etag}).status_code == 200
    )
    group = api.post(f"{venue}/groups", json={"name": "Conformance"}, headers=manager).json()
    schedule = api.get(f"{venue}/scheduleset", headers=manager).headers["ETag"]
    slot = {"targetType": "GROUP", "targetId": group["groupId"], "playlistId": playlist_id,
            "daysOfWeekMask": 127, "startMinutes": 0, "endMinutes": 0}  # fmt: skip
    added = api.post(
        f"{venue}/scheduleset/slots", json=slot, headers={**manager, IF_MATCH: schedule}
    )
    assert added.status_code == 201, added.text
    published = api.post(
        f"{venue}/scheduleset/publish", headers={**manager, IF_MATCH: added.headers["ETag"]}
    )
    assert published.status_code == 200, published.text
    return Kit(
        platform,
        proxy,
        player,
        manager,
        playlist_url,
        group["groupId"],
        assets,
        published=assets[:2],
    )


def run(
    player: PlayerAdapter,
    scenarios: Iterable[Scenario],
    stop_at_failure: bool = False,
    pg_admin_url: str | None = None,
    pg_template: str | None = None,
) -> list[Outcome]:
    """Every scenario in order against `player`; a failure is recorded and the rest go on
    (unless a scenario they all need, pairing, failed). The database server is the test
    suite's (its fixtures pass theirs)."""
    admin = pg_admin_url or postgres.admin_url()
    template = pg_template or postgres.ensure_template(admin)
    outcomes: list[Outcome] = []
    with platform_behind_proxy(admin, template) as (platform, proxy):
        kit = prepare_kit(platform, proxy, player)
        player.start(proxy.url)
        try:
            for scenario in scenarios:
                outcome = _run_one(kit, scenario)
                outcomes.append(outcome)
                if not outcome.passed and (stop_at_failure or kit.device_id is None):
                    break
        finally:
            player.stop()
    return outcomes


def _run_one(kit: Kit, scenario: Scenario) -> Outcome:
    kit.blank_seconds = 0.0
    started = time.monotonic()
    try:
        notes = scenario(kit)
        passed = kit.blank_seconds == 0
        if not passed:
            notes += f"; {kit.blank_seconds:.1f} s blank"
    except AssertionError as failure:
        passed, notes = False, str(failure)
    finally:
        kit.proxy.clear()
        kit.proxy.offline = False
    return Outcome(
        scenario.__name__, passed, round(kit.blank_seconds, 1), time.monotonic() - started, notes
    )


def table(player: str, outcomes: list[Outcome]) -> str:
    """A Markdown table (it goes into docs/webplayer.md as printed)."""
    lines = [
        f"| {player}: scenario | result | blank s | took s | notes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        result = "pass" if o.passed else "FAIL"
        notes = o.notes.replace("|", "/")
        lines.append(
            f"| {o.scenario} | {result} | {o.blank_seconds:.1f} | {o.seconds:.0f} | {notes} |"
        )
    passed = sum(o.passed for o in outcomes)
    lines.append(f"\n{player}: {passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines)
