"""The web app's sign-in session: the same tokens /v1 issues, kept in cookies (§25.2, §25.8).

The browser never sees a token: the access token (15 min) and the rotating refresh token live in
HttpOnly, SameSite=Strict cookies scoped to /app, Secure except on a local plain-HTTP host. A
request is the user its access token says, exactly as `api.auth.current_user` decides for a
bearer token; an expired or revoked one is renewed with the refresh token (rotation and reuse
detection are the domain's, §25.7). Every state-changing form carries a CSRF token. Signed in,
it is an HMAC of the login's session id (the access token's `sid`, the refresh-token family), so
a token of another session, or any value a cookie was made to hold, never matches (issue 13).
The login form, before there is a session, uses double submit: the field must equal the
HttpOnly CSRF cookie. A cross-site page can read neither, and SameSite=Strict keeps the cookies
at home.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request, Response

from api.auth import (
    anonymous_audit_context,
    management_rate_limit,
    principal_from_claims,
    unrevoked_claims,
)
from api.context import AppContext
from api.deps import ContextDep, SessionDep
from api.ratelimit import enforce
from api.webapp.renewal import RENEWALS
from signage.auth import sessions
from signage.auth.principal import UserPrincipal
from signage.auth.tokens import SigningKey
from signage.config import Environment
from signage.db.models import User
from signage.errors import AuthenticationError
from signage.ratelimit import LimitCategory

COOKIE_PATH = "/app"
ACCESS_COOKIE = "signage_access"
REFRESH_COOKIE = "signage_refresh"
CSRF_COOKIE = "signage_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Hosts where a developer runs `make run` over plain HTTP; "testserver" is Starlette's
# TestClient. Everywhere else the cookies are Secure (§25.8).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "testserver"})
PENDING_COOKIES = "webapp_cookies"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024


class LoginRequiredError(Exception):
    """No valid session: the page answers with a redirect to the login page."""


class CsrfRefusedError(Exception):
    """A state-changing request whose CSRF token is missing or wrong: a 403 page."""


@dataclass(frozen=True)
class CookieChange:
    name: str
    value: str | None  # None deletes the cookie
    max_age_seconds: int | None = None


def _pending(request: Request) -> list[CookieChange]:
    changes: list[CookieChange] = request.scope.setdefault("state", {}).setdefault(
        PENDING_COOKIES, []
    )
    return changes


def cookie_is_secure(request: Request, context: AppContext) -> bool:
    """Whether session cookies get Secure: always in production, else unless on localhost."""
    if context.settings.environment is Environment.PRODUCTION:
        return True
    return request.url.scheme == "https" or request.url.hostname not in LOCAL_HOSTS


def apply_cookies(request: Request, response: Response) -> Response:
    """Write the cookie changes a request decided on (login, refresh, logout) to its answer."""
    context: AppContext = request.app.state.context
    secure = cookie_is_secure(request, context)
    for change in _pending(request):
        if change.value is None:
            response.delete_cookie(
                change.name, path=COOKIE_PATH, secure=secure, httponly=True, samesite="strict"
            )
        else:
            response.set_cookie(
                change.name,
                change.value,
                max_age=change.max_age_seconds,
                path=COOKIE_PATH,
                secure=secure,
                httponly=True,
                samesite="strict",
            )
    return response


def _refresh_lifetime_seconds(context: AppContext) -> int:
    return int(context.tokens.refresh_lifetime.total_seconds())


def keep_tokens(request: Request, context: AppContext, issued: sessions.IssuedTokens) -> None:
    """Set the session cookies for the issued tokens on the response."""
    now = context.clock()
    _pending(request).extend(
        [
            CookieChange(
                ACCESS_COOKIE,
                issued.access_token,
                int((issued.access_expires_at - now).total_seconds()),
            ),
            CookieChange(
                REFRESH_COOKIE,
                issued.refresh_token,
                int((issued.refresh_expires_at - now).total_seconds()),
            ),
        ]
    )


def start_session(request: Request, context: AppContext, issued: sessions.IssuedTokens) -> None:
    """After a login: the tokens, and a fresh login-form CSRF cookie so none chosen before login
    survives (signed-in forms carry the session's own token instead)."""
    keep_tokens(request, context, issued)
    request.state.session_id = issued.session_id
    new_csrf = secrets.token_urlsafe(32)
    _pending(request).append(
        CookieChange(CSRF_COOKIE, new_csrf, _refresh_lifetime_seconds(context))
    )
    request.state.csrf_token = new_csrf


def end_session(request: Request) -> None:
    """Clear the session cookies on the response."""
    _pending(request).extend(
        CookieChange(name, None) for name in (ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE)
    )


def session_csrf_token(key: SigningKey, session_id: uuid.UUID) -> str:
    """The CSRF token of one login: only this server can make it, and only for that session."""
    mac = hmac.new(key.secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _signed_in_session(request: Request) -> uuid.UUID | None:
    """The session `signed_in_user` authenticated this request with, if it ran."""
    session_id: uuid.UUID | None = getattr(request.state, "session_id", None)
    return session_id


def csrf_token(request: Request) -> str:
    """The token forms of this page carry: the session's when signed in; otherwise the login
    form's, minted (and set as a cookie) when there is none."""
    context: AppContext = request.app.state.context
    session_id = _signed_in_session(request)
    if session_id is not None:
        return session_csrf_token(context.tokens.key, session_id)
    known: str | None = getattr(request.state, "csrf_token", None) or request.cookies.get(
        CSRF_COOKIE
    )
    if known:
        return known
    minted = secrets.token_urlsafe(32)
    _pending(request).append(CookieChange(CSRF_COOKIE, minted, _refresh_lifetime_seconds(context)))
    request.state.csrf_token = minted
    return minted


def _principal_from_access_token(
    context: AppContext, session: SessionDep, token: str
) -> tuple[UserPrincipal, uuid.UUID]:
    """What `api.auth.current_user` makes of a bearer token (revocation included), for the
    cookie's token; and the session it belongs to."""
    claims = unrevoked_claims(context, session, token)
    if claims.session_id is None:  # issued before tokens named their session: renew it
        raise AuthenticationError("The access token names no session.")
    return principal_from_claims(session, claims), claims.session_id


def _renewed(
    request: Request, context: AppContext, session: SessionDep
) -> tuple[UserPrincipal, uuid.UUID]:
    """An expired access token renewed with the refresh cookie (the /v1/auth/refresh rules),
    once per refresh token however many requests race (see `api.webapp.renewal`)."""
    presented = request.cookies.get(REFRESH_COOKIE)
    if not presented:
        raise LoginRequiredError()

    def rotate() -> sessions.IssuedTokens | sessions.Rejected:
        owner = sessions.refresh_token_owner(session, presented)
        if owner is not None:
            enforce(request, context, LimitCategory.REFRESH_PER_USER, str(owner))
        outcome = sessions.refresh(
            session,
            context.tokens,
            presented=presented,
            now=context.clock(),
            who=anonymous_audit_context(request),
        )
        # Committed under the lock: a waiting request must find the token rotated, and a
        # detected reuse revokes the family even though this request signs out.
        session.commit()
        return outcome

    outcome = RENEWALS.renew(presented, context.clock(), rotate)
    if isinstance(outcome, sessions.Rejected):
        end_session(request)
        raise LoginRequiredError()
    keep_tokens(request, context, outcome)
    return outcome.principal, outcome.session_id


def signed_in_user(request: Request, context: ContextDep, session: SessionDep) -> UserPrincipal:
    """The user of a page; rate-limited like every /v1 management route (§27.1)."""
    token = request.cookies.get(ACCESS_COOKIE)
    signed_in: tuple[UserPrincipal, uuid.UUID] | None = None
    if token:
        try:
            signed_in = _principal_from_access_token(context, session, token)
        except AuthenticationError:
            # Expired, tampered with or revoked: the refresh token decides. A disabled user or
            # a revoked login is signed out; after a role change the session goes on with the
            # new roles.
            signed_in = None
    if signed_in is None:
        signed_in = _renewed(request, context, session)
    principal, request.state.session_id = signed_in
    request.state.principal = principal
    management_rate_limit(request, context, principal)
    record = session.get(User, principal.user_id)
    request.state.user_name = record.display_name if record is not None else None
    return principal


WebUser = Annotated[UserPrincipal, Depends(signed_in_user)]


async def form_fields(request: Request) -> dict[str, str]:
    """The urlencoded body of a form post (first value of each field). The app ships no
    multipart parser and the pages post no files, so other bodies are refused."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type != FORM_CONTENT_TYPE or len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    fields = {name: values[0] for name, values in parsed.items()}
    request.state.form_fields = fields  # an error page shows what was sent (issue 19 item 10)
    return fields


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def require_csrf(request: Request, fields: Mapping[str, str]) -> None:
    """Signed in (the user was resolved first): the session's token; before login: the cookie's."""
    session_id = _signed_in_session(request)
    if session_id is not None:
        context: AppContext = request.app.state.context
        expected = session_csrf_token(context.tokens.key, session_id)
    else:
        expected = request.cookies.get(CSRF_COOKIE, "")
    sent = fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefusedError()


def checked_form(request: Request, fields: FormFields) -> dict[str, str]:
    """A state-changing form whose CSRF token matched."""
    require_csrf(request, fields)
    return fields


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
