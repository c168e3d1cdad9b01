"""Signing in and out (§27.3 semantics), and the venue picker (§27.3 accessible venues)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from api.auth import anonymous_audit_context
from api.deps import ContextDep, SessionDep
from api.ratelimit import enforce_login_limits
from api.webapp.rendering import PageRoute, redirect, render
from api.webapp.session import (
    REFRESH_COOKIE,
    CheckedForm,
    WebUser,
    end_session,
    start_session,
)
from signage.auth import sessions
from signage.auth.roles import accessible_venues
from signage.auth.sessions import INVALID_CREDENTIALS
from signage.pagination import MAX_LIMIT, PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HOME = "/app/"


def safe_next(wanted: str | None) -> str:
    """Only a page of this app: never another site (no open redirect)."""
    if wanted and wanted.startswith("/app/") and not wanted.startswith("//"):
        return wanted
    return HOME


@router.get("/app")
def app_root(request: Request) -> Response:
    return redirect(request, HOME)


AMBIGUOUS = "This e-mail and password open accounts in several organisations: choose one."


@router.get("/app/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next), email="", error=None, tenants=())


def _chosen_tenant(form: dict[str, str]) -> uuid.UUID | None:
    """The organisation picked after an ambiguous sign-in; anything else is no choice."""
    try:
        return uuid.UUID(form["tenant_id"]) if form.get("tenant_id") else None
    except ValueError:
        return None


@router.post("/app/login")
def login(
    request: Request, context: ContextDep, session: SessionDep, form: CheckedForm
) -> Response:
    email = form.get("email", "").strip()
    enforce_login_limits(request, context, email)
    outcome = sessions.login(
        session,
        context.tokens,
        email=email,
        password=form.get("password", ""),
        now=context.clock(),
        who=anonymous_audit_context(request),
        tenant_id=_chosen_tenant(form),
    )
    wanted = safe_next(form.get("next"))
    if isinstance(outcome, sessions.Rejected):
        session.commit()  # the audit row of a failed attempt outlives the refusal
        return render(
            request,
            "login.html",
            401,
            next=wanted,
            email=email,
            error=INVALID_CREDENTIALS,
            tenants=(),
        )
    if isinstance(outcome, sessions.Ambiguous):
        return render(
            request,
            "login.html",
            409,
            next=wanted,
            email=email,
            error=AMBIGUOUS,
            tenants=outcome.tenants,
        )
    start_session(request, context, outcome)
    return redirect(request, wanted)


@router.post("/app/logout")
def logout(
    request: Request, context: ContextDep, session: SessionDep, user: WebUser, form: CheckedForm
) -> Response:
    """The session is resolved before the form: its CSRF token is the session's (a session
    already over is sent to the login page, which is where logging out leads anyway)."""
    presented = request.cookies.get(REFRESH_COOKIE)
    if presented:
        who = anonymous_audit_context(request)
        sessions.logout(session, presented=presented, now=context.clock(), who=who)
    end_session(request)
    return redirect(request, "/app/login")


@router.get("/app/")
def venue_picker(request: Request, user: WebUser, session: SessionDep) -> Response:
    found = accessible_venues(session, user, PageRequest(limit=MAX_LIMIT))
    return render(request, "venues.html", venues=found.items, more=found.next_cursor is not None)
