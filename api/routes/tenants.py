"""§27.4 tenant administration: venues, users, venue roles; and the tenant audit trail (§25.9).

The `tenantId` in the path is never trusted (§25.6): anything but the caller's own is 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from api.auth import TenantAdmin, TenantReader, management_rate_limit
from api.calls import CallDep
from api.deps import PageQuery, SessionDep
from api.problems import raises
from api.schemas import Page
from api.schemas.tenancy import (
    AuditEntryOut,
    UserCreate,
    UserOut,
    UserPatch,
    VenueIn,
    VenueOut,
    VenueRolesPut,
)
from api.views import user_out
from signage.db.models import AuditEntry
from signage.enums import UserStatus
from signage.errors import ConflictError
from signage.pagination import paginate
from signage.tenancy import admin

router = APIRouter(
    prefix="/v1/tenants/{tenantId}",
    tags=["tenant admin"],
    dependencies=[Depends(management_rate_limit)],
)


# -- venues ------------------------------------------------------------------------------------


@router.post("/venues", status_code=201, summary="Create a venue")
def create_venue(body: VenueIn, user: TenantAdmin, call: CallDep) -> VenueOut:
    fields = _venue_fields(body)
    venue = admin.create_venue(call.session, user.tenant_id, fields, now=call.now, who=call.who)
    return VenueOut.model_validate(venue)


@router.get("/venues", summary="List venues")
def list_venues(
    user: TenantReader,
    session: SessionDep,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[VenueOut]:
    found = admin.list_venues(session, user.tenant_id, page, q)
    return Page(
        items=[VenueOut.model_validate(v) for v in found.items], next_cursor=found.next_cursor
    )


@router.get("/venues/{venueId}", summary="Get a venue")
def get_venue(venueId: uuid.UUID, user: TenantReader, session: SessionDep) -> VenueOut:
    return VenueOut.model_validate(admin.get_venue(session, user.tenant_id, venueId))


@router.put("/venues/{venueId}", summary="Replace a venue's details")
def put_venue(venueId: uuid.UUID, body: VenueIn, user: TenantAdmin, call: CallDep) -> VenueOut:
    venue = admin.update_venue(
        call.session, user.tenant_id, venueId, _venue_fields(body), now=call.now, who=call.who
    )
    return VenueOut.model_validate(venue)


def _venue_fields(body: VenueIn) -> admin.VenueFields:
    return admin.VenueFields(**body.model_dump())


# -- users -------------------------------------------------------------------------------------


@router.post("/users", status_code=201, summary="Create a user")
@raises(ConflictError)
def create_user(body: UserCreate, user: TenantAdmin, call: CallDep) -> UserOut:
    new = admin.NewUser(
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        tenant_roles=frozenset(body.tenant_roles),
        capabilities=frozenset(body.capabilities),
        venue_roles={r.venue_id: r.role for r in body.venue_roles},
    )
    created = admin.create_user(call.session, user.tenant_id, new, now=call.now, who=call.who)
    return user_out(admin.view_user(call.session, created))


# The people of a tenant (e-mails, roles, last sign-in) are for its admins only (§27.4, §5 "User
# management"); tenant viewers read venues and content, not who the users are (issue 13).
@router.get("/users", summary="List users")
def list_users(
    user: TenantAdmin,
    session: SessionDep,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: UserStatus | None = None,
) -> Page[UserOut]:
    found = admin.list_users(session, user.tenant_id, page, q, status)
    return Page(items=[user_out(v) for v in found.items], next_cursor=found.next_cursor)


@router.get("/users/{userId}", summary="Get a user")
def get_user(userId: uuid.UUID, user: TenantAdmin, session: SessionDep) -> UserOut:
    return user_out(admin.view_user(session, admin.get_user(session, user.tenant_id, userId)))


@router.patch("/users/{userId}", summary="Change a user's name, status, roles or capabilities")
def patch_user(userId: uuid.UUID, body: UserPatch, user: TenantAdmin, call: CallDep) -> UserOut:
    changes = admin.UserChanges(
        display_name=body.display_name,
        status=body.status,
        tenant_roles=None if body.tenant_roles is None else frozenset(body.tenant_roles),
        capabilities=None if body.capabilities is None else frozenset(body.capabilities),
    )
    updated = admin.update_user(call.session, user, userId, changes, now=call.now, who=call.who)
    return user_out(admin.view_user(call.session, updated))


@router.put("/users/{userId}/venue-roles", summary="Replace a user's venue roles")
def put_venue_roles(
    userId: uuid.UUID, body: VenueRolesPut, user: TenantAdmin, call: CallDep
) -> UserOut:
    roles = {r.venue_id: r.role for r in body.venue_roles}
    updated = admin.set_venue_roles(call.session, user, userId, roles, now=call.now, who=call.who)
    return user_out(admin.view_user(call.session, updated))


# -- audit -------------------------------------------------------------------------------------


@router.get("/audit", summary="The tenant's audit trail, newest first")
def list_audit(
    user: TenantAdmin,
    session: SessionDep,
    page: PageQuery,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditEntryOut]:
    statement = select(AuditEntry).where(AuditEntry.tenant_id == user.tenant_id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    found = paginate(session, statement, [AuditEntry.id], page, descending=True, parse=[int])
    return Page(
        items=[AuditEntryOut.model_validate(e) for e in found.items], next_cursor=found.next_cursor
    )
