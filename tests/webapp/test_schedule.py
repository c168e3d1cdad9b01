"""The weekly schedule in venue time (§30.8) and a screen's "what plays when" (§21)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.content import add_slot, publish_schedule, published_playlist, ready_asset
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld
from tests.webapp.web import browser, etag_of, post_form, signed_in

WEEKDAYS = 0b0011111  # Monday to Friday
DASH = "\N{EN DASH}"  # how the pages write a span of time


def scheduled_screen(world: VenueWorld) -> tuple[PairedDevice, str]:
    """A screen with "Lunch" published on weekdays 11:30-14:00 venue time; (screen, page URL)."""
    screen = pair(
        world.client, world.as_role("manager"), world.demo.fortescue_id, name="Bar screen"
    )
    asset = ready_asset(world.app, world.demo.tenant_id, world.demo.fortescue_id).asset_id
    base = f"/v1/venues/{world.demo.fortescue_id}/playlists"
    lunch = published_playlist(world.client, world.as_role("manager"), base, [asset], name="Lunch")
    add_slot(
        world.client,
        world.as_role("editor"),
        world.demo.fortescue_id,
        targetType="DEVICE",
        targetId=screen.device_id,
        playlistId=lunch,
        daysOfWeekMask=WEEKDAYS,
        startMinutes=11 * 60 + 30,
        endMinutes=14 * 60,
    )
    publish_schedule(world.client, world.as_role("manager"), world.demo.fortescue_id)
    return screen, f"/app/venues/{world.demo.fortescue_id}/schedule"


def test_the_schedule_shows_published_and_draft_slots_in_venue_time(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)

    page = signed_in(world.client, "viewer").get(page_url).text

    assert "Europe/London" in page
    assert "Published" in page
    assert "(v1)" in page
    assert f"11:30{DASH}14:00" in page
    assert "Lunch" in page
    assert "Screen: Bar screen" in page
    assert page.count(f"11:30{DASH}14:00") == 5  # five weekdays of the draft's calendar
    assert "Published v1, no changes" in page
    assert "Publish draft" not in page  # a viewer publishes nothing
    live = signed_in(world.client, "viewer").get(f"{page_url}?show=live").text
    assert live_calendar(live).count(f"11:30{DASH}14:00") == 5


def test_a_manager_publishes_the_schedule(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    manager = signed_in(world.client, "manager")
    page = manager.get(f"{page_url}/new").text
    post_form(manager, page_url, f"{page_url}/add", **slot_form(page))  # a change to publish
    page = manager.get(page_url).text
    assert "Publish draft" in page

    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))

    assert response.status_code == 303
    assert "Schedule published." in manager.get(response.headers["location"]).text
    schedule = world.client.get(
        f"/v1/venues/{world.demo.fortescue_id}/scheduleset", headers=world.as_role("viewer")
    ).json()
    assert schedule["publishedVersion"] == 2


def test_an_editor_cannot_publish_the_schedule(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(browser(world.app), "editor")
    etag = etag_of(signed_in(world.client, "manager").get(page_url).text)
    assert "Publish draft" not in editor.get(page_url).text

    response = post_form(editor, page_url, f"{page_url}/publish", etag=etag)

    assert response.status_code == 403


def test_the_timeline_says_what_a_screen_plays_when(world: VenueWorld) -> None:
    screen, _ = scheduled_screen(world)
    device_url = f"/app/venues/{world.demo.fortescue_id}/devices/{screen.device_id}"
    viewer = signed_in(world.client, "viewer")
    assert f"{device_url}/timeline" in viewer.get(device_url).text

    page = viewer.get(f"{device_url}/timeline").text

    # The clock is Monday 15 June 2026 12:00 UTC, 13:00 in London (BST): lunch is on now.
    assert "Europe/London" in page
    assert f"Mon 15 Jun 13:00 {DASH} 14:00" in page
    assert "Lunch" in page
    assert f"Tue 16 Jun 11:30 {DASH} 14:00" in page
    # An interval that ends the next day shows that day, even when shorter than 24 h.
    assert f"Mon 15 Jun 14:00 {DASH} Tue 16 Jun 11:30" in page


# -- editing the week (issue #9) -----------------------------------------------------------------


def api_schedule(world: VenueWorld) -> dict[str, Any]:
    response = world.client.get(
        f"/v1/venues/{world.demo.fortescue_id}/scheduleset", headers=world.as_role("viewer")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def option_value(page: str, label: str) -> str:
    found = re.search(r'<option value="([^"]+)"[^>]*>' + re.escape(label), page)
    assert found, f"{label} is not offered"
    return found.group(1)


def slot_form(page: str, **changes: str) -> dict[str, str]:
    """The slot form as a user fills it in: Lunch on the bar screen, Monday and Wednesday
    17:00-19:00, turned on; with the page's ETag."""
    fields = {
        "etag": etag_of(page),
        "playlist_id": option_value(page, "Lunch"),
        "target": option_value(page, "Screen: Bar screen"),
        "day_mon": "on",
        "day_wed": "on",
        "start": "17:00",
        "end": "19:00",
        "priority": "0",
        "enabled": "on",
    }
    return {**fields, **changes}


