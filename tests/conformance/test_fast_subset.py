"""The conformance kit's fast subset against the web player, inside `make test` (about two
minutes; `make conformance` runs every scenario against both players)."""

from __future__ import annotations

import pytest

from conformance import scenarios
from conformance.runner import run, table
from conformance.web import WebPlayerAdapter
from tests.webapp.browser.live import require_chromium

pytestmark = pytest.mark.browser


def test_the_web_player_passes_the_fast_scenarios(pg_admin_url: str, pg_template: str) -> None:
    require_chromium()
    outcomes = run(
        WebPlayerAdapter(), scenarios.FAST, pg_admin_url=pg_admin_url, pg_template=pg_template
    )
    assert [o.scenario for o in outcomes] == [s.__name__ for s in scenarios.FAST]
    assert all(o.passed for o in outcomes), table("web", outcomes)
    assert all(o.blank_seconds == 0 for o in outcomes)
