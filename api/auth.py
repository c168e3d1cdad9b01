"""Who is calling: bearer tokens turned into principals, and the audit context of a request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.context import AppContext
from api.deps import ContextDep, SessionDep
from api.problems import raises
from api.ratelimit import client_ip_address, enforce, enforce_unattributed
from signage.audit import AuditContext
from signage.auth import sessions
from signage.auth.policy import (
    VenueAction,
    authorize_tenant_admin,
    authorize_venue,
    venue_hidden,
)
from signage.auth.principal import DevicePrincipal, UserPrincipal
from signage.auth.roles import venue_roles_of
from signage.auth.tokens import (
    AccessClaims,
    decode_access_token,
    decode_device_token,
    token_digest,
)
from signage.db.models import Venue
from signage.devices import tokens as device_tokens
from signage.enums import ActorType
from signage.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from signage.queries import tenant_venue
from signage.ratelimit import LimitCategory

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Send `Authorization: Bearer <token>`.")
    return token.strip()


@raises(AuthenticationError, RateLimitedError)
def current_user(request: Request, context: ContextDep, session: SessionDep) -> UserPrincipal:
    """The user a management request acts as (§25.5 step 1). Device tokens are refused."""
    try:
        claims = unrevoked_claims(context, session, bearer_token(request))
    except AuthenticationError:
        enforce_unattributed(request, context)  # a 401 carries X-RateLimit-* too (§27.1)
        raise
    principal = principal_from_claims(session, claims)
    request.state.principal = principal
    return principal


def unrevoked_claims(context: AppContext, session: Session, access_token: str) -> AccessClaims:
    """An access token's claims (a bearer header or the web app's cookie), once it is known not
    to be revoked. May block (the database, Redis): call it in the pool."""
    claims = decode_access_token(context.tokens.key, access_token, context.clock())
    _require_unrevoked(context, session, claims)
    return claims


def principal_from_claims(session: Session, claims: AccessClaims) -> UserPrincipal:
    venue_roles = claims.venue_roles
    if venue_roles is None:  # too many venues for the token: resolved here (§25.3 note)
        venue_roles = venue_roles_of(session, claims.user_id)
    return UserPrincipal(
        user_id=claims.user_id,
        tenant_id=claims.tenant_id,
        tenant_roles=claims.tenant_roles,
        venue_roles=venue_roles,
        capabilities=claims.capabilities,
    )


def _require_unrevoked(context: AppContext, session: Session, claims: AccessClaims) -> None:
    """The token's session epoch against its user's current one (issue 13 item 7), cached
    until the next revocation. A database error propagates: an outage is not a bad token."""
    cache = context.session_epochs
    current = cache.get(claims.user_id)
    if current is None:
        revocations_seen = cache.epoch()  # before the query: see RevocationCache.put
        current = sessions.current_session_epoch(session, claims.user_id)
        if current is not None:
            cache.put(claims.user_id, current, revocations_seen)
    if not sessions.token_is_current(claims.session_epoch, current):
        raise AuthenticationError("The access token has been revoked; sign in again.")


CurrentUser = Annotated[UserPrincipal, Depends(current_user)]


@raises(RateLimitedError)
def management_rate_limit(request: Request, context: ContextDep, user: CurrentUser) -> None:
    """Every management route: reads per user, mutations per tenant (§27.1)."""
    if request.method in READ_METHODS:
        enforce(
            request,
            context,
            LimitCategory.READ_PER_USER,
            str(user.user_id),
            tenant_id=user.tenant_id,
        )
    else:
        enforce(
            request,
            context,
            LimitCategory.MUTATION_PER_TENANT,
            str(user.tenant_id),
            tenant_id=user.tenant_id,
        )


def anonymous_audit_context(request: Request) -> AuditContext:
    """For routes used before anyone is signed in (login, refresh, logout)."""
    return _audit_context(request, ActorType.ANONYMOUS, None)


def user_audit_context(request: Request, user: CurrentUser) -> AuditContext:
    return _audit_context(request, ActorType.USER, user.user_id)


def _audit_context(
    request: Request, actor_type: ActorType, actor_id: uuid.UUID | None
) -> AuditContext:
    return AuditContext(
        actor_type=actor_type,
        actor_id=actor_id,
        ip_address=client_ip_address(request),
        request_id=getattr(request.state, "request_id", None),
    )


AnonymousAudit = Annotated[AuditContext, Depends(anonymous_audit_context)]
UserAudit = Annotated[AuditContext, Depends(user_audit_context)]


@raises(NotFoundError)
def venue_in_tenant(venueId: uuid.UUID, user: CurrentUser, session: SessionDep) -> Venue:  # noqa: N803
    """The path's venue, looked up inside the caller's tenant only (§25.6)."""
    venue = session.scalar(tenant_venue(user.tenant_id, venueId))
    if venue is None:
        raise venue_hidden(venueId)
    return venue


def _venue_access(action: VenueAction) -> Callable[..., Venue]:
    @raises(NotFoundError, PermissionDeniedError)
    def dependency(user: CurrentUser, venue: Annotated[Venue, Depends(venue_in_tenant)]) -> Venue:
        authorize_venue(user, venue.id, action)
        return venue

    dependency.__name__ = f"venue_{action.name.lower()}"
    return dependency


VenueReader = Annotated[Venue, Depends(_venue_access(VenueAction.READ))]
VenueEditor = Annotated[Venue, Depends(_venue_access(VenueAction.EDIT_CONTENT))]
VenueManager = Annotated[Venue, Depends(_venue_access(VenueAction.MANAGE))]


def own_tenant(tenantId: uuid.UUID, user: CurrentUser) -> UserPrincipal:  # noqa: N803
    """The caller, when the path's tenant is theirs; another tenant is a 404 (§25.6)."""
    if tenantId != user.tenant_id:
        raise NotFoundError(f"Tenant {tenantId} was not found.")
    return user


