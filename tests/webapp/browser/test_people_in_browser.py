"""People in a real browser (issue 19 item 9): an invitation by e-mail whose one-time link lets
the person choose their own password, and "forgot password" by the same kind of link, telling
nobody whether an address has an account and limited per address. The mail goes through a real
SMTP server on 127.0.0.1 (aiosmtpd, as the notification tests use), configured by the same
SIGNAGE_SMTP_* settings; without one, the typed initial password remains."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from signage.auth.tokens import token_digest
from signage.db.models import PasswordLink
from tests.support.demo import ROLE_EMAILS
from tests.support.receivers import SMTP_PASSWORD, SMTP_USER, Mailbox, smtp_server
from tests.webapp.browser.live import PHONE, Platform, browsers_for, live_platform
from tests.webapp.web import browser, post_form, signed_in

pytestmark = pytest.mark.browser

LINK = re.compile(r"(http://\S+/app/password/set/[\w-]+)")
CHOSEN = "sea-shanty-at-dusk-42"
SENT = re.compile("we have sent it a link to set a new password")


@pytest.fixture(scope="module")
def mail_platform(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Platform, Mailbox]]:
    """A platform of its own whose SIGNAGE_SMTP_* point at a local relay with a login."""
    data_dir = tmp_path_factory.mktemp("people") / "var"
    with smtp_server() as (mailbox, port):
        relay: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_username": SMTP_USER,
            "smtp_password": SecretStr(SMTP_PASSWORD),
            "smtp_from": "signage@demo.example",
            "smtp_starttls": False,
        }
        with live_platform(pg_admin_url, pg_template, data_dir, **relay) as live:
            yield live, mailbox


def mail_to(mailbox: Mailbox, address: str, count: int = 1) -> list[Message]:
    """The messages to `address`, once `count` of them have arrived (sent after the answer)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [m for m in mailbox.received if m["To"] == address]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no e-mail to {address}: {[m['To'] for m in mailbox.received]}")


def link_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = LINK.search(body.decode())
    assert found, body
    return found.group(1)


def choose_password(page: Page, link: str) -> None:
    page.goto(link)
    page.get_by_label("New password").fill(CHOSEN)
    page.get_by_label("The same password again").fill(CHOSEN)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Your password is set. Sign in with it.")).to_be_visible()


def sign_in_with(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_invited_person_chooses_their_own_password_from_a_one_time_link(
    chromium: Browser, mail_platform: tuple[Platform, Mailbox]
) -> None:
    platform, mailbox = mail_platform
    with browsers_for(chromium, platform) as open_as:
        admin = open_as("admin")
        admin.goto(f"{platform.base_url}/app/admin/users")
        admin.get_by_label("E-mail").fill("ola.bar@demo.example")
        admin.get_by_label("Name").fill("Ola Bar")
        expect(admin.get_by_label(re.compile("Initial password"))).to_have_count(0)
        admin.get_by_role("button", name="Add and send invitation").click()
        expect(admin.get_by_text(re.compile("Invitation sent"))).to_be_visible()

    (invitation,) = mail_to(mailbox, "ola.bar@demo.example")
    assert "invited to" in invitation["Subject"]
    link = link_in(invitation)
    token = link.rsplit("/", 1)[1]
    with platform.database.sessions() as session:  # only the token's SHA-256 is kept
        stored = session.scalars(select(PasswordLink.token_hash)).all()
    assert token_digest(token) in stored
    assert token not in stored

    guest = chromium.new_context(viewport=PHONE)
    try:
        page = guest.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", name="Welcome: choose your password")).to_be_visible()
        choose_password(page, link)
        sign_in_with(page, "ola.bar@demo.example", CHOSEN)
        expect(page.get_by_role("heading", name="Your venues")).to_be_visible()

        page.goto(link)  # once only
        expect(page.get_by_text("This link has expired or has already been used.")).to_be_visible()
        expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    finally:
        guest.close()


def test_forgot_password_answers_alike_for_any_address_and_is_limited(
    chromium: Browser, mail_platform: tuple[Platform, Mailbox]
) -> None:
    platform, mailbox = mail_platform
    guest = chromium.new_context(viewport=PHONE)
    try:
        page = guest.new_page()
        answers = []
        for address in (ROLE_EMAILS["viewer"], "nobody.here@demo.example"):
            page.goto(f"{platform.base_url}/app/login")
            page.get_by_role("link", name="Forgot your password?").click()
            page.get_by_label("E-mail").fill(address)
            page.get_by_role("button", name="Send me a link").click()
            expect(page.get_by_text(SENT)).to_be_visible()
            answers.append(page.locator("main").inner_text().replace(address, "ADDRESS"))
        assert answers[0] == answers[1]  # no account enumeration

        (reset,) = mail_to(mailbox, ROLE_EMAILS["viewer"])
        choose_password(page, link_in(reset))
        sign_in_with(page, ROLE_EMAILS["viewer"], CHOSEN)
        expect(page.get_by_role("heading", name="Your venues")).to_be_visible()
        assert not [m for m in mailbox.received if m["To"] == "nobody.here@demo.example"]

        for _ in range(3):  # two more, then the per-address limit (3 an hour) answers
            page.goto(f"{platform.base_url}/app/password/forgot")
            page.get_by_label("E-mail").fill("nobody.here@demo.example")
            page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_role("heading", name="Too many tries")).to_be_visible()
        page.get_by_role("link", name="Back to where you were").click()
        expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    finally:
        guest.close()


def test_without_a_mail_server_the_admin_types_an_initial_password(
    chromium: Browser, platform: Platform
) -> None:
    with browsers_for(chromium, platform) as open_as:
        admin = open_as("admin")
        admin.goto(f"{platform.base_url}/app/admin/users")
        expect(admin.get_by_label(re.compile("Initial password"))).to_be_visible()
        expect(admin.get_by_role("button", name="Add person")).to_be_visible()
        admin.goto(f"{platform.base_url}/app/password/forgot")
        expect(admin.get_by_text(re.compile("cannot send e-mail"))).to_be_visible()
    guest = chromium.new_context(viewport=PHONE)
    try:
        page = guest.new_page()
        page.goto(f"{platform.base_url}/app/login")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(0)
    finally:
        guest.close()


def test_only_this_tenants_admins_send_links_to_its_people(
    mail_platform: tuple[Platform, Mailbox],
) -> None:
    """Another tenant's admin finds nobody (404); a venue manager here is refused (403)."""
    platform, mailbox = mail_platform
    target = platform.demo.user_ids["editor"]
    action = f"/app/admin/users/{target}/send-link"
    for role, refused in (("other_admin", 404), ("manager", 403)):
        person = signed_in(browser(platform.app), role)
        answer = post_form(person, "/app/", action)
        assert answer.status_code == refused, (role, answer.text)
    admin = signed_in(browser(platform.app), "admin")
    assert post_form(admin, "/app/", action).status_code == 303
    (sent,) = mail_to(mailbox, ROLE_EMAILS["editor"])
    # never signed in on this platform: the invitation again, as a link to set a password
    assert "invited to" in sent["Subject"]
    assert link_in(sent)
