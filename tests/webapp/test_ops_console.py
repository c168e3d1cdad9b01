"""The operations console (§21): dashboard counts and alerts from a real evaluation over a
simulated fleet, each role seeing only the venues it may read."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from api.webapp import pages_ops
from signage.db.engine import Database
from signage.enums import PlayerState
from tests.signage.alerts.fleet import GIB, Fleet
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from tests.support.world import VenueWorld
from tests.webapp.web import browser, post_form, signed_in

ROW = re.compile(r'<tr data-venue="([^"]+)">(.*?)</tr>', re.S)
CELL = re.compile(r'data-count="([a-z_]+)">(.*?)</td>', re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def fleet(database: Database, clock: FakeClock, demo: Demo) -> Fleet:
    """Fortescue: bar offline, lounge on the error screen with an error spike, quiet playing.
    Badger: cafe playing with almost no cache left. Another tenant: elsewhere, offline."""
    fleet = Fleet(database, clock)
    for name in ("bar", "lounge", "quiet"):
        fleet.add(name, demo.tenant_id, demo.fortescue_id)
    fleet.add("cafe", demo.tenant_id, demo.badger_id)
    fleet.add("elsewhere", demo.other_tenant_id, demo.other_venue_id)
    fleet.beat(*fleet.devices)
    silence = max(fleet.silence_limit("bar"), fleet.silence_limit("elsewhere"))
    fleet.tick(silence, "lounge", "quiet", "cafe")
    fleet.beat("lounge", state=PlayerState.ERROR_SCREEN)
    fleet.events("lounge", 5)
    fleet.beat("cafe", cache_total_bytes=2 * GIB, cache_used_bytes=2 * GIB - GIB // 50)
    fleet.evaluate()
    return fleet


def board_rows(html: str) -> dict[str, dict[str, str]]:
    """The dashboard's rows by venue id ("totals" for the totals row): each cell's text."""
    return {
        venue: {
            name: " ".join(unescape(TAG.sub(" ", text)).split()) for name, text in CELL.findall(row)
        }
        for venue, row in ROW.findall(html)
    }


def first_number(cell: str) -> int:
    return int(cell.split()[0])


def device_counts(row: dict[str, str]) -> tuple[int, ...]:
    names = ("online", "error", "offline", "playing", "not_playing", "alerts")
    return tuple(first_number(row[name]) for name in names)


def test_the_dashboard_counts_screens_and_alerts_per_venue_with_totals(
    client: TestClient, fleet: Fleet, demo: Demo
) -> None:
    page = signed_in(client, "admin").get("/app/ops")

    assert page.status_code == 200, page.text
    rows = board_rows(page.text)
    assert set(rows) == {str(demo.fortescue_id), str(demo.badger_id), "totals"}
    fortescue, badger = rows[str(demo.fortescue_id)], rows[str(demo.badger_id)]
    # online, error screen, offline, playing, online-but-not-playing, open alerts
    assert device_counts(fortescue) == (1, 1, 1, 1, 1, 2)
    assert "device offline: 1" in fortescue["by_type"]
    assert "error spike: 1" in fortescue["by_type"]
    assert device_counts(badger) == (1, 0, 0, 1, 0, 1)
    assert badger["by_type"] == "low cache headroom: 1"
    assert device_counts(rows["totals"]) == (2, 1, 1, 2, 1, 3)
    assert 'hx-trigger="every 30s"' in page.text
    assert 'href="/app/ops/alerts"' in page.text  # the layout's nav link

    fragment = client.get("/app/ops/board")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert board_rows(fragment.text) == rows


def test_each_role_sees_only_the_venues_it_may_read(world: VenueWorld, fleet: Fleet) -> None:
    demo = world.demo
    manager = signed_in(world.client, "manager")
    rows = board_rows(manager.get("/app/ops").text)
    assert set(rows) == {str(demo.fortescue_id), "totals"}
    assert device_counts(rows["totals"]) == device_counts(rows[str(demo.fortescue_id)])
    assert sorted(alerted_screens(manager.get("/app/ops/alerts").text)) == ["bar", "lounge"]

    other = signed_in(browser(world.app), "other_admin")
    board = other.get("/app/ops").text
    assert str(demo.fortescue_id) not in board
    assert str(demo.badger_id) not in board
    # only its own tenant's offline screen
    assert alerted_screens(other.get("/app/ops/alerts").text) == ["elsewhere"]
    assert other.get(f"/app/venues/{demo.fortescue_id}/alerts").status_code == 404


def alerted_screens(html: str) -> list[str]:
    """The screens named by the alert list's links to device pages."""
    return re.findall(r'/devices/[0-9a-f-]+">([^<]+)</a>', html)


def alert_types(html: str) -> list[str]:
    return re.findall(r'data-alert="([A-Z_]+)"', html)


def test_alerts_filter_by_type_severity_and_status(
    client: TestClient, fleet: Fleet, demo: Demo
) -> None:
    admin = signed_in(client, "admin")

    every = admin.get("/app/ops/alerts?status=&type=&severity=")  # the form's "Any"
    assert sorted(alert_types(every.text)) == [
        "DEVICE_OFFLINE",
        "ERROR_SPIKE",
        "LOW_CACHE_HEADROOM",
    ]
    offline = admin.get("/app/ops/alerts?type=DEVICE_OFFLINE").text
    assert alert_types(offline) == ["DEVICE_OFFLINE"]
    assert (
        f'href="/app/venues/{demo.fortescue_id}/devices/{fleet.devices["bar"].device_id}"'
        in offline
    )
    assert admin.get("/app/ops/alerts?status=RESOLVED").text.count("data-alert=") == 0
    warnings = alert_types(admin.get("/app/ops/alerts?severity=WARNING").text)
    assert "LOW_CACHE_HEADROOM" in warnings
    assert "DEVICE_OFFLINE" not in warnings

    refused = admin.get("/app/ops/alerts?type=BOGUS")
    assert refused.status_code == 422
    assert "BOGUS is not a type" in refused.text