def between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def draft_part(page: str) -> str:
    return between(page, "<h3>Draft", "<h3>Publish history")


def live_calendar(page: str) -> str:
    return between(page, "<h3>Published", "<h3>Publish history")


def published_part(client: TestClient, page_url: str) -> str:
    """The calendar of what plays (?show=live)."""
    return live_calendar(client.get(f"{page_url}?show=live").text)


def shown(span: str) -> str:
    """A slot's time as the grid writes it (its buttons' names repeat it)."""
    return f'<span class="when">{span}'


def test_an_editor_adds_a_slot_and_sees_it_in_the_draft(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(world.client, "editor")
    schedule_page = editor.get(page_url).text
    assert f'href="{page_url}/new">Add a slot</a>' in schedule_page
    assert "Publish draft" not in schedule_page  # publishing is a manager's (§5)
    page = editor.get(f"{page_url}/new").text

    response = post_form(editor, page_url, f"{page_url}/add", **slot_form(page))

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Slot added to the draft." in after
    assert draft_part(after).count(shown(f"17:00{DASH}19:00")) == 2  # Monday and Wednesday
    assert shown(f"17:00{DASH}19:00") not in published_part(editor, page_url)
    assert f"Edit Lunch 17:00{DASH}19:00 on Monday, Wednesday for Screen: Bar screen" in after
    added = [s for s in api_schedule(world)["slots"] if s["startMinutes"] == 1020]
    assert [(s["endMinutes"], s["daysOfWeekMask"], s["enabled"]) for s in added] == [
        (1140, 0b101, True)
    ]


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        ("21:00", "02:00", (1260, 120)),  # runs past midnight (§30.4)
        # start == end is one rule (signage.scheduling.model.SlotRule): a full day from the
        # start, on the web form as on /v1 and in the resolver (issue 14 item 3)
        ("17:00", "17:00", (1020, 1020)),
    ],
)
def test_a_slot_can_run_past_midnight(
    world: VenueWorld, start: str, end: str, stored: tuple[int, int]
) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(world.client, "editor")
    page = editor.get(f"{page_url}/new").text

    form = slot_form(page, start=start, end=end, day_wed="")
    response = post_form(editor, page_url, f"{page_url}/add", **form)

    assert response.status_code == 303
    assert shown(f"{start}{DASH}{end} next day") in editor.get(page_url).text
    slots = api_schedule(world)["slots"]
    assert (*stored, 0b1) in {
        (s["startMinutes"], s["endMinutes"], s["daysOfWeekMask"]) for s in slots
    }


