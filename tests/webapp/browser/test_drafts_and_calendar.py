"""The playlist and schedule editors in a real browser (issue 19 items 1, 2 and 7): after a
rollback the page says the draft differs from what plays and discards the draft's changes in
one click; publish is offered only when it means something; the schedule is a calendar with a
time axis, side-by-side overlaps, priorities and overnight slots, one day at a time on a phone,
where "Add a slot" is on the first screen and tapping an empty hour starts a slot there.

Setup goes through /v1 in-process; every test makes its own playlists and screen, and asserts
relative to what the shared platform's Fortescue Arms schedule already holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, FloatRect, Locator, Page, expect

from api.ratelimit import TenantLimitOverrides
from signage.db.models import Tenant
from tests.support.content import add_slot, publish_schedule, published_playlist
from tests.support.devices import pair
from tests.webapp.browser.live import (
    DESKTOP,
    PHONE,
    Platform,
    SignIn,
    browsers_for,
    forget_sign_ins,
)

pytestmark = pytest.mark.browser

DASH = "\N{EN DASH}"
MONDAY, SATURDAY, SUNDAY = 0b1, 0b0100000, 0b1000000


@pytest.fixture(scope="module", autouse=True)
def room_to_publish(platform: Platform) -> Iterator[None]:
    """These tests publish more than §27.1's 10 a minute per tenant between them: the demo
    tenant's own override raises that. It stays raised for the platform's later tests: put
    back, the minute's count these tests left would refuse their next publishes (429). No
    browser test checks the publish limit (tests/api does)."""
    with platform.database.unit_of_work() as session:
        tenant = session.get(Tenant, platform.demo.tenant_id)
        assert tenant is not None
        overrides = tenant.rate_limit_overrides or {}
        tenant.rate_limit_overrides = {**overrides, "publishPerTenant": {"requests": 100}}
    platform.app.state.tenant_limit_overrides = TenantLimitOverrides()  # read afresh
    yield
    forget_sign_ins(platform)  # a later module's "Sign out" would end these tests' logins


@pytest.fixture
def on_desktop(chromium: Browser, platform: Platform) -> Iterator[SignIn]:
    with browsers_for(chromium, platform, viewport=DESKTOP) as open_as:
        yield open_as


def answering(page: Page, replies: list[bool]) -> list[str]:
    """Answer the page's confirm() questions (data-confirm forms) with `replies` in order,
    then yes; the questions asked, in order."""
    questions: list[str] = []

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        if replies.pop(0) if replies else True:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    return questions


def published_with_items(platform: Platform, name: str, count: int) -> str:
    """A Fortescue Arms playlist of the first `count` promo cards, published once; its id."""
    base = f"/v1/venues/{platform.demo.fortescue_id}/playlists"
    assets = platform.demo_assets()[:count]
    return published_playlist(platform.api, platform.headers("manager"), base, assets, name)


def playlist_page_url(platform: Platform, playlist_id: str) -> str:
    venue = platform.demo.fortescue_id
    return f"{platform.base_url}/app/venues/{venue}/playlists/{playlist_id}"


def schedule_url(platform: Platform, query: str = "") -> str:
    url = f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/schedule"
    return f"{url}?{query}" if query else url


def api_slot(platform: Platform, playlist_id: str, screen: str, **slot: int) -> None:
    add_slot(
        platform.api,
        platform.headers("manager"),
        platform.demo.fortescue_id,
        targetType="DEVICE",
        targetId=str(screen),
        playlistId=playlist_id,
        **slot,
    )


def live_version(platform: Platform) -> int:
    answer = platform.api.get(
        f"/v1/venues/{platform.demo.fortescue_id}/scheduleset", headers=platform.headers("viewer")
    )
    version: int = answer.json()["publishedVersion"]
    return version


def item_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("ol.items > li strong").all_inner_texts()]


# -- item 1: the rollback trap --------------------------------------------------------------------


def test_after_a_playlist_rollback_the_draft_is_discarded_in_one_click(
    signed_in_page: SignIn, platform: Platform
) -> None:
    playlist_id = published_with_items(platform, "Rolled back card", 1)  # v1: one card
    url = playlist_page_url(platform, playlist_id)
    page = signed_in_page("manager")
    questions = answering(page, [])
    page.goto(url)
    page.get_by_label("Ready photo or video").select_option(label="cocktails.jpg (image)")
    page.get_by_role("button", name="Add to the end").click()
    page.get_by_role("button", name=re.compile("Publish draft")).click()  # v2: two cards
    expect(page.get_by_text("Published v2, no changes")).to_be_visible()

    page.get_by_role("link", name="Publish history").click()
    page.get_by_role("button", name="Roll back to v1").click()
    expect(page.get_by_text("Version 1 is live again")).to_be_visible()
    expect(page.get_by_text(re.compile("publishing it would undo this rollback"))).to_be_visible()
    page.get_by_role("link", name="Open the playlist").click()

    # The draft still holds v2's two cards: said plainly, with the way out beside it.
    warning = page.locator("#rollback-warning")
    expect(warning).to_contain_text("The draft differs from what plays.")
    expect(warning).to_contain_text("publishing it would undo the rollback")
    expect(page.get_by_text(re.compile("screens play v3"))).to_be_visible()
    page.get_by_role("button", name="Discard draft changes").click()

    expect(page.get_by_text("Draft changes discarded")).to_be_visible()
    expect(page.get_by_text("Published v3, no changes")).to_be_visible()
    expect(page.locator("#rollback-warning")).to_have_count(0)
    assert item_names(page) == ["two-for-one.jpg"]
    expect(page.get_by_role("button", name=re.compile("Publish draft"))).to_be_disabled()
    assert questions[-1].startswith("Discard the draft's changes?")


def test_after_a_schedule_rollback_the_draft_is_discarded_in_one_click(
    on_desktop: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Porch")
    playlist_id = published_with_items(platform, "Porch welcome", 1)
    api_slot(
        platform,
        playlist_id,
        screen.device_id,
        daysOfWeekMask=MONDAY,
        startMinutes=360,
        endMinutes=420,
    )
    rolled_back_to = publish_schedule(
        platform.api, platform.headers("manager"), platform.demo.fortescue_id
    )["publishedVersion"]
    api_slot(
        platform,
        playlist_id,
        screen.device_id,
        daysOfWeekMask=MONDAY,
        startMinutes=420,
        endMinutes=480,
    )
    publish_schedule(platform.api, platform.headers("manager"), platform.demo.fortescue_id)
    page = on_desktop("manager")
    questions = answering(page, [True, False, True])  # roll back, do not publish, discard
    page.goto(schedule_url(platform, "day=mon"))

    page.get_by_role("button", name=f"Roll back to v{rolled_back_to}").click()

    expect(page.get_by_text(f"Version {rolled_back_to} is live again")).to_be_visible()
    warning = page.locator("#rollback-warning")
    expect(warning).to_contain_text("The draft differs from what plays.")
    expect(warning).to_contain_text(f"a rollback to v{rolled_back_to}")
    monday = page.get_by_role("region", name="Draft, Monday")
    later = re.compile(f"Porch welcome 07:00{DASH}08:00")
    expect(monday.get_by_role("link", name=later)).to_be_visible()
    # Publishing now would undo the rollback: the button asks first ("no" changes nothing).
    page.get_by_role("button", name=re.compile("Publish draft")).click()
    assert "the rollback to v" in questions[-1]
    expect(warning).to_be_visible()
    page.get_by_role("button", name="Discard draft changes").click()

    expect(page.get_by_text("Draft changes discarded")).to_be_visible()
    expect(page.get_by_text(f"Published v{live_version(platform)}, no changes")).to_be_visible()
    expect(page.locator("#rollback-warning")).to_have_count(0)
    monday = page.get_by_role("region", name="Draft, Monday")
    earlier = re.compile(f"Porch welcome 06:00{DASH}07:00")
    expect(monday.get_by_role("link", name=earlier)).to_be_visible()
    expect(monday.get_by_role("link", name=later)).to_have_count(0)
    assert questions[-1].startswith("Discard the draft's changes?")


# -- item 2: publish only what means something ----------------------------------------------------


def test_publish_is_offered_only_when_it_would_change_something(
    signed_in_page: SignIn, platform: Platform
) -> None:
    page = signed_in_page("manager")
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/playlists")
    page.get_by_label("New playlist").fill("Nothing yet")
    page.get_by_role("button", name="Create playlist").click()
    publish = page.get_by_role("button", name=re.compile("Publish draft"))

    # Empty: refused beforehand, with the reason, instead of an "Unprocessable Entity" page.
    expect(publish).to_be_disabled()
    expect(page.locator("#publish-refusal")).to_have_text(
        "Add an item first: a playlist with nothing to show cannot be published."
    )
    page.get_by_label("Ready photo or video").select_option(label="sunday-roast.jpg (image)")
    page.get_by_role("button", name="Add to the end").click()
    expect(page.get_by_text("never published")).to_be_visible()
    expect(publish).to_be_enabled()
    publish.click()

    # What plays is the draft: no second, identical version.
    expect(page.get_by_text("Published v1, no changes")).to_be_visible()
    expect(publish).to_be_disabled()
    expect(page.locator("#publish-refusal")).to_have_text(
        "Nothing to publish: screens already play this draft."
    )
    page.get_by_role("button", name="Remove sunday-roast.jpg").click()
    expect(page.get_by_text(re.compile("has changes not yet published"))).to_be_visible()
    expect(publish).to_be_disabled()  # empty again


def test_the_schedule_offers_publish_only_for_a_changed_draft(
    signed_in_page: SignIn, platform: Platform
) -> None:
    publish_schedule(platform.api, platform.headers("manager"), platform.demo.fortescue_id)
    page = signed_in_page("manager")
    page.goto(schedule_url(platform))
    publish = page.get_by_role("button", name=re.compile("Publish draft"))

    expect(page.get_by_text(f"Published v{live_version(platform)}, no changes")).to_be_visible()
    expect(publish).to_be_disabled()
    expect(page.locator("#publish-refusal")).to_have_text(
        "Nothing to publish: screens already play this draft."
    )


# -- item 7: the schedule as a calendar -----------------------------------------------------------


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, "not drawn"
    return found


def slot_link(page: Page, day: str, name: str) -> Locator:
    return page.get_by_role("region", name=f"Draft, {day}").get_by_role(
        "link", name=re.compile(name)
    )


def test_the_week_is_a_calendar_with_overlaps_side_by_side_and_overnight_slots(
    on_desktop: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Yard")
    brunch = published_with_items(platform, "Brunch board", 1)
    quiz = published_with_items(platform, "Quiz promo", 1)
    late = published_with_items(platform, "Late bar", 1)
    api_slot(
        platform, brunch, screen.device_id, daysOfWeekMask=SUNDAY, startMinutes=600, endMinutes=780
    )  # 10:00-13:00
    api_slot(
        platform,
        quiz,
        screen.device_id,
        daysOfWeekMask=SUNDAY,
        startMinutes=660,
        endMinutes=720,
        priority=5,
    )  # 11:00-12:00 over it, priority 5
    api_slot(
        platform, late, screen.device_id, daysOfWeekMask=SATURDAY, startMinutes=1320, endMinutes=120
    )  # Saturday 22:00 to Sunday 02:00
    page = on_desktop("editor")

    page.goto(schedule_url(platform))

    body = box(page.get_by_role("region", name="Draft, Sunday").locator(".cal-body"))
    hour = body["height"] / 24
    brunch_box = box(slot_link(page, "Sunday", "^Edit Brunch board"))
    quiz_block = slot_link(page, "Sunday", "^Edit Quiz promo")
    quiz_box = box(quiz_block)
    # On the time axis: each block starts and ends at its hours.
    assert brunch_box["y"] == pytest.approx(body["y"] + 10 * hour, abs=2)
    assert brunch_box["height"] == pytest.approx(3 * hour, abs=2)
    assert quiz_box["y"] == pytest.approx(body["y"] + 11 * hour, abs=2)
    # Side by side, not on top of each other; the priority is written on the block.
    assert (
        quiz_box["x"] >= brunch_box["x"] + brunch_box["width"] - 1
        or brunch_box["x"] >= quiz_box["x"] + quiz_box["width"] - 1
    )
    expect(quiz_block).to_contain_text("priority 5")
    # Overnight: the evening of Saturday and the early hours of Sunday.
    evening = box(slot_link(page, "Saturday", "^Edit Late bar 22:00"))
    saturday = box(page.get_by_role("region", name="Draft, Saturday").locator(".cal-body"))
    assert evening["y"] == pytest.approx(saturday["y"] + 22 * hour, abs=2)
    assert evening["y"] + evening["height"] == pytest.approx(saturday["y"] + 24 * hour, abs=2)
    morning_block = slot_link(page, "Sunday", "^Edit Late bar .*after midnight")
    morning = box(morning_block)
    assert morning["y"] == pytest.approx(body["y"], abs=2)
    assert morning["height"] == pytest.approx(2 * hour, abs=2)
    expect(morning_block).to_contain_text("02:00")


def test_a_phone_shows_one_day_and_adds_a_slot_from_the_first_screen(
    signed_in_page: SignIn, platform: Platform
) -> None:
    page = signed_in_page("editor")
    page.goto(schedule_url(platform, "day=tue"))

    days = page.get_by_role("region", name=re.compile("^Draft, "))
    expect(days).to_have_count(1)  # a day view: the other six are not drawn
    expect(days).to_have_accessible_name("Draft, Tuesday")
    add = page.get_by_role("link", name="Add a slot")
    found = box(add)
    assert found["y"] + found["height"] <= PHONE["height"]  # no scrolling to reach it
    page.get_by_role("navigation", name="Day").get_by_role("link", name="Wed").click()
    expect(days).to_have_accessible_name("Draft, Wednesday")

    add.click()
    expect(page.get_by_role("heading", name="Add a slot")).to_be_visible()
    expect(page.get_by_label("Playlist")).to_be_in_viewport()


def test_tapping_an_empty_hour_starts_a_slot_there(
    signed_in_page: SignIn, platform: Platform
) -> None:
    pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Hall")
    published_with_items(platform, "Morning news", 1)
    page = signed_in_page("editor")
    page.goto(schedule_url(platform, "day=sat"))
    saturday = page.get_by_role("region", name="Draft, Saturday")
    body = box(saturday.locator(".cal-body"))
    hour = body["height"] / 24

    saturday.locator(".cal-body").click(position={"x": body["width"] / 2, "y": 6.5 * hour})

    expect(page.get_by_role("heading", name="Add a slot")).to_be_visible()
    expect(page.get_by_label("Saturday", exact=True)).to_be_checked()
    expect(page.get_by_label("Monday", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Starts (venue time)")).to_have_value("06:00")
    expect(page.get_by_label("Ends (venue time)")).to_have_value("07:00")
    page.get_by_label("Playlist").select_option(label="Morning news")
    page.get_by_label("Screen or group").select_option(label="Screen: Hall")
    page.get_by_role("button", name="Add slot").click()

    expect(page.get_by_text("Slot added to the draft.")).to_be_visible()
    added = slot_link(
        page, "Saturday", f"^Edit Morning news 06:00{DASH}07:00 on Saturday for Screen: Hall"
    )
    expect(added).to_be_visible()
    assert box(added)["y"] == pytest.approx(
        box(page.get_by_role("region", name="Draft, Saturday").locator(".cal-body"))["y"]
        + 6 * hour,
        abs=2,
    )
