"""Keyboards, ended sessions and conflicts in a real browser (issue 19 items 10 and 11): a skip
link first; focus stays on a moved item after ↑/↓ and on a drag handle moved with the arrow
keys; a form sent after the session ended comes back, filled in, after signing in again; a
form refused because someone else changed the playlist shows what was sent and refills it."""

from __future__ import annotations

import pytest
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import Browser, Page, expect

from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS
from tests.webapp.browser.live import PHONE, Platform, SignIn

pytestmark = pytest.mark.browser

CARDS = ["two-for-one.jpg", "sunday-roast.jpg", "cocktails.jpg"]


def item_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("ol.items > li strong").all_inner_texts()]


def focused_label(page: Page) -> str | None:
    label: str | None = page.evaluate("document.activeElement.getAttribute('aria-label')")
    return label


def test_the_first_tab_stop_skips_to_the_content(chromium: Browser, platform: Platform) -> None:
    context = chromium.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{platform.base_url}/app/login")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to the page's content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
    finally:
        context.close()


def test_focus_stays_on_the_moved_item(signed_in_page: SignIn, platform: Platform) -> None:
    url = platform.venue_playlist("Keyboard moves")
    page = signed_in_page("editor")
    page.goto(url)
    page.get_by_role("button", name="Move cocktails.jpg up").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(url)
    expect(page.locator("ol.items > li strong").nth(1)).to_have_text("cocktails.jpg")
    expect(page.get_by_role("button", name="Move cocktails.jpg up")).to_be_focused()

    page.keyboard.press("Enter")  # to the top: "up" is disabled there, so focus takes "down"
    expect(page.locator("ol.items > li strong").first).to_have_text("cocktails.jpg")
    expect(page.get_by_role("button", name="Move cocktails.jpg down")).to_be_focused()


def test_a_drag_handle_moves_its_item_with_the_arrow_keys(
    signed_in_page: SignIn, platform: Platform
) -> None:
    url = platform.venue_playlist("Keyboard drags")
    page = signed_in_page("editor")
    page.goto(url)
    page.get_by_role("button", name="Drag two-for-one.jpg").focus()
    with page.expect_navigation():
        page.keyboard.press("ArrowDown")
    expect(page.locator("ol.items > li strong").nth(1)).to_have_text("two-for-one.jpg")
    assert item_names(page) == [CARDS[1], CARDS[0], CARDS[2]]
    assert focused_label(page) == "Drag two-for-one.jpg"


def test_a_form_sent_after_the_session_ended_comes_back_filled_in(
    chromium: Browser, platform: Platform
) -> None:
    url = platform.venue_playlist("Session ends")
    context = chromium.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(url)  # signed out: to the login page, then back here
        page.get_by_label("E-mail").fill(ROLE_EMAILS["editor"])
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url)

        page.locator("summary", has_text="Rename").click()
        page.get_by_label("New name").fill("Late menu")
        ended: list[SetCookieParam] = [
            {"name": c["name"], "value": "ended", "domain": c["domain"], "path": c["path"]}
            for c in context.cookies()
            if c["name"] in ("signage_access", "signage_refresh")
        ]
        assert len(ended) == 2
        context.add_cookies(ended)  # the session has ended meanwhile (as after a revocation)
        page.get_by_role("button", name="Rename").click()

        expect(page.get_by_text("Your session ended")).to_be_visible()
        page.get_by_label("E-mail").fill(ROLE_EMAILS["editor"])
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        page.wait_for_url(url)  # the page it was on, not the venue list
        expect(page.get_by_text("What you sent before is filled in again")).to_be_visible()
        expect(page.get_by_label("New name")).to_have_value("Late menu")
    finally:
        context.close()


def test_a_conflict_keeps_what_the_user_sent(signed_in_page: SignIn, platform: Platform) -> None:
    url = platform.venue_playlist("Two hands")
    editor = signed_in_page("editor")
    manager = signed_in_page("manager")
    editor.goto(url)
    manager.goto(url)
    manager.locator("summary", has_text="Rename").click()
    manager.get_by_label("New name").fill("Quiz night")

    editor.get_by_role("button", name="Move two-for-one.jpg down").click()
    editor.wait_for_url(url)
    manager.get_by_role("button", name="Rename").click()  # from a stale page

    expect(manager.get_by_role("heading", name="Someone else changed this")).to_be_visible()
    expect(manager.get_by_role("alert")).to_contain_text("your change was not saved")
    kept = manager.get_by_role("region", name="What you sent (not saved)")
    expect(kept).to_contain_text("Quiz night")
    manager.get_by_role("link", name="Reload").click()
    manager.wait_for_url(url)
    assert item_names(manager) == [CARDS[1], CARDS[0], CARDS[2]]  # the editor's move
    expect(manager.get_by_label("New name")).to_have_value("Quiz night")
