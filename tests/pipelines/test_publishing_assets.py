"""Publishing snapshots in the warehouse (issue #8 item 3): the day's PublishEvents with their
snapshots, and every venue's 7-day timeline by the same resolver as the API's timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import RunRequest, SensorEvaluationContext, SkipReason, build_sensor_context

from pipelines.definitions import defs
from pipelines.publishing import publishes_sensor
from pipelines.resources import PlatformDatabase, Warehouse
from signage.config import Settings
from signage.tenancy.demo_content import BAR_GROUP, seed_demo_content
from tests.support.content import published_playlist, ready_asset
from tests.support.world import VenueWorld
from warehouse import publishing
from warehouse.layout import WarehouseLayout

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)  # the clock fixture's Monday noon


def seed_demo(world: VenueWorld, settings: Settings) -> None:
    """The demo's playlists and schedules, published at the world's clock."""
    context = world.app.state.context
    seed_demo_content(context.database, context.storage, settings, world.clock)


def run(job: str, database_url: str, root: Path, **options: object) -> None:
    result = defs.resolve_job_def(job).execute_in_process(
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "warehouse": Warehouse(root=str(root)),
        },
        **options,  # type: ignore[arg-type]
    )
    assert result.success


def sensor_requests(context: SensorEvaluationContext) -> list[RunRequest]:
    result = publishes_sensor(context)
    assert isinstance(result, list)
    return [r for r in result if isinstance(r, RunRequest)]


def refreshed_venues(requests: list[RunRequest]) -> set[str]:
    [timelines] = [r for r in requests if r.job_name == "venue_timelines"]
    return set(timelines.run_config["ops"]["warehouse_venue_timelines"]["config"]["venue_ids"])


def test_a_publish_wakes_the_sensor_once_for_the_venues_it_touched(
    world: VenueWorld, settings: Settings, database_url: str
) -> None:
    app, demo, clock = world.app, world.demo, world.clock
    platform_db = PlatformDatabase(url=database_url)
    context = build_sensor_context(resources={"platform_db": platform_db})
    assert isinstance(publishes_sensor(context), SkipReason)  # nothing published yet
    seed_demo(world, settings)
    requests = sensor_requests(context)
    # Shared playlists were published: every venue of the tenant, not the other tenant's.
    assert refreshed_venues(requests) == {str(demo.fortescue_id), str(demo.badger_id)}
    partitions = [r.partition_key for r in requests if r.job_name == "publish_events_daily"]
    assert partitions == ["2026-06-15"]
    again = build_sensor_context(resources={"platform_db": platform_db}, cursor=context.cursor)
    assert isinstance(publishes_sensor(again), SkipReason)

    clock.advance(minutes=5)
    venue_playlists = f"/v1/venues/{demo.fortescue_id}/playlists"
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id)
    published_playlist(
        world.client, world.as_role("manager"), venue_playlists, [asset.asset_id], "Pub only"
    )
    assert refreshed_venues(sensor_requests(again)) == {str(demo.fortescue_id)}


def test_the_days_publishes_land_with_their_snapshots(
    world: VenueWorld, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    demo = world.demo
    seed_demo(world, settings)
    run("publish_events_daily", database_url, tmp_path, partition_key="2026-06-15")
    history = publishing.publish_history(
        WarehouseLayout(tmp_path),
        str(demo.tenant_id),
        AS_OF - timedelta(days=1),
        AS_OF + timedelta(days=1),
    )
    assert sorted(history["type"].to_list()) == [
        "PLAYLIST_PUBLISH",
        "PLAYLIST_PUBLISH",
        "SCHEDULE_PUBLISH",
    ]
    schedule = history.filter(history["type"] == "SCHEDULE_PUBLISH").row(0, named=True)
    slots = json.loads(schedule["snapshot_json"])["slots"]
    assert [(s["startMinutes"], s["endMinutes"], s["daysOfWeekMask"]) for s in slots] == [
        (17 * 60, 19 * 60, 0b0011111)
    ]
    run("publish_events_daily", database_url, tmp_path, partition_key="2026-06-15")  # re-run
    again = publishing.publish_history(
        WarehouseLayout(tmp_path),
        str(demo.tenant_id),
        AS_OF - timedelta(days=1),
        AS_OF + timedelta(days=1),
    )
    assert again.equals(history)


def test_materialised_timelines_match_the_api_timeline(
    world: VenueWorld, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    seed_demo(world, settings)
    run(
        "venue_timelines",
        database_url,
        tmp_path,
        run_config={"ops": {"warehouse_venue_timelines": {"config": {"as_of": AS_OF.isoformat()}}}},
    )
    stored = publishing.venue_timeline(WarehouseLayout(tmp_path), str(demo.fortescue_id))
    groups = client.get(f"/v1/venues/{demo.fortescue_id}/groups", headers=as_role("manager"))
    [bar] = [g for g in groups.json()["items"] if g["name"] == BAR_GROUP]
    api = client.get(
        f"/v1/venues/{demo.fortescue_id}/timeline",
        params={
            "groupId": bar["groupId"],
            "from": AS_OF.isoformat(),
            "to": (AS_OF + timedelta(days=7)).isoformat(),
        },
        headers=as_role("viewer"),
    ).json()["intervals"]
    mine = stored.filter(stored["target_id"] == bar["groupId"])
    assert [
        (r["start_utc"], r["end_utc"], r["playlist_id"], r["reason"])
        for r in mine.iter_rows(named=True)
    ] == [
        (
            datetime.fromisoformat(i["startUtc"]),
            datetime.fromisoformat(i["endUtc"]),
            i["playlistId"],
            i["reason"],
        )
        for i in api
    ]
    assert mine.height == 11  # five weekday happy hours split the week into 11 intervals


def test_a_refresh_for_some_venues_rewrites_only_theirs(
    world: VenueWorld, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    demo = world.demo
    seed_demo(world, settings)
    config = {"as_of": AS_OF.isoformat(), "venue_ids": [str(demo.badger_id)]}
    run(
        "venue_timelines",
        database_url,
        tmp_path,
        run_config={"ops": {"warehouse_venue_timelines": {"config": config}}},
    )
    layout = WarehouseLayout(tmp_path)
    assert publishing.timeline_file(layout, str(demo.badger_id)).exists()
    assert not publishing.timeline_file(layout, str(demo.fortescue_id)).exists()
    assert not publishing.timeline_file(layout, str(demo.other_venue_id)).exists()
