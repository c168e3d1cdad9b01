"""The asset library, screens and groups as their users keep them tidy (issue 19 items 4-6), in
Debian's Chromium against the live platform: several uploads at once, each with its own progress
and READY/FAILED, files the browser refuses before a byte is sent, the same bytes offered as
"already in your library"; rename, delete, search and filters; groups of screens."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from signage.content.ingestion import ingest_asset
from signage.db.models import Asset
from signage.media.rules import MediaLimits
from signage.storage.base import utc_now
from tests.support.devices import pair
from tests.support.media_factory import make_jpeg, make_mp4
from tests.webapp.browser.live import Platform, SignIn

pytestmark = pytest.mark.browser
# Screens are paired with the admin's token: every sign-in counts against the login limit of
# 5 a minute per account, and the manager signs in often in the next module.
TIMES = "\N{MULTIPLICATION SIGN}"  # as the page writes picture sizes


def assets_url(platform: Platform) -> str:
    return f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/assets"


def ingest_launched(platform: Platform, since: int) -> None:
    """Run the ingestion the API asked for since `since`, as the pipeline's daemon would."""
    for asset_id in platform.launcher.launched[since:]:
        ingest_asset(
            platform.database,
            platform.app.state.context.storage,
            uuid.UUID(asset_id),
            limits=MediaLimits.from_settings(platform.settings),
            clock=utc_now,
        )


def asset_names(platform: Platform) -> set[str]:
    with platform.database.unit_of_work() as session:
        return set(
            session.scalars(
                select(Asset.display_name).where(Asset.tenant_id == platform.demo.tenant_id)
            )
        )


def upload(page: Page, *files: Path) -> None:
    page.get_by_label(re.compile("JPEG, PNG or MP4")).set_input_files(list(files))
    page.get_by_role("button", name="Upload", exact=True).click()


def upload_row(page: Page, name: str) -> Locator:
    return page.locator("li.upload", has_text=name)


def test_several_files_upload_from_the_library_each_to_ready_or_failed(
    signed_in_page: SignIn, platform: Platform, tmp_path: Path
) -> None:
    terrace = make_jpeg(tmp_path / "terrace-lights.jpg", 1000, 600)
    portrait = make_jpeg(tmp_path / "menu-board.jpg", 720, 1280)  # portrait 1080p is fine
    poster = make_jpeg(tmp_path / "huge-poster.jpg", 2400, 1350)
    film = make_mp4(tmp_path / "long-film.mp4", width=64, height=36, seconds=125, fps=1,
                    audio_codec=None)  # fmt: skip
    page = signed_in_page("editor")
    page.goto(assets_url(platform))
    # The limits are on the page before anything is chosen.
    expect(page.locator("#upload-limits")).to_contain_text(f"1920{TIMES}1080")
    expect(page.locator("#upload-limits")).to_contain_text("120 s")
    launched = len(platform.launcher.launched)

    upload(page, terrace, portrait, poster, film)

    # The browser refuses what it can read is over the limits, before a byte is sent.
    expect(upload_row(page, "huge-poster.jpg")).to_contain_text("FAILED")
    expect(upload_row(page, "huge-poster.jpg")).to_contain_text(f"2400{TIMES}1350 is larger than")
    expect(upload_row(page, "long-film.mp4")).to_contain_text("at most 120 s")
    expect(upload_row(page, "long-film.mp4")).to_contain_text("Nothing was sent")
    for name in ("terrace-lights.jpg", "menu-board.jpg"):
        expect(upload_row(page, name).locator(".asset-status")).to_contain_text("Processing")
        assert upload_row(page, name).locator("progress").evaluate("bar => bar.value") == 100
    assert len(platform.launcher.launched) == launched + 2
    assert not {"huge-poster.jpg", "long-film.mp4"} & asset_names(platform)
    # The form starts afresh: the files just sent are no longer chosen.
    assert page.locator("#upload-file").evaluate("input => input.files.length") == 0

    ingest_launched(platform, launched)
    for name in ("terrace-lights.jpg", "menu-board.jpg"):
        expect(upload_row(page, name)).to_contain_text("Ready.", timeout=10_000)


def test_the_same_file_again_is_offered_as_already_in_the_library(
    signed_in_page: SignIn, platform: Platform, tmp_path: Path
) -> None:
    photo = make_jpeg(tmp_path / "quiz-night.jpg", 1010, 610)
    page = signed_in_page("editor")
    page.goto(assets_url(platform))
    launched = len(platform.launcher.launched)
    upload(page, photo)
    expect(upload_row(page, "quiz-night.jpg").locator(".asset-status")).to_contain_text(
        "Processing"
    )
    ingest_launched(platform, launched)

    page.goto(assets_url(platform))
    copy = tmp_path / "copy"
    copy.mkdir()
    again = copy / "quiz-night-copy.jpg"
    again.write_bytes(photo.read_bytes())
    upload(page, again)

    row = upload_row(page, "quiz-night-copy.jpg")
    expect(row).to_contain_text("Already in your library as quiz-night.jpg")
    assert len(platform.launcher.launched) == launched + 1  # nothing stored twice
    assert "quiz-night-copy.jpg" not in asset_names(platform)

    row.get_by_role("button", name="Upload anyway").click()  # the user's call
    expect(row.locator(".asset-status")).to_contain_text("Processing")
    assert "quiz-night-copy.jpg" in asset_names(platform)


