"""The weekly schedule in venue time (§30.8) and a screen's "what plays when" (§21)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Signer
from tests.support.content import add_slot, publish_schedule, published_playlist, ready_asset
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, pair
from tests.webapp.web import browser, etag_of, post_form, signed_in

WEEKDAYS = 0b0011111  # Monday to Friday
DASH = "\N{EN DASH}"  # how the pages write a span of time


def scheduled_screen(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> tuple[PairedDevice, str]:
    """A screen with "Lunch" published on weekdays 11:30-14:00 venue time; (screen, page URL)."""
    screen = pair(client, as_role("manager"), demo.fortescue_id, name="Bar screen")
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id).asset_id
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    lunch = published_playlist(client, as_role("manager"), base, [asset], name="Lunch")
    add_slot(
        client,
        as_role("editor"),
        demo.fortescue_id,
        targetType="DEVICE",
        targetId=screen.device_id,
        playlistId=lunch,
        daysOfWeekMask=WEEKDAYS,
        startMinutes=11 * 60 + 30,
        endMinutes=14 * 60,
    )
    publish_schedule(client, as_role("manager"), demo.fortescue_id)
    return screen, f"/app/venues/{demo.fortescue_id}/schedule"


def test_the_schedule_shows_published_and_draft_slots_in_venue_time(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)

    page = signed_in(client, "viewer").get(page_url).text

    assert "Europe/London" in page
    assert "Published" in page
    assert "(v1)" in page
    assert f"11:30{DASH}14:00" in page
    assert "Lunch" in page
    assert "Screen: Bar screen" in page
    assert page.count(f"11:30{DASH}14:00") == 10  # five weekdays, published and draft
    assert "Publish draft" not in page  # a viewer publishes nothing


def test_a_manager_publishes_the_schedule(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    manager = signed_in(client, "manager")
    page = manager.get(page_url).text
    assert "Publish draft" in page

    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))

    assert response.status_code == 303
    assert "Schedule published." in manager.get(response.headers["location"]).text
    schedule = client.get(
        f"/v1/venues/{demo.fortescue_id}/scheduleset", headers=as_role("viewer")
    ).json()
    assert schedule["publishedVersion"] == 2


def test_an_editor_cannot_publish_the_schedule(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(browser(app), "editor")
    etag = etag_of(signed_in(client, "manager").get(page_url).text)
    assert "Publish draft" not in editor.get(page_url).text

    response = post_form(editor, page_url, f"{page_url}/publish", etag=etag)

    assert response.status_code == 403


def test_the_timeline_says_what_a_screen_plays_when(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    screen, _ = scheduled_screen(client, app, as_role, demo)
    device_url = f"/app/venues/{demo.fortescue_id}/devices/{screen.device_id}"
    viewer = signed_in(client, "viewer")
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


def api_schedule(client: TestClient, as_role: Signer, demo: Demo) -> dict[str, Any]:
    response = client.get(f"/v1/venues/{demo.fortescue_id}/scheduleset", headers=as_role("viewer"))
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


def published_part(page: str) -> str:
    return between(page, "<h3>Published", "<h3>Draft")


def shown(span: str) -> str:
    """A slot's time as the grid writes it (its buttons' names repeat it)."""
    return f'<span class="when">{span}'


def test_an_editor_adds_a_slot_and_sees_it_in_the_draft(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    assert "Add a slot" in page
    assert "Publish draft" not in page  # publishing is a manager's (§5)

    response = post_form(editor, page_url, f"{page_url}/add", **slot_form(page))

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Slot added to the draft." in after
    assert draft_part(after).count(shown(f"17:00{DASH}19:00")) == 2  # Monday and Wednesday
    assert shown(f"17:00{DASH}19:00") not in published_part(after)
    assert f"Remove Lunch 17:00{DASH}19:00 on Monday, Wednesday for Screen: Bar screen" in after
    added = [s for s in api_schedule(client, as_role, demo)["slots"] if s["startMinutes"] == 1020]
    assert [(s["endMinutes"], s["daysOfWeekMask"], s["enabled"]) for s in added] == [
        (1140, 0b101, True)
    ]


def test_a_slot_can_run_past_midnight(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text

    form = slot_form(page, start="21:00", end="02:00", day_wed="")
    response = post_form(editor, page_url, f"{page_url}/add", **form)

    assert response.status_code == 303
    assert shown(f"21:00{DASH}02:00 next day") in editor.get(page_url).text
    slots = api_schedule(client, as_role, demo)["slots"]
    assert (1260, 120, 0b1) in {
        (s["startMinutes"], s["endMinutes"], s["daysOfWeekMask"]) for s in slots
    }


def test_an_editor_edits_a_slot_and_turns_it_off(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(client, "editor")
    slot_id = api_schedule(client, as_role, demo)["slots"][0]["slotId"]
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
    assert shown(f"11:30{DASH}14:00") in published_part(after)  # until a manager publishes
    (slot,) = api_schedule(client, as_role, demo)["slots"]
    assert (slot["startMinutes"], slot["endMinutes"], slot["daysOfWeekMask"]) == (720, 0, 0b101)
    assert (slot["priority"], slot["enabled"]) == (2, False)


def test_an_editor_removes_a_slot(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    slot_id = api_schedule(client, as_role, demo)["slots"][0]["slotId"]
    assert f"Remove Lunch 11:30{DASH}14:00 on Monday, Tuesday" in page

    response = post_form(
        editor, page_url, f"{page_url}/remove", etag=etag_of(page), slot_id=slot_id
    )

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Slot removed from the draft." in after
    assert shown(f"11:30{DASH}14:00") not in draft_part(after)
    assert api_schedule(client, as_role, demo)["slots"] == []


def test_a_change_from_a_stale_page_asks_to_reload(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(client, "editor")
    slot_id = api_schedule(client, as_role, demo)["slots"][0]["slotId"]
    edit_url = f"{page_url}/slots/{slot_id}"
    page, edit_page = editor.get(page_url).text, editor.get(edit_url).text
    screen = option_value(page, "Screen: Bar screen").split(":", 1)[1]
    playlist = option_value(page, "Lunch")
    add_slot(  # someone else, meanwhile
        client,
        as_role("manager"),
        demo.fortescue_id,
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
        assert f'href="{reload_url}">Reload</a>' in response.text
    assert len(api_schedule(client, as_role, demo)["slots"]) == 2  # theirs kept, nothing lost


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day_mon": "", "day_wed": ""}, "Tick at least one day."),
        ({"end": "17:00"}, "The slot starts and ends at the same time."),
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
    client: TestClient,
    app: FastAPI,
    as_role: Signer,
    demo: Demo,
    changes: dict[str, str],
    message: str,
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text

    response = post_form(editor, page_url, f"{page_url}/add", **slot_form(page, **changes))

    assert response.status_code == 422
    assert message in response.text
    assert len(api_schedule(client, as_role, demo)["slots"]) == 1


def test_a_viewer_sees_no_editing_and_is_refused(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor_page = signed_in(browser(app), "editor").get(page_url).text
    slot_id = api_schedule(client, as_role, demo)["slots"][0]["slotId"]
    viewer = signed_in(client, "viewer")

    page = viewer.get(page_url).text

    for button in ("Add a slot", 'aria-label="Edit ', 'aria-label="Remove ', "Roll back to"):
        assert button not in page
    assert "hx-post" not in page  # a viewer does not announce editing
    assert viewer.get(f"{page_url}/slots/{slot_id}").status_code == 403
    added = post_form(viewer, page_url, f"{page_url}/add", **slot_form(editor_page))
    assert added.status_code == 403
    assert len(api_schedule(client, as_role, demo)["slots"]) == 1


def test_a_manager_rolls_the_schedule_back_to_an_earlier_version(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)  # v1: lunch 11:30-14:00
    manager = signed_in(client, "manager")
    page = manager.get(page_url).text
    slot_id = api_schedule(client, as_role, demo)["slots"][0]["slotId"]
    post_form(manager, page_url, f"{page_url}/remove", etag=etag_of(page), slot_id=slot_id)
    page = manager.get(page_url).text
    post_form(manager, page_url, f"{page_url}/add", **slot_form(page))
    page = manager.get(page_url).text
    published = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))
    assert published.status_code == 303
    page = manager.get(page_url).text
    assert shown(f"17:00{DASH}19:00") in published_part(page)  # v2
    assert "Roll back to v1" in page
    assert "Roll back to v2" not in page  # v2 is live

    response = post_form(
        manager, page_url, f"{page_url}/rollback", etag=etag_of(page), to_version="1"
    )

    assert response.status_code == 303
    after = manager.get(response.headers["location"]).text
    assert "Version 1 is live again as a new version." in after
    assert "Published (v3)" in after
    assert published_part(after).count(shown(f"11:30{DASH}14:00")) == 5
    assert shown(f"17:00{DASH}19:00") not in published_part(after)
    assert shown(f"17:00{DASH}19:00") in draft_part(after)  # the draft is left as it was
    assert "rollback to v1" in after
    assert api_schedule(client, as_role, demo)["publishedVersion"] == 3


def test_an_editor_cannot_roll_back_the_schedule(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    publish_schedule(client, as_role("manager"), demo.fortescue_id)  # v2, so v1 could return
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    assert "Roll back to" not in page
    assert "Publish history" in page

    response = post_form(
        editor, page_url, f"{page_url}/rollback", etag=etag_of(page), to_version="1"
    )

    assert response.status_code == 403
    assert api_schedule(client, as_role, demo)["publishedVersion"] == 2


def test_presence_shows_who_else_is_editing_the_schedule(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(browser(app), "editor")
    announced = post_form(editor, page_url, f"{page_url}/presence")  # what htmx posts on load
    assert announced.status_code == 200

    page = signed_in(client, "manager").get(page_url).text

    assert "Sam Editor is editing" in page
    assert f'hx-post="{page_url}/presence"' in page
    assert "is editing" not in editor.get(page_url).text
