"""The whole path of issue #7's end-to-end test, over real HTTP and real libVLC (dummy outputs):
a real image and video are uploaded and ingested by the Dagster job, a playlist and a weekly
schedule are published, a player is paired by its code, plays both (the video to its end),
reports PLAYING in the device view, and runs and acknowledges a REQUEST_MANIFEST_REFRESH."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from api.app import create_app
from conformance.platform import FAST_DEVICE_LIMITS
from pipelines.definitions import defs
from pipelines.resources import MediaStorage, PlatformDatabase
from player.app import Player, PlayerConfig
from player.clock import SystemClock
from player.recorder import ScreenKind, ScreenRecorder
from signage.config import Settings
from signage.db.engine import Database
from signage.db.models import Tenant
from tests.player.test_vlc_playback import libvlc_usable
from tests.support.demo import DEMO_PASSWORD, Demo, bearer
from tests.support.live import serve
from tests.support.media_factory import make_jpeg, make_mp4
from tests.support.redis_server import free_port
from tests.support.uploads import upload

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_usable(), reason="libVLC is not installed"),
]

# The player polls at the server's nextCheckSeconds; 10 s keeps the test short, and the
# tenant's per-device limits are raised to match (§27.1 "tuneable per tenant").
POLL_SECONDS = 10


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.fixture
def api(settings: Settings, database: Database, demo: Demo) -> Iterator[httpx.Client]:
    port = free_port()
    fast = settings.model_copy(  # signed media URLs must point at this live server
        update={
            "manifest_poll_seconds": POLL_SECONDS,
            "public_base_url": f"http://127.0.0.1:{port}",
        }
    )
    with database.unit_of_work() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.id == demo.tenant_id)
            .values(rate_limit_overrides=FAST_DEVICE_LIMITS)
        )
    with (
        serve(create_app(fast, database=database), port) as base_url,
        httpx.Client(base_url=base_url, timeout=20) as client,
    ):
        yield client


def ingest(settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch, asset_id: str):
    """Run the pipeline's ingestion job for one asset, in-process, as the daemon would."""
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", settings.jwt_secret_value())
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(settings.data_dir))
    result = defs.get_job_def("ingest_asset_job").execute_in_process(
        run_config={"ops": {"ingest": {"config": {"asset_id": asset_id}}}},
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "media": MediaStorage(local_root=str(settings.media_dir)),
        },
    )
    assert result.output_for_node("ingest") == "READY"


def test_a_paired_player_plays_what_the_platform_publishes(
    api: httpx.Client,
    settings: Settings,
    database_url: str,
    demo: Demo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from player.media_backend import VlcBackend

    login = api.post(
        "/v1/auth/login", json={"email": "manager@demo.example", "password": DEMO_PASSWORD}
    )
    manager = bearer(login.json()["accessToken"])
    venue = f"/v1/venues/{demo.fortescue_id}"

    # Content: a real photo and a 2 s H.264/AAC clip, uploaded and ingested.
    photo = make_jpeg(tmp_path / "burger.jpg", 640, 360)
    clip = make_mp4(tmp_path / "quiz.mp4", width=64, height=36, seconds=2.0)
    assets = [
        upload(api, f"{venue}/assets", manager, photo, "image/jpeg"),  # type: ignore[arg-type]
        upload(api, f"{venue}/assets", manager, clip, "video/mp4"),  # type: ignore[arg-type]
    ]
    for asset in assets:
        ingest(settings, database_url, monkeypatch, asset["assetId"])

    # A playlist of both, published; a weekly slot for the window group, published.
    created = api.post(f"{venue}/playlists", json={"name": "Window"}, headers=manager)
    playlist = created.json()["playlistId"]
    items = [
        {"assetId": assets[0]["assetId"], "durationSeconds": 2},
        {"assetId": assets[1]["assetId"]},
    ]
    etag = api.put(
        f"{venue}/playlists/{playlist}/items",
        json={"items": items},
        headers={**manager, "If-Match": created.headers["ETag"]},
    ).headers["ETag"]
    published = api.post(
        f"{venue}/playlists/{playlist}/publish", headers={**manager, "If-Match": etag}
    )
    assert published.status_code == 200, published.text
    group = api.post(f"{venue}/groups", json={"name": "Window"}, headers=manager).json()
    schedule_etag = api.get(f"{venue}/scheduleset", headers=manager).headers["ETag"]
    slot = {
        "targetType": "GROUP",
        "targetId": group["groupId"],
        "playlistId": playlist,
        "daysOfWeekMask": 127,
        "startMinutes": 0,
        "endMinutes": 0,
    }
    added = api.post(
        f"{venue}/scheduleset/slots", json=slot, headers={**manager, "If-Match": schedule_etag}
    )
    assert added.status_code == 201, added.text
    assert api.post(
        f"{venue}/scheduleset/publish", headers={**manager, "If-Match": added.headers["ETag"]}
    ).is_success

    # The player starts unpaired; the manager types its code and puts it in the group.
    data_dir = tmp_path / "player"
    recorder = ScreenRecorder()
    config = PlayerConfig(data_dir=data_dir, api_url=str(api.base_url), events_flush_seconds=2)
    player = Player(config, VlcBackend(headless=True), SystemClock(), recorder)
    stop = threading.Event()
    loop = threading.Thread(target=player.run, args=(stop,))
    loop.start()
    try:
        state_file = data_dir / "state.json"

        def pairing_code() -> str | None:
            if not state_file.exists():
                return None
            return json.loads(state_file.read_text()).get("pairing_code")

        wait_for(pairing_code, timeout=20)
        claimed = api.post(
            f"{venue}/devices/pairing/claim",
            json={"pairingCode": pairing_code(), "name": "Window", "groupId": group["groupId"]},
            headers=manager,
        )
        assert claimed.status_code == 201, claimed.text
        device_id = claimed.json()["deviceId"]
        asset_ids = [a["assetId"] for a in assets]

        def played_both_twice() -> bool:
            sequence = recorder.asset_sequence()
            return sequence.count(asset_ids[0]) >= 2 and sequence.count(asset_ids[1]) >= 2

        wait_for(played_both_twice, timeout=60)
        device_url = f"{venue}/devices/{device_id}"
        wait_for(
            lambda: (
                (api.get(device_url, headers=manager).json().get("status") or {}).get("state")
                == "PLAYING"
            ),
            timeout=90,  # the next heartbeat after PLAYING, at the ~10 s cadence, on a busy box
        )

        command = api.post(
            f"{device_url}/commands", json={"type": "REQUEST_MANIFEST_REFRESH"}, headers=manager
        ).json()

        def acknowledged() -> bool:
            history = api.get(f"{device_url}/commands", headers=manager).json()["items"]
            return any(
                c["commandId"] == command["commandId"] and c["status"] == "SUCCEEDED"
                for c in history
            )

        wait_for(acknowledged, timeout=90)
    finally:
        stop.set()
        loop.join(timeout=30)

    frames = [f for f in recorder.frames() if f.asset_id]
    video = [b.at - a.at for a, b in itertools.pairwise(frames) if a.asset_id == asset_ids[1]]
    assert video
    assert min(video) >= 1.5  # the 2 s clip ran to its end, not cut at an item boundary
    first = recorder.first_content_at()
    assert first is not None
    kinds = {ScreenKind.BLANK, ScreenKind.ERROR}
    assert recorder.seconds_showing(kinds, first, time.monotonic()) == 0
