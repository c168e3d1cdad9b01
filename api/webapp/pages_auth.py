"""Signing in and out (§27.3 semantics), and the venue picker (§27.3 accessible venues)."""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Request, Response
from starlette.background import BackgroundTask

from api.auth import anonymous_audit_context
from api.context import AppContext
from api.deps import ContextDep, SessionDep
from api.ratelimit import client_ip_address, enforce, enforce_login_limits
from api.webapp.mail import SET_PASSWORD_PATH, can_send_mail, send_link
from api.webapp.rendering import PageRoute, WayBack, error_page, redirect, render
from api.webapp.session import (
    REFRESH_COOKIE,
    CheckedForm,
    WebUser,
    end_session,
    start_session,
)
from signage.auth import password_links, sessions
from signage.auth.passwords import MIN_PASSWORD_LENGTH
from signage.auth.roles import accessible_venues
from signage.auth.sessions import INVALID_CREDENTIALS
from signage.errors import NotFoundError, ValidationFailedError
from signage.pagination import MAX_LIMIT, PageRequest
from signage.ratelimit import LimitCategory

router = APIRouter(route_class=PageRoute, include_in_schema=False)
log = logging.getLogger("api.webapp")

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
FORGOT = "/app/password/forgot"
# What the login page says after a redirect to it (?notice=...).
LOGIN_NOTICES = {
    "password_set": "Your password is set. Sign in with it.",
    "signed_out": "You have signed out.",
    "session_ended": "Your session ended, so you were signed out. Sign in again to go back to "
    "the page you were on; anything you had typed and sent is filled in again there.",
}


def _login_form(request: Request, status: int = 200, **values: object) -> Response:
    """The login page; "Forgot your password?" only where e-mail can be sent."""
    context: AppContext = request.app.state.context
    values = {"email": "", "error": None, "tenants": (), "notice": None} | values
    return render(request, "login.html", status, can_reset=can_send_mail(context), **values)


@router.get("/app/login")
def login_page(request: Request, next: str | None = None, notice: str | None = None) -> Response:
    return _login_form(request, next=safe_next(next), notice=LOGIN_NOTICES.get(notice or ""))


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
        return _login_form(request, 401, next=wanted, email=email, error=INVALID_CREDENTIALS)
    if isinstance(outcome, sessions.Ambiguous):
        return _login_form(
            request, 409, next=wanted, email=email, error=AMBIGUOUS, tenants=outcome.tenants
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
    return redirect(request, "/app/login?notice=signed_out")


@router.get("/app/")
def venue_picker(request: Request, user: WebUser, session: SessionDep) -> Response:
    found = accessible_venues(session, user, PageRequest(limit=MAX_LIMIT))
    return render(request, "venues.html", venues=found.items, more=found.next_cursor is not None)


# -- "forgot password" and the one-time links (issue 19 item 9) ---------------------------------


@router.get(FORGOT)
def forgot_page(request: Request, context: ContextDep) -> Response:
    return render(request, "password_forgot.html", can_reset=can_send_mail(context), sent=False)


@router.post(FORGOT)
def ask_for_link(
    request: Request, context: ContextDep, session: SessionDep, form: CheckedForm
) -> Response:
    """One answer whether or not the address has an account (§25.3); the e-mails go after
    the answer, so its timing does not tell either."""
    if not can_send_mail(context):
        return render(request, "password_forgot.html", can_reset=False, sent=False)
    email = form.get("email", "").strip()
    enforce(request, context, LimitCategory.PASSWORD_RESET_PER_IP, client_ip_address(request) or "")
    enforce(request, context, LimitCategory.PASSWORD_RESET_PER_ACCOUNT, email.lower())
    who = anonymous_audit_context(request)
    links = password_links.reset_links(session, email, now=context.clock(), who=who)
    session.commit()  # the links exist before their e-mails can be opened
    answer = render(request, "password_forgot.html", can_reset=True, sent=True, email=email)
    answer.background = BackgroundTask(_send_links, context, links)
    return answer


def _send_links(context: AppContext, links: list[password_links.IssuedLink]) -> None:
    for link in links:
        outcome = send_link(context, link)
        if not outcome.ok:
            log.warning("reset e-mail to user %s not sent: %s", link.user_id, outcome.error)


@router.get(SET_PASSWORD_PATH + "{token}")
def set_password_page(
    token: str, request: Request, context: ContextDep, session: SessionDep
) -> Response:
    """Opening the link uses nothing up (mail scanners open links too); setting does."""
    try:
        link = password_links.open_link(session, token, context.clock())
    except NotFoundError:
        return _link_unusable(request)
    return _password_form(request, token, purpose=link.purpose)


@router.post(SET_PASSWORD_PATH + "{token}")
def set_password(
    token: str, request: Request, context: ContextDep, session: SessionDep, form: CheckedForm
) -> Response:
    password, now = form.get("password", ""), context.clock()
    try:
        link = password_links.open_link(session, token, now)
        if password != form.get("password_again", ""):
            error = "The two passwords are not the same: type it again in both fields."
            return _password_form(request, token, purpose=link.purpose, error=error, status=422)
        who = anonymous_audit_context(request)
        password_links.set_password(session, token, password, now=now, who=who)
    except ValidationFailedError as refused:  # too short: the form again, saying so
        error = refused.errors[0]["message"] if refused.errors else refused.detail
        return _password_form(request, token, purpose=link.purpose, error=error, status=422)
    except NotFoundError:
        return _link_unusable(request)
    return redirect(request, "/app/login?notice=password_set")


def _link_unusable(request: Request) -> Response:
    return error_page(
        request,
        404,
        password_links.LINK_UNUSABLE,
        heading="This link no longer works",
        back=WayBack(FORGOT, "Ask for a new link"),
    )


def _password_form(
    request: Request,
    token: str,
    *,
    purpose: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    answer = render(
        request,
        "password_set.html",
        status,
        action=SET_PASSWORD_PATH + token,
        invitation=purpose == "INVITATION",
        error=error,
        min_password_length=MIN_PASSWORD_LENGTH,
    )
    answer.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's address
    return answer