def test_an_editor_edits_a_slot_and_turns_it_off(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(world.client, "editor")
    slot_id = api_schedule(world)["slots"][0]["slotId"]
    edit_url = f"{page_url}/slots/{slot_id}"
    assert f'href="{edit_url}"' in editor.get(page_url).text
    page = editor.get(edit_url).text
    assert "<h1>Edit slot</h1>" in page
    assert 'value="11:30"' in page
    assert 'value="14:00"' in page
    assert 'name="day_fri" checked' in page
    assert 'name="day_sat" checked' not in page

    form = slot_form(page, start="12:00", end="00:00", priority="2")
    del form["enabled"]  # the "Slot is on" box unticked
    response = post_form(editor, edit_url, f"{edit_url}/save", **form)

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Slot saved in the draft." in after
    assert draft_part(after).count(shown(f"12:00{DASH}24:00")) == 2
    assert shown(f"11:30{DASH}14:00") not in draft_part(after)
    assert shown(f"11:30{DASH}14:00") in published_part(editor, page_url)  # until published
    (slot,) = api_schedule(world)["slots"]
    assert (slot["startMinutes"], slot["endMinutes"], slot["daysOfWeekMask"]) == (720, 0, 0b101)
    assert (slot["priority"], slot["enabled"]) == (2, False)


def test_an_editor_removes_a_slot(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(world.client, "editor")
    slot_id = api_schedule(world)["slots"][0]["slotId"]
    assert f"Edit Lunch 11:30{DASH}14:00 on Monday, Tuesday" in editor.get(page_url).text
    page = editor.get(f"{page_url}/slots/{slot_id}").text  # its "Remove this slot" button

    response = post_form(
        editor, page_url, f"{page_url}/remove", etag=etag_of(page), slot_id=slot_id
    )

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Slot removed from the draft." in after
    assert shown(f"11:30{DASH}14:00") not in draft_part(after)
    assert api_schedule(world)["slots"] == []


def test_a_change_from_a_stale_page_asks_to_reload(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(world.client, "editor")
    slot_id = api_schedule(world)["slots"][0]["slotId"]
    edit_url = f"{page_url}/slots/{slot_id}"
    page, edit_page = editor.get(f"{page_url}/new").text, editor.get(edit_url).text
    screen = option_value(page, "Screen: Bar screen").split(":", 1)[1]
    playlist = option_value(page, "Lunch")
    add_slot(  # someone else, meanwhile
        world.client,
        world.as_role("manager"),
        world.demo.fortescue_id,
        targetType="DEVICE",
        targetId=screen,
        playlistId=playlist,
        daysOfWeekMask=0b1,
        startMinutes=8 * 60,
        endMinutes=9 * 60,
    )

    added = post_form(editor, page_url, f"{page_url}/add", **slot_form(page))
    saved = post_form(editor, edit_url, f"{edit_url}/save", **slot_form(edit_page))
    removed = post_form(editor, page_url, f"{page_url}/remove", etag=etag_of(page), slot_id=slot_id)

    for response, reload_url in ((added, page_url), (saved, edit_url), (removed, page_url)):
        assert response.status_code == 412
        assert "Someone else changed this schedule" in response.text
        assert f'href="{reload_url}?kept=1">Reload</a>' in response.text  # refilled
    assert len(api_schedule(world)["slots"]) == 2  # theirs kept, nothing lost


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day_mon": "", "day_wed": ""}, "Tick at least one day."),
        ({"start": "5pm"}, "Give the start time as hours and minutes"),
        ({"end": "25:00"}, "Give the end time as hours and minutes"),
        ({"playlist_id": str(uuid.uuid4())}, "no such playlist here"),
        ({"playlist_id": ""}, "Choose a playlist."),
        ({"target": f"GROUP:{uuid.uuid4()}"}, "no such target here"),
        ({"target": "somewhere"}, "Choose a screen or group."),
        ({"priority": "very"}, "Priority is a whole number"),
    ],
)
def test_a_slot_form_that_cannot_be_a_slot_is_explained(
    world: VenueWorld,
    changes: dict[str, str],
    message: str,
) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(world.client, "editor")
    page = editor.get(f"{page_url}/new").text

    response = post_form(editor, page_url, f"{page_url}/add", **slot_form(page, **changes))

    assert response.status_code == 422
    assert message in response.text
    assert len(api_schedule(world)["slots"]) == 1


def test_a_viewer_sees_no_editing_and_is_refused(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor_page = signed_in(browser(world.app), "editor").get(f"{page_url}/new").text
    slot_id = api_schedule(world)["slots"][0]["slotId"]
    viewer = signed_in(world.client, "viewer")

    page = viewer.get(page_url).text

    for button in ("Add a slot", ">Edit ", 'aria-label="Remove ', "Roll back to"):
        assert button not in page
    assert "hx-post" not in page  # a viewer does not announce editing
    assert viewer.get(f"{page_url}/slots/{slot_id}").status_code == 403
    added = post_form(viewer, page_url, f"{page_url}/add", **slot_form(editor_page))
    assert added.status_code == 403
    assert len(api_schedule(world)["slots"]) == 1


def test_a_manager_rolls_the_schedule_back_to_an_earlier_version(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)  # v1: lunch 11:30-14:00
    manager = signed_in(world.client, "manager")
    page = manager.get(page_url).text
    slot_id = api_schedule(world)["slots"][0]["slotId"]
    post_form(manager, page_url, f"{page_url}/remove", etag=etag_of(page), slot_id=slot_id)
    page = manager.get(f"{page_url}/new").text
    post_form(manager, page_url, f"{page_url}/add", **slot_form(page))
    page = manager.get(page_url).text
    published = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))
    assert published.status_code == 303
    page = manager.get(page_url).text
    assert shown(f"17:00{DASH}19:00") in published_part(manager, page_url)  # v2
    assert "Roll back to v1" in page
    assert "Roll back to v2" not in page  # v2 is live

    response = post_form(
        manager, page_url, f"{page_url}/rollback", etag=etag_of(page), to_version="1"
    )

    assert response.status_code == 303
    after = manager.get(response.headers["location"]).text
    assert "Version 1 is live again as a new version." in after
    live = published_part(manager, page_url)
    assert "(v3)" in live
    assert live.count(shown(f"11:30{DASH}14:00")) == 5
    assert shown(f"17:00{DASH}19:00") not in live
    assert shown(f"17:00{DASH}19:00") in draft_part(after)  # the draft is left as it was
    assert "rollback to v1" in after
    assert api_schedule(world)["publishedVersion"] == 3