def venue_url(platform: Platform, rest: str = "") -> str:
    return f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}{rest}"


def test_a_manager_groups_screens_and_the_schedule_shows_who_is_in_which_group(
    signed_in_page: SignIn, platform: Platform
) -> None:
    """Issue 19 item 6: groups are created, renamed and deleted in the app, a screen moves
    between them, its page shows its group, the schedule's target picker the membership."""
    screen = pair(platform.api, platform.headers("admin"), platform.demo.fortescue_id, "Snug TV")
    page = signed_in_page("manager")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(venue_url(platform))
    page.get_by_role("link", name="Groups", exact=True).click()
    page.get_by_label("New group").fill("Snug screens")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("status")).to_have_text("Group added.")
    page.get_by_label("New group").fill("Garden screens")
    page.get_by_role("button", name="Create group").click()

    page.goto(venue_url(platform, f"/devices/{screen.device_id}"))
    expect(page.locator("#screen-group")).to_contain_text("Group: none")
    page.get_by_text("Move, rename or remove this screen").click()
    page.get_by_label("Group", exact=True).select_option(label="Snug screens")
    page.get_by_role("button", name="Move to group").click()
    expect(page.locator("#screen-group")).to_contain_text("Group: Snug screens")

    page.goto(venue_url(platform, "/schedule/new"))  # the add-slot form (item 7)
    options = page.locator("select[name=target] option").all_inner_texts()
    assert "Group: Snug screens (1 screen: Snug TV)" in options
    assert "Group: Garden screens (no screens yet)" in options
    assert "Screen: Snug TV (in Snug screens)" in options

    page.goto(venue_url(platform, "/groups"))
    snug = page.locator("li[data-group]", has_text="Snug screens")
    expect(snug).to_contain_text("1 screen: Snug TV")
    snug.get_by_text("Change").click()
    snug.get_by_label("New name").fill("Snug and lounge")
    snug.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("status")).to_have_text("Group renamed.")
    page.goto(venue_url(platform, f"/devices/{screen.device_id}"))
    expect(page.locator("#screen-group")).to_contain_text("Group: Snug and lounge")

    page.goto(venue_url(platform, "/groups"))
    snug = page.locator("li[data-group]", has_text="Snug and lounge")
    snug.get_by_text("Change").click()
    snug.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Group deleted")
    expect(page.locator("li[data-group]", has_text="Snug and lounge")).to_have_count(0)
    page.goto(venue_url(platform, f"/devices/{screen.device_id}"))
    expect(page.locator("#screen-group")).to_contain_text("Group: none")


def test_a_viewer_sees_groups_but_no_way_to_change_them(
    signed_in_page: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("admin"), platform.demo.fortescue_id, "Porch")
    page = signed_in_page("viewer")
    page.goto(venue_url(platform, "/groups"))
    expect(page.get_by_role("heading", name="Screen groups")).to_be_visible()
    expect(page.get_by_label("New group")).to_have_count(0)
    page.goto(venue_url(platform, f"/devices/{screen.device_id}"))
    expect(page.locator("#screen-group")).to_contain_text("Group: none")
    expect(page.get_by_text("Move, rename or remove this screen")).to_have_count(0)


def find_assets(page: Page, **fields: str) -> None:
    form = page.get_by_role("search", name="Find assets")
    for label, value in fields.items():
        field = form.get_by_label(label.capitalize())
        if label == "name":
            field.fill(value)
        else:
            field.select_option(label=value)
    form.get_by_role("button", name="Find").click()


def listed_assets(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("#assets li strong").all_inner_texts()]