def test_alerts_page_with_a_cursor_keeping_the_filters(
    client: TestClient, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages_ops, "ALERTS_PER_PAGE", 1)
    admin = signed_in(client, "admin")

    seen: list[str] = []
    url: str | None = "/app/ops/alerts?status=OPEN"
    while url:
        page = admin.get(url).text
        seen += alert_types(page)
        more = re.search(r'href="(/app/ops/alerts\?cursor=[^"]+)">Older alerts', page)
        url = unescape(more.group(1)) if more else None
        if url:
            assert "&status=OPEN" in url
    assert sorted(seen) == ["DEVICE_OFFLINE", "ERROR_SPIKE", "LOW_CACHE_HEADROOM"]


def test_a_venue_alerts_tab_for_anyone_with_a_role_there(
    client: TestClient, fleet: Fleet, demo: Demo
) -> None:
    viewer = signed_in(client, "viewer")

    page = viewer.get(f"/app/venues/{demo.fortescue_id}/alerts")
    assert page.status_code == 200
    assert sorted(alert_types(page.text)) == ["DEVICE_OFFLINE", "ERROR_SPIKE"]
    assert 'aria-current="page">Alerts' in page.text
    assert viewer.get(f"/app/venues/{demo.badger_id}/alerts").status_code == 404


ACKNOWLEDGE_FORM = re.compile(r'action="/app/alerts/([0-9a-f-]+)/acknowledge"')


def test_managers_acknowledge_from_the_venue_alerts_and_viewers_see_no_button(
    client: TestClient, fleet: Fleet, demo: Demo
) -> None:
    venue_alerts = f"/app/venues/{demo.fortescue_id}/alerts"
    viewer_page = signed_in(client, "viewer").get(venue_alerts).text
    assert ACKNOWLEDGE_FORM.findall(viewer_page) == []
    client.cookies.clear()

    manager = signed_in(client, "manager")
    page = manager.get(venue_alerts).text
    first, *_ = ACKNOWLEDGE_FORM.findall(page)
    action = f"/app/alerts/{first}/acknowledge"
    done = post_form(manager, venue_alerts, action, note="On my way", back=venue_alerts)
    assert (done.status_code, done.headers["location"]) == (303, venue_alerts)
    after = manager.get(venue_alerts).text
    assert f'data-state="ACKNOWLEDGED" id="alert-{first}"' in after
    assert "On my way" in after
    assert first not in ACKNOWLEDGE_FORM.findall(after)
    acknowledged = manager.get(f"{venue_alerts}?state=ACKNOWLEDGED").text
    assert re.findall(r'id="alert-([0-9a-f-]+)"', acknowledged) == [first]


def test_acknowledging_needs_the_csrf_token_and_refuses_an_outside_redirect(
    client: TestClient, fleet: Fleet, demo: Demo
) -> None:
    admin = signed_in(client, "admin")
    alerts = "/app/ops/alerts"
    (first, *_) = ACKNOWLEDGE_FORM.findall(admin.get(alerts).text)
    action = f"/app/alerts/{first}/acknowledge"
    assert admin.post(action, data={"note": "x"}, follow_redirects=False).status_code == 403
    done = post_form(admin, alerts, action, back="https://evil.example/")
    assert done.headers["location"] == alerts


BAR_TITLES = re.compile(r'<rect class="(bar(?: low)?|gap)"[^>]*><title>([^<]+)</title>')


def test_the_dashboard_and_venue_page_chart_30_days_of_uptime_and_failures(
    client: TestClient, rollups: object, demo: Demo
) -> None:
    viewer = signed_in(client, "viewer")
    venue_page = viewer.get(f"/app/venues/{demo.fortescue_id}").text
    uptime, failures = re.findall(r'<figure class="trend" id="([a-z-]+)"', venue_page)
    assert (uptime, failures) == ("uptime-chart", "failures-chart")
    bars = BAR_TITLES.findall(venue_page)
    assert len(bars) == 60  # two charts of 30 days
    uptime_bars = bars[:30]
    assert [title.split(": ")[1] for _, title in uptime_bars[-4:]] == [
        "50 %",
        "75 %",
        "100 %",
        "no data",
    ]
    assert [css for css, _ in uptime_bars[-4:]] == ["bar low", "bar low", "bar", "gap"]
    assert "Uptime over the last 30 days: 75.0 % on average, lowest 50 %." in venue_page
    assert "12 playback, download and manifest failures and 6 error events" in unescape(venue_page)

    # The viewer sees only Fortescue on the dashboard: the same figures.
    dashboard = viewer.get("/app/ops").text
    assert "Uptime over the last 30 days: 75.0 % on average, lowest 50 %." in dashboard
    client.cookies.clear()
    # The admin sees Badger's café too: 3 devices, same uptime, 18 failures.
    admin_board = signed_in(client, "admin").get("/app/ops").text
    assert "18 playback, download and manifest failures" in admin_board