def test_an_editor_cannot_roll_back_the_schedule(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    # v2, so v1 could return
    publish_schedule(world.client, world.as_role("manager"), world.demo.fortescue_id)
    editor = signed_in(world.client, "editor")
    assert "Roll back to" not in editor.get(page_url).text
    assert "Publish history" in editor.get(page_url).text
    page = editor.get(f"{page_url}/new").text

    response = post_form(
        editor, page_url, f"{page_url}/rollback", etag=etag_of(page), to_version="1"
    )

    assert response.status_code == 403
    assert api_schedule(world)["publishedVersion"] == 2


def test_presence_shows_who_else_is_editing_the_schedule(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(browser(world.app), "editor")
    announced = post_form(editor, page_url, f"{page_url}/presence")  # what htmx posts on load
    assert announced.status_code == 200

    page = signed_in(world.client, "manager").get(page_url).text

    assert "Sam Editor is editing" in page
    assert f'hx-post="{page_url}/presence"' in page
    assert "is editing" not in editor.get(page_url).text


# -- the draft against what plays, and the add page (issue 19 items 1, 2, 7) ----------------------


def test_an_unchanged_schedule_is_not_published_again(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    manager = signed_in(world.client, "manager")
    page = manager.get(page_url).text
    assert "Published v1, no changes" in page
    assert 'disabled aria-describedby="publish-refusal"' in page

    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))

    assert response.status_code == 422
    assert "Nothing to publish: screens already play this draft." in response.text
    assert api_schedule(world)["publishedVersion"] == 1


def test_a_discard_brings_back_the_slots_that_play(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    (lunch,) = api_schedule(world)["slots"]
    editor = signed_in(browser(world.app), "editor")
    post_form(editor, page_url, f"{page_url}/add", **slot_form(editor.get(f"{page_url}/new").text))
    post_form(
        editor,
        page_url,
        f"{page_url}/remove",
        etag=etag_of(editor.get(f"{page_url}/new").text),
        slot_id=lunch["slotId"],
    )
    page = editor.get(page_url).text
    assert "has changes not yet published" in page
    for role, status in (("viewer", 403), ("other_admin", 404)):
        outsider = signed_in(browser(world.app), role)
        refused = post_form(outsider, "/app/", f"{page_url}/discard", etag=etag_of(page))
        assert refused.status_code == status, role

    response = post_form(editor, page_url, f"{page_url}/discard", etag=etag_of(page))

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Draft changes discarded" in after
    assert "Published v1, no changes" in after
    (slot,) = api_schedule(world)["slots"]
    assert slot == lunch | {"updatedAtUtc": slot["updatedAtUtc"]}  # the same slot, same id
    assert slot["updatedAtUtc"] == lunch["updatedAtUtc"]  # ties still settle as they did (§7)


def test_the_add_page_starts_from_a_tapped_hour_and_is_the_venues_own(world: VenueWorld) -> None:
    _, page_url = scheduled_screen(world)
    editor = signed_in(browser(world.app), "editor")

    page = editor.get(f"{page_url}/new?day=sat&start=23:00").text

    assert '<h1 id="add-slot">Add a slot</h1>' in page
    assert 'name="day_sat" checked' in page
    assert 'name="day_mon" checked' not in page
    assert 'value="23:00"' in page
    assert 'value="00:00"' in page  # an hour later: midnight
    junk = editor.get(f"{page_url}/new?day=someday&start=25:99").text
    assert " checked> Monday" not in junk
    assert 'id="slot-start" name="start" type="time" value=""' in junk
    assert signed_in(browser(world.app), "viewer").get(f"{page_url}/new").status_code == 403
    assert signed_in(browser(world.app), "other_admin").get(f"{page_url}/new").status_code == 404
