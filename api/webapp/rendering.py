"""HTML answers: templates, redirects, and error pages in place of problem+json.

Every web-app route uses `PageRoute`, so a domain error (404, 403, 412, 422...) raised by the
same code the /v1 routes run becomes a readable page with a way back, and anything unexpected
becomes a 500 page without a stack trace (issue #9 "error states everywhere").
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.deps import roll_back_request
from api.problems import database_unavailable, status_for
from api.webapp.session import (
    ACCESS_COOKIE,
    REFRESH_COOKIE,
    CsrfRefusedError,
    LoginRequiredError,
    apply_cookies,
    csrf_token,
    end_session,
)
from api.webapp.words import refusal_words, screen_state, state_words
from signage import errors

log = logging.getLogger("api.webapp")

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# Only this site's scripts, styles and form targets; never framed (clickjacking).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def conflict_message(request: Request) -> str:
    """§16: a 412 is told as what it is, with the thing that changed named."""
    path = request.url.path
    thing = "playlist" if "/playlists/" in path else "schedule" if "/schedule" in path else "page"
    if "/devices/" in path:
        thing = "screen"  # its settings (§21 device configuration)
    return (
        f"Someone else changed this {thing} while you were working on it, so your change was "
        "not saved. Reload to see their changes, then make yours again."
    )


# Form fields that are the page's bookkeeping, not what the user typed or chose.
BOOKKEEPING_FIELDS = frozenset({"csrf_token", "etag", "order", "next"})
FIELD_WORDS = {"name": "Name", "duration_seconds": "Seconds on screen"}
KEPT = "kept=1"  # in a page's address: app.js fills its form in again from what was sent


def kept_input(request: Request) -> list[tuple[str, str]]:
    """What the user sent in the form that failed, as (label, value): never a password, an id
    or the page's bookkeeping."""
    fields: dict[str, str] = getattr(request.state, "form_fields", {})
    return [
        (FIELD_WORDS.get(name, name.replace("_", " ").capitalize()), value)
        for name, value in fields.items()
        if name not in BOOKKEEPING_FIELDS
        and "password" not in name
        and value.strip()
        and not _is_id(value)
    ]


def _is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def with_kept(url: str) -> str:
    return url + ("&" if "?" in url else "?") + KEPT


def local_time(value: datetime | None, zone: str, fmt: str = "%a %d %b %H:%M") -> str:
    """A UTC instant shown in `zone`, the venue's (or device's) time (§30.8)."""
    if value is None:
        return "never"
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def clock_time(minutes: int) -> str:
    """Minutes after local midnight as HH:MM; 1440 is the end of the day, 24:00 (§30.3)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


templates.env.filters["local_time"] = local_time
templates.env.filters["clock_time"] = clock_time
templates.env.globals["screen_state"] = screen_state
templates.env.globals["state_words"] = state_words


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    """The template rendered with the header's values and the CSRF token."""
    values.setdefault("user_name", getattr(request.state, "user_name", None))
    principal = getattr(request.state, "principal", None)
    # The header's "Admin" link: tenant admins change users and venues, tenant viewers read them.
    values.setdefault(
        "sees_admin",
        principal is not None and (principal.is_tenant_admin or principal.is_tenant_viewer),
    )
    values["csrf_token"] = csrf_token(request)
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages hold private data (§25.8)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return apply_cookies(request, response)


def redirect(request: Request, url: str) -> Response:
    """303 See Other: the browser GETs `url` after a form post (post/redirect/get)."""
    return apply_cookies(request, RedirectResponse(url, status_code=303))


def login_redirect(request: Request) -> Response:
    """To the login page, coming back afterwards to the page asked for, query included (a
    screen's QR code opens /app/pair?code=..., often before the phone is signed in)."""
    if request.headers.get("HX-Request"):
        # An htmx poll must not swap the login page into a fragment: send the whole page there.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        wanted = current.path + (f"?{current.query}" if current.query else "")
        login_url = _login_url(wanted, ended=_had_session(request))
        response = Response(status_code=204, headers={"HX-Redirect": login_url})
        return apply_cookies(request, response)
    if request.method == "GET":
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:  # a form sent after the session ended: back to its page, refilled by app.js
        wanted = with_kept(page_of(request))
    return redirect(request, _login_url(wanted, ended=_had_session(request)))


def _had_session(request: Request) -> bool:
    return bool(request.cookies.get(ACCESS_COOKIE) or request.cookies.get(REFRESH_COOKIE))


