"""HTML answers: templates, redirects, and error pages in place of problem+json.

Every web-app route uses `PageRoute`, so a domain error (404, 403, 412, 422...) raised by the
same code the /v1 routes run becomes a readable page with a way back, and anything unexpected
becomes a 500 page without a stack trace (issue #9 "error states everywhere").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
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
    CsrfRefusedError,
    LoginRequiredError,
    apply_cookies,
    csrf_token,
    end_session,
)
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
    return f"Someone else changed this {thing} — reload to see their changes."


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


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
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
        response = Response(status_code=204, headers={"HX-Redirect": _login_url(wanted)})
        return apply_cookies(request, response)
    wanted = request.url.path if request.method == "GET" else "/app/"
    if request.method == "GET" and request.url.query:
        wanted += f"?{request.url.query}"
    return redirect(request, _login_url(wanted))


def _login_url(wanted: str) -> str:
    return f"/app/login?next={quote(wanted or '/app/', safe='/')}"


def error_page(
    request: Request, status: int, message: str, *, reload_url: str | None = None, **extra: Any
) -> Response:
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=HTTPStatus(status).phrase,
        message=message,
        reload_url=reload_url,
        **extra,
    )


def page_of(request: Request) -> str:
    """The page a form on it posted from: every action URL is its page's URL plus one part."""
    return request.url.path.rsplit("/", 1)[0]


def _domain_error_page(request: Request, exc: errors.DomainError) -> Response:
    status = status_for(exc)
    if isinstance(exc, errors.PreconditionFailedError):  # §16: show the conflict, offer reload
        return error_page(request, 412, conflict_message(request), reload_url=page_of(request))
    if isinstance(exc, errors.AuthenticationError):
        end_session(request)
        return login_redirect(request)
    details = exc.errors if isinstance(exc, errors.ValidationFailedError) else []
    page = error_page(request, status, exc.detail, details=details)
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
