"""§27.3 authentication: login, refresh (rotating), logout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from api.auth import AnonymousAudit
from api.deps import ContextDep, SessionDep
from api.problems import raises
from api.ratelimit import (
    enforce,
    enforce_login_limits,
    enforce_unattributed,
    unattributed_rate_limit,
)
from api.schemas.auth import LoginRequest, RefreshRequest, TokenResponse
from api.views import accessible_venues_out, current_user_out
from signage.auth import sessions
from signage.auth.sessions import INVALID_CREDENTIALS
from signage.errors import AuthenticationError, ConflictError, RateLimitedError
from signage.pagination import MAX_LIMIT, PageRequest
from signage.ratelimit import LimitCategory

router = APIRouter(prefix="/v1/auth", tags=["auth"])

# One answer for every failure: no hint whether the e-mail exists (§25.10, no enumeration).


@router.post("/login", summary="Sign in with e-mail and password")
@raises(AuthenticationError, ConflictError, RateLimitedError)
def login(
    body: LoginRequest,
    request: Request,
    context: ContextDep,
    session: SessionDep,
    who: AnonymousAudit,
) -> TokenResponse:
    enforce_login_limits(request, context, body.email)
    outcome = sessions.login(
        session,
        context.tokens,
        email=body.email,
        password=body.password,
        now=context.clock(),
        who=who,
        tenant_id=body.tenant_id,
    )
    if isinstance(outcome, sessions.Rejected):
        session.commit()  # the audit row of a failed attempt outlives the 401
        raise AuthenticationError(INVALID_CREDENTIALS)
    if isinstance(outcome, sessions.Ambiguous):
        raise ambiguous_login(outcome)
    return _token_response(session, outcome, context.clock().timestamp())


def ambiguous_login(outcome: sessions.Ambiguous) -> ConflictError:
    """409 naming the tenants this e-mail and password open: only their owner can see it."""
    tenants = [{"tenantId": str(t.id), "name": t.name} for t in outcome.tenants]
    return ConflictError(
        "This e-mail and password open accounts in several organisations; "
        "sign in again with the tenantId of one.",
        context={"tenants": tenants},
    )


@router.post("/refresh", summary="Exchange a refresh token for new tokens (rotated)")
@raises(AuthenticationError, RateLimitedError)
def refresh(
    body: RefreshRequest,
    request: Request,
    context: ContextDep,
    session: SessionDep,
    who: AnonymousAudit,
) -> TokenResponse:
    owner = sessions.refresh_token_owner(session, body.refresh_token)
    if owner is not None:
        enforce(request, context, LimitCategory.REFRESH_PER_USER, str(owner))
    else:
        enforce_unattributed(request, context)  # an unknown token: counted per address
    outcome = sessions.refresh(
        session, context.tokens, presented=body.refresh_token, now=context.clock(), who=who
    )
    if isinstance(outcome, sessions.Rejected):
        session.commit()  # a detected reuse revokes the family even though we answer 401
        raise AuthenticationError("The refresh token is not valid; sign in again.")
    return _token_response(session, outcome, context.clock().timestamp())


@router.post(
    "/logout",
    status_code=204,
    summary="End the session of a refresh token",
    dependencies=[Depends(unattributed_rate_limit)],
)
@raises(RateLimitedError)
def logout(
    body: RefreshRequest, context: ContextDep, session: SessionDep, who: AnonymousAudit
) -> Response:
    sessions.logout(session, presented=body.refresh_token, now=context.clock(), who=who)
    return Response(status_code=204)


def _token_response(
    session: Session, issued: sessions.IssuedTokens, now_epoch: float
) -> TokenResponse:
    return TokenResponse(
        access_token=issued.access_token,
        expires_in_seconds=int(issued.access_expires_at.timestamp() - now_epoch),
        access_token_expires_at_utc=issued.access_expires_at,
        refresh_token=issued.refresh_token,
        refresh_token_expires_at_utc=issued.refresh_expires_at,
        user=current_user_out(issued.user, issued.principal),
        # The first page (200) of venues; more via GET /v1/me/venues?cursor=...
        venues=accessible_venues_out(session, issued.principal, PageRequest(limit=MAX_LIMIT)).items,
    )
