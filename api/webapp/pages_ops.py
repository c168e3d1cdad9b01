"""The operations console (§21 "Dashboard: device status, playback health, alerts" and
"Alerts: offline devices, error trends"): the domain reads behind `GET /v1/ops/dashboard`,
`GET /v1/alerts` and `GET /v1/venues/{id}/alerts`, with their visibility rules.

The dashboard and the tenant-wide alert list answer every signed-in user over the venues that
user may read (`visible_venue_ids`): the whole tenant for tenant admins and tenant viewers,
otherwise the venues where they hold a role; none is an empty page, not a 403, as on /v1.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.webapp.access import may
from api.webapp.calls import FormPostDep, PageView, PageViewDep
from api.webapp.charts import trend_charts
from api.webapp.rendering import PageRoute
from signage.alerts import dashboard as ops_dashboard
from signage.alerts import queries
from signage.alerts.acknowledgement import NOTE_MAX_LENGTH, acknowledge, alert_state
from signage.auth.policy import VenueAction
from signage.auth.principal import UserPrincipal
from signage.db.models import User, Venue
from signage.enums import AlertState, AlertStatus, AlertType, EventSeverity
from signage.errors import ValidationFailedError
from signage.pagination import PageRequest
from warehouse.layout import WarehouseLayout

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Heartbeats come every 60 s and alerts are evaluated every minute (§21); 30 s keeps the board
# at most one evaluation behind without loading the database for nothing.
DASHBOARD_POLL_SECONDS = 30
VENUES_PER_PAGE = 50
ALERTS_PER_PAGE = 50

Choice = TypeVar("Choice", bound=StrEnum)


def choice(kind: type[Choice], value: str | None, name: str) -> Choice | None:
    """A filter from the query string; the form's "Any" is empty, so empty is no filter."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise ValidationFailedError(f"{value} is not a {name} the list can filter by.") from None


def _board(view: PageView, cursor: str | None) -> dict[str, Any]:
    page = PageRequest(cursor=cursor or None, limit=VENUES_PER_PAGE)
    return {
        "board": ops_dashboard.dashboard(view.session, view.user, page, view.now),
        "alert_types": list(AlertType),
        "severities": list(EventSeverity),
        "poll_seconds": DASHBOARD_POLL_SECONDS,
        "cursor": cursor or "",
    }


@router.get("/app/ops")
def dashboard_page(view: PageViewDep, cursor: str | None = None) -> Response:
    """The board, and below it the trends of every venue the user may see (not refreshed:
    they change once a day)."""
    venue_ids = {str(v) for v in view.session.scalars(queries.visible_venue_ids(view.user))}
    layout = WarehouseLayout.from_settings(view.context.settings)
    trends = trend_charts(layout, str(view.user.tenant_id), venue_ids, view.now)
    return view.render("ops_dashboard.html", trends=trends, **_board(view, cursor))


@router.get("/app/ops/board")
def dashboard_fragment(view: PageViewDep, cursor: str | None = None) -> Response:
    """The board alone, for the page's periodic refresh (htmx); same page of venues."""
    return view.render("_ops_board.html", **_board(view, cursor))


def _filters(
    status: str | None, type_: str | None, severity: str | None, state: str | None
) -> queries.AlertFilters:
    return queries.AlertFilters(
        status=choice(AlertStatus, status, "status"),
        type=choice(AlertType, type_, "type"),
        severity=choice(EventSeverity, severity, "severity"),
        state=choice(AlertState, state, "state"),
    )


def _filter_query(filters: queries.AlertFilters) -> str:
    """The filters as a query string, so "Older alerts" keeps them."""
    chosen = {
        "status": filters.status,
        "type": filters.type,
        "severity": filters.severity,
        "state": filters.state,
    }
    return "".join(f"&{name}={value}" for name, value in chosen.items() if value)


def _visible_venues(session: Session, user: UserPrincipal) -> dict[uuid.UUID, Venue]:
    """Names and timezones for the list: each alert is shown in its venue's time (§30.8)."""
    rows = session.scalars(select(Venue).where(Venue.id.in_(queries.visible_venue_ids(user))))
    return {venue.id: venue for venue in rows}


def _alert_values(
    view: PageView, filters: queries.AlertFilters, alerts: list[queries.AlertView]
) -> dict[str, Any]:
    venue_ids = {v.alert.venue_id for v in alerts}
    return {
        "alerts": alerts,
        "filters": filters,
        "filter_query": _filter_query(filters),
        "alert_state": alert_state,
        # The Acknowledge button only where the server would accept it (VENUE_MANAGER, admin).
        "manageable": {v for v in venue_ids if may(view.user, v, VenueAction.MANAGE)},
        "acknowledgers": _user_names(view.session, alerts),
        "states": list(AlertState),
        "statuses": list(AlertStatus),
        "alert_types": list(AlertType),
        "severities": list(EventSeverity),
    }


@router.get("/app/ops/alerts")
def alerts_page(
    view: PageViewDep,
    status: str | None = None,
    type: str | None = None,  # the /v1 query parameter's name
    severity: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
) -> Response:
    filters = _filters(status, type, severity, state)
    page = PageRequest(cursor=cursor or None, limit=ALERTS_PER_PAGE)
    found = queries.visible_alerts(view.session, view.user, filters, page)
    return view.render(
        "ops_alerts.html",
        next_cursor=found.next_cursor,
        venues=_visible_venues(view.session, view.user),
        action="/app/ops/alerts",
        **_alert_values(view, filters, found.items),
    )


@router.get("/app/venues/{venue_id}/alerts")
def venue_alerts_page(
    venue_id: uuid.UUID,
    view: PageViewDep,
    status: str | None = None,
    type: str | None = None,  # the /v1 query parameter's name
    severity: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
) -> Response:
    """One venue's alerts: any role at the venue reads them, as `GET /v1/venues/{id}/alerts`."""
    venue = view.venue(venue_id, VenueAction.READ)
    filters = _filters(status, type, severity, state)
    page = PageRequest(cursor=cursor or None, limit=ALERTS_PER_PAGE)
    found = queries.venue_alerts(view.session, venue, filters, page)
    return view.render(
        "venue_alerts.html",
        venue=venue,
        next_cursor=found.next_cursor,
        venues={venue.id: venue},
        action=f"/app/venues/{venue.id}/alerts",
        **_alert_values(view, filters, found.items),
    )


@router.post("/app/alerts/{alert_id}/acknowledge")
def acknowledge_alert(alert_id: uuid.UUID, post: FormPostDep) -> Response:
    """The list's Acknowledge button: `POST /v1/alerts/{id}/acknowledge`, then back to the list
    it came from (only one of our own pages: never an open redirect)."""
    note = post.form.get("note", "").strip() or None
    if note and len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailedError(f"A note has at most {NOTE_MAX_LENGTH} characters.")
    acknowledge(post.session, post.user, alert_id, note, post.now, post.who)
    back = post.form.get("back", "")
    return post.redirect(back if back.startswith("/app/") else "/app/ops/alerts")


def _user_names(session: Session, alerts: list[queries.AlertView]) -> dict[uuid.UUID, str]:
    """Who acknowledged each alert, by display name (users of the caller's own tenant)."""
    ids = {v.alert.acknowledged_by_user_id for v in alerts} - {None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}
