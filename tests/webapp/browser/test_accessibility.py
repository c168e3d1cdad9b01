"""Every page of the manager web app passes axe-core with no serious or critical violation, in
the light and the dark colour scheme (issue 19 item 12: contrast, names, landmarks, WCAG AA).

axe-core is the npm package's built `axe.min.js`, vendored in `tests/webapp/browser/axe/`
(MPL-2.0, its LICENSE beside it), so the test needs no network. The pages' CSP allows no
inline script, so the test's browser context bypasses it to inject axe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from signage.audit import AuditContext
from signage.auth import password_links
from signage.db.models import ScheduleSlot, User
from signage.enums import ActorType, PasswordLinkPurpose
from signage.storage.base import utc_now
from tests.support.devices import pair
from tests.webapp.browser.live import PHONE, Platform, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "axe.min.js"
SERIOUS = ("serious", "critical")
Scheme = Literal["light", "dark"]
SYSTEM = AuditContext(ActorType.SYSTEM, None, None, None)

# What the page reports: each serious or critical violation with a few of its elements.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " | " +
                         (n.failureSummary || "").replace(/\\s+/g, " "))}));
}"""


def violations(page: Page, url: str) -> list[dict[str, Any]]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return found


@pytest.fixture(scope="module")
def furnished(platform: Platform) -> dict[str, str]:
    """The ids the pages need: a paired screen, a playlist with items, a person."""
    demo = platform.demo
    screen = pair(platform.api, platform.headers("manager"), demo.fortescue_id, "Axe screen")
    playlist = platform.venue_playlist("Axe playlist").removeprefix(platform.base_url)
    with platform.database.unit_of_work() as session:
        slot = session.scalars(
            select(ScheduleSlot.id).where(ScheduleSlot.venue_id == demo.fortescue_id)
        ).first()
        invited = session.get_one(User, demo.user_ids["tviewer"])
        link = password_links.issue_link(
            session, invited, PasswordLinkPurpose.INVITATION, now=utc_now(), who=SYSTEM
        )
    assert slot is not None, "the demo's schedule has slots"
    return {
        "venue": str(demo.fortescue_id),
        "device": str(screen.device_id),
        "playlist": playlist,
        "person": str(demo.user_ids["editor"]),
        "slot": str(slot),
        "link": link.token,
    }


def signed_in_pages(ids: dict[str, str]) -> list[str]:
    venue = f"/app/venues/{ids['venue']}"
    device = f"{venue}/devices/{ids['device']}"
    return [
        "/app/",
        venue,
        f"{venue}/playlists",
        ids["playlist"],
        f"{ids['playlist']}/versions",
        f"{venue}/schedule",
        f"{venue}/schedule/slots/{ids['slot']}",
        f"{venue}/assets",
        f"{venue}/upload",
        f"{venue}/publishes",
        f"{venue}/alerts",
        device,
        f"{device}/timeline",
        f"{device}/settings",
        f"/app/pair?venue={ids['venue']}",
        "/app/ops",
        "/app/ops/alerts",
        "/app/admin",
        "/app/admin/venues",
        f"/app/admin/venues/{ids['venue']}",
        "/app/admin/users",
        f"/app/admin/users/{ids['person']}",
        f"/app/no-such-page-{uuid.uuid4()}",  # the error page
    ]


def anonymous_pages(ids: dict[str, str]) -> list[str]:
    link = f"/app/password/set/{ids['link']}"
    return ["/app/login", "/app/password/forgot", link, "/app/password/set/no-such-link"]


@pytest.fixture
def contexts(chromium: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_in_both_colour_schemes(
    chromium: Browser,
    platform: Platform,
    furnished: dict[str, str],
    contexts: list[BrowserContext],
    scheme: Scheme,
) -> None:
    context = chromium.new_context(viewport=PHONE, color_scheme=scheme, bypass_csp=True)
    contexts.append(context)
    page = context.new_page()
    base = platform.base_url
    found = {path: violations(page, base + path) for path in anonymous_pages(furnished)}
    sign_in(page, platform.base_url, "admin")  # a tenant admin is offered every form
    for path in signed_in_pages(furnished):
        found[path] = violations(page, platform.base_url + path)
    failing = {where: problems for where, problems in found.items() if problems}
    assert not failing, "\n".join(f"{where}: {problems}" for where, problems in failing.items())
