"""The request bundles: what a handler needs about its request, in one parameter.

`UserCall` is what every signed-in handler needs: the request, its user, the app's context, the
request's session (the one transaction `get_session` commits) and its time, and the audit
context they make. `Call` is a /v1 management request and its response, for headers (ETag,
§16). The web app's `PageView` and `FormPost` (api/webapp/calls.py) build on `UserCall` with a
cookie-session user instead of a bearer token.

Building a bundle adds no dependency a handler did not already resolve: FastAPI resolves each
once per request, and on /v1 the router's rate limit has resolved `CurrentUser` first. The
bundles add nothing to the OpenAPI document either (no query, header or body parameter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from api.auth import CurrentUser, user_audit_context
from api.context import AppContext
from api.deps import ContextDep, NowDep, SessionDep
from signage.audit import AuditContext
from signage.auth.principal import UserPrincipal


@dataclass(frozen=True)
class UserCall:
    """A signed-in user's request: who asks, with what, in which transaction, and when."""

    request: Request
    user: UserPrincipal
    context: AppContext
    session: Session
    now: datetime

    @property
    def who(self) -> AuditContext:
        """The audit context of the request: the user, their address and the request id."""
        return user_audit_context(self.request, self.user)


@dataclass(frozen=True)
class Call(UserCall):
    """A /v1 management request, with the response its headers go on."""

    response: Response

    def send_etag(self, etag: str) -> None:
        """The answer's ETag header (§16): what a later If-Match must send."""
        self.response.headers["ETag"] = etag


async def v1_call(
    request: Request,
    response: Response,
    user: CurrentUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Call:
    """The /v1 request bundle (no I/O: `async`, so no thread-pool hop)."""
    return Call(request, user, context, session, now, response)


CallDep = Annotated[Call, Depends(v1_call)]