def test_the_library_is_searched_renamed_and_tidied_by_those_allowed(
    signed_in_page: SignIn, platform: Platform, tmp_path: Path
) -> None:
    """Issue 19 item 5: search and filters; rename and delete an own asset; a shared asset is
    changed only by those the shared library allows, and one still in a playlist says where."""
    photo = make_jpeg(tmp_path / "darts-league.jpg", 1020, 620)
    page = signed_in_page("editor")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(assets_url(platform))
    upload(page, photo)
    expect(upload_row(page, "darts-league.jpg").locator(".asset-status")).to_be_visible()

    page.goto(assets_url(platform))
    find_assets(page, name="DARTS")
    assert listed_assets(page) == ["darts-league.jpg"]
    find_assets(page, name="", where="Shared library")
    shared = listed_assets(page)
    assert "two-for-one.jpg" in shared
    assert "darts-league.jpg" not in shared
    find_assets(page, where="Anywhere", type="video", status="failed")
    expect(page.locator("#assets")).to_have_text("No assets match.")
    page.get_by_role("link", name="Show all").click()

    # The editor changes the venue's own asset, not the shared library's.
    own = page.locator("#assets li", has_text="darts-league.jpg")
    expect(
        page.locator("#assets li", has_text="two-for-one.jpg").get_by_text("Change")
    ).to_have_count(0)
    own.get_by_text("Change").click()
    own.get_by_label("New name").fill("Darts league final")
    own.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("status")).to_have_text("Renamed to Darts league final.")
    renamed = page.locator("#assets li", has_text="Darts league final")
    renamed.get_by_text("Change").click()
    renamed.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Deleted Darts league final.")
    expect(page.locator("#assets li", has_text="Darts league final")).to_have_count(0)

    # A tenant admin may change the shared library; an asset in a playlist says where it is.
    admin = signed_in_page("admin")
    admin.on("dialog", lambda dialog: dialog.accept())
    admin.goto(assets_url(platform))
    card = admin.locator("#assets li", has_text="two-for-one.jpg")
    card.get_by_text("Change").click()
    card.get_by_role("button", name="Delete").click()
    # The browser tests share one platform per worker: playlists other test files made with
    # this asset may be listed before the demo's own.
    used_by = re.compile(r"used by playlists \([^)]*House promotions[^)]*\)")
    expect(admin.get_by_role("alert")).to_contain_text(used_by)


def test_a_shared_playlist_is_changed_by_a_shared_library_editor_only(
    signed_in_page: SignIn, platform: Platform
) -> None:
    admin = signed_in_page("admin")
    admin.goto(venue_url(platform, "/playlists"))
    admin.get_by_label("New playlist").fill("Brewery week")
    admin.get_by_label("For", exact=True).select_option(label="Every venue (shared library)")
    admin.get_by_role("button", name="Create playlist").click()
    expect(admin.get_by_text("shared library: changes reach every venue")).to_be_visible()
    admin.get_by_label("Ready photo or video").select_option(label="cocktails.jpg (image)")
    admin.get_by_role("button", name="Add to the end").click()
    expect(admin.locator("ol.items > li")).to_have_count(1)

    editor = signed_in_page("editor")
    editor.goto(admin.url)
    expect(editor.get_by_text("changed by those who may change the shared library")).to_be_visible()
    expect(editor.get_by_role("button", name="Add to the end")).to_have_count(0)
    editor.goto(venue_url(platform, "/playlists"))
    expect(editor.get_by_label("For", exact=True)).to_have_count(0)


def test_a_manager_renames_and_removes_a_screen(signed_in_page: SignIn, platform: Platform) -> None:
    screen = pair(platform.api, platform.headers("admin"), platform.demo.fortescue_id, "Cellar")
    page = signed_in_page("manager")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(venue_url(platform, f"/devices/{screen.device_id}"))
    page.get_by_text("Move, rename or remove this screen").click()
    page.get_by_label("Name", exact=True).fill("Cellar bar")
    page.get_by_role("button", name="Rename screen").click()
    expect(page.get_by_role("heading", name="Cellar bar", exact=True)).to_be_visible()
    page.get_by_text("Move, rename or remove this screen").click()
    page.get_by_role("button", name="Remove screen").click()
    expect(page.get_by_role("heading", name="Fortescue Arms")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Cellar bar"))).to_have_count(0)


def test_a_tenant_admin_disables_a_person_and_archives_a_venue(
    signed_in_page: SignIn, platform: Platform
) -> None:
    page = signed_in_page("admin")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{platform.base_url}/app/admin/users")
    page.get_by_label("E-mail").fill("temp.barman@demo.example")
    page.get_by_label("Name", exact=True).fill("Temp Barman")
    page.get_by_label(re.compile("Initial password")).fill("a long enough password")
    page.get_by_role("button", name="Add person").click()
    page.get_by_role("link", name=re.compile("Temp Barman")).click()
    page.get_by_role("button", name="Disable Temp Barman").click()
    expect(page.get_by_role("status")).to_contain_text("Disabled")
    expect(page.get_by_role("button", name="Enable Temp Barman")).to_be_visible()

    page.goto(f"{platform.base_url}/app/admin/venues")
    page.get_by_label("Name", exact=True).fill("Pop-up Bar")
    page.get_by_role("button", name="Add venue").click()
    page.get_by_role("link", name=re.compile("Pop-up Bar")).click()
    venue_id = page.url.rstrip("/").rsplit("/", 1)[1]
    screen = pair(platform.api, platform.headers("admin"), venue_id, "Pop-up TV")
    page.get_by_role("button", name="Archive Pop-up Bar").click()
    expect(page.get_by_role("alert")).to_contain_text("still has screens (Pop-up TV)")

    platform.api.delete(
        f"/v1/venues/{venue_id}/devices/{screen.device_id}", headers=platform.headers("admin")
    )
    page.goto(f"{platform.base_url}/app/admin/venues/{venue_id}")
    page.get_by_role("button", name="Archive Pop-up Bar").click()
    expect(page.get_by_role("status")).to_have_text("Venue archived.")
    expect(page.get_by_role("link", name=re.compile("Pop-up Bar"))).to_have_count(0)