@raises(PermissionDeniedError)
def tenant_reader(user: Annotated[UserPrincipal, Depends(own_tenant)]) -> UserPrincipal:
    authorize_tenant_admin(user, read_only=True)
    return user


@raises(PermissionDeniedError)
def tenant_admin(user: Annotated[UserPrincipal, Depends(own_tenant)]) -> UserPrincipal:
    authorize_tenant_admin(user)
    return user


TenantReader = Annotated[UserPrincipal, Depends(tenant_reader)]
TenantAdmin = Annotated[UserPrincipal, Depends(tenant_admin)]


@raises(AuthenticationError, RateLimitedError)
async def current_device(
    request: Request, context: ContextDep, session: SessionDep
) -> DevicePrincipal:
    """The device a player request acts as (§25.5 Device Authorization); user tokens refused.
    The signature and expiry are checked every time, on the event loop (CPU only); the
    database check is cached until the next revocation (api.device_token_cache) and, on a
    miss, runs in the thread pool."""
    try:
        token = bearer_token(request)
        claims = decode_device_token(context.tokens.key, token, context.clock())
        digest = token_digest(token)
        cache = context.device_tokens
        in_pool = run_in_threadpool
        cached = cache.get(digest) if cache.in_process else await in_pool(cache.get, digest)
        if cached is not None and cached.device_id == claims.device_id:
            return cached
        return await in_pool(_authenticate_device, context, session, token, digest)
    except AuthenticationError:
        # A 401 carries X-RateLimit-* too (§27.1); counted per address, not per device.
        await run_in_threadpool(enforce_unattributed, request, context)
        raise


def _authenticate_device(
    context: AppContext, session: Session, token: str, digest: str
) -> DevicePrincipal:
    epoch = context.device_tokens.epoch()  # Redis when configured: I/O, so in the pool too
    principal = device_tokens.authenticate(session, context.tokens, token, context.clock())
    context.device_tokens.put(digest, principal, epoch)
    return principal


CurrentDevice = Annotated[DevicePrincipal, Depends(current_device)]


def device_audit_context(request: Request, device: CurrentDevice) -> AuditContext:
    return _audit_context(request, ActorType.DEVICE, device.device_id)


DeviceAudit = Annotated[AuditContext, Depends(device_audit_context)]