def _login_url(wanted: str, *, ended: bool = False) -> str:
    """The login page, then `wanted`; saying the session ended when there was one (issue 19
    item 11)."""
    notice = "&notice=session_ended" if ended else ""
    return f"/app/login?next={quote(wanted or '/app/', safe='/')}{notice}"


# What an error page's heading says happened, and what to do next (issue 19 item 10).
ERROR_HEADINGS = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    409: "That clashes with something",
    412: "Someone else changed this",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many tries",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}
ERROR_ADVICE = {
    403: "If you need to do this, ask a venue manager or your organisation's administrator.",
    404: "It may have been removed, or the address may be wrong.",
    409: "Go back, change it, and try again.",
    413: "Go back and choose something smaller.",
    422: "Go back, correct it, and send it again.",
    429: "Wait a minute, then try again.",
    500: "Try again; if it happens again, tell your administrator.",
    503: "Wait a few seconds, then reload the page.",
}


@dataclass(frozen=True)
class WayBack:
    url: str
    label: str


def way_back(request: Request) -> WayBack | None:
    """The page the user came from: the page of this app that linked here or held the form
    (the Referer), else for a form its page by address."""
    came_from = urlsplit(request.headers.get("referer", ""))
    same_site = came_from.netloc == request.url.netloc
    elsewhere = came_from.path != request.url.path or request.method == "POST"
    if same_site and came_from.path.startswith("/app/") and elsewhere:
        query = f"?{came_from.query}" if came_from.query else ""
        return WayBack(came_from.path + query, "Back to where you were")
    if request.method == "POST":
        return WayBack(page_of(request), "Back to where you were")
    return None


def error_page(
    request: Request,
    status: int,
    message: str,
    *,
    reload_url: str | None = None,
    back: WayBack | None = None,
    heading: str | None = None,
    **extra: Any,
) -> Response:
    """The error page for `status`: what happened, what to do, and a way back (a reload link
    when the page was stale)."""
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=heading or ERROR_HEADINGS.get(status) or HTTPStatus(status).phrase,
        message=message,
        advice=ERROR_ADVICE.get(status),
        reload_url=reload_url,
        back=back or way_back(request),
        **extra,
    )


def page_of(request: Request) -> str:
    """The page a form on it posted from: every action URL is its page's URL plus one part."""
    return request.url.path.rsplit("/", 1)[0]


def _domain_error_page(request: Request, exc: errors.DomainError) -> Response:
    status = status_for(exc)
    if isinstance(exc, errors.PreconditionFailedError):  # §16: show the conflict, offer reload
        return error_page(
            request,
            412,
            conflict_message(request),
            reload_url=with_kept(page_of(request)),
            kept=kept_input(request),
        )
    if isinstance(exc, errors.AuthenticationError):
        end_session(request)
        return login_redirect(request)
    details = exc.errors if isinstance(exc, errors.ValidationFailedError) else []
    message = exc.detail
    if isinstance(exc, errors.RoleRequiredError):  # who may, in words, not a role constant
        message = refusal_words(request.url.path, exc.needed)
    page = error_page(request, status, message, details=details)
    if isinstance(exc, errors.RateLimitedError | errors.ServiceUnavailableError):
        page.headers["Retry-After"] = str(exc.retry_after_seconds)
    return page


def _failure_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequiredError):
        end_session(request)  # stale tokens go, so the login page starts clean
        return login_redirect(request)
    if isinstance(exc, CsrfRefusedError):
        message = "This form has expired or did not come from this site. Reload and try again."
        return error_page(request, 403, message, reload_url=page_of(request))
    if isinstance(exc, errors.DomainError):
        return _domain_error_page(request, exc)
    unavailable = database_unavailable(exc)
    if unavailable is not None:  # a 503 page to reload in a moment, as /v1 answers (issue 13)
        log.warning("database unavailable on web page %s %s", request.method, request.url.path)
        return _domain_error_page(request, unavailable)
    if isinstance(exc, RequestValidationError):  # e.g. a malformed id in the address
        return error_page(request, 404, "There is no such page.")
    log.exception("unhandled error on web page %s %s", request.method, request.url.path)
    return error_page(request, 500, "Something went wrong on our side; it has been logged.")


class PageRoute(APIRoute):
    """An APIRoute whose failures are HTML pages instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                await roll_back_request(request)  # nothing half-done is committed
                return _failure_page(request, exc)

        return page_handler
