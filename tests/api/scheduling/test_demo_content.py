"""The demo's content (issue 6, item 9): real media ingested, a published fallback and a
published weekly schedule, so a screen paired to a demo venue plays something at once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from signage.config import Settings
from signage.tenancy.demo_content import HAPPY_HOUR_PLAYLIST, HOUSE_PLAYLIST, seed_demo_content
from tests.support.devices import pair
from tests.support.world import VenueWorld


def test_a_screen_paired_to_a_demo_venue_plays_the_demo_content(
    world: VenueWorld, settings: Settings
) -> None:
    client, as_role, clock = world.client, world.as_role, world.clock
    context = world.app.state.context
    assert seed_demo_content(context.database, context.storage, settings, clock)
    assert not seed_demo_content(context.database, context.storage, settings, clock)

    screen = pair(client, as_role("admin"), world.demo.badger_id)
    manifest = client.get("/v1/player/manifest", headers=screen.headers)
    assert manifest.status_code == 200, manifest.text
    playlist = manifest.json()["playlist"]
    items = playlist["items"]
    assert [i["type"] for i in items] == ["IMAGE", "IMAGE", "IMAGE", "VIDEO"]
    video = items[3]
    assert (video["widthPx"], video["heightPx"], video["durationSeconds"]) == (640, 360, 6)
    downloaded = client.get(video["url"])
    assert hashlib.sha256(downloaded.content).hexdigest() == video["checksumSha256"]

    names = {
        p["name"]
        for p in client.get("/v1/library/playlists", headers=as_role("admin")).json()["items"]
    }
    assert names == {HOUSE_PLAYLIST, HAPPY_HOUR_PLAYLIST}


def test_the_demo_schedule_puts_happy_hour_on_the_bar_screens_on_weekday_evenings(
    world: VenueWorld, settings: Settings
) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    context = world.app.state.context
    seed_demo_content(context.database, context.storage, settings, world.clock)
    groups = client.get(f"/v1/venues/{demo.fortescue_id}/groups", headers=as_role("manager"))
    [bar] = groups.json()["items"]
    # Monday 15 June 2026: 17:00-19:00 London is 16:00-18:00 UTC (BST).
    timeline = client.get(
        f"/v1/venues/{demo.fortescue_id}/timeline",
        params={
            "groupId": bar["groupId"],
            "from": datetime(2026, 6, 15, 12, tzinfo=UTC).isoformat(),
            "to": datetime(2026, 6, 16, 0, tzinfo=UTC).isoformat(),
        },
        headers=as_role("viewer"),
    ).json()
    shown = [(i["playlistName"], i["startUtc"][11:16]) for i in timeline["intervals"]]
    assert shown == [
        (HOUSE_PLAYLIST, "12:00"),
        (HAPPY_HOUR_PLAYLIST, "16:00"),
        (HOUSE_PLAYLIST, "18:00"),
    ]
