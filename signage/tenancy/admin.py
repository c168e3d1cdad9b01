"""Tenant administration (§27.4): venues, users and their roles. Every query starts from the
caller's tenant, so another tenant's rows are simply not found (§25.6)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.auth.passwords import MIN_PASSWORD_LENGTH
from signage.auth.principal import UserPrincipal
from signage.auth.roles import tenant_roles_of, venue_roles_of
from signage.auth.sessions import (
    accounts_with_email,
    end_access_tokens,
    password_hash_for,
    revoke_all_for_user,
)
from signage.content.scope import LibraryScope
from signage.db.integrity import unique_or_conflict
from signage.db.models import (
    Device,
    Playlist,
    TenantUserRole,
    User,
    Venue,
    VenueEpoch,
    VenueUserRole,
)
from signage.enums import Capability, TenantRole, UserStatus, VenueRole
from signage.epochs import bump_venue_epoch
from signage.errors import ConflictError, DuplicateError, NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate
from signage.queries import contains, live, tenant_venue, tenant_venues, visible_to
from signage.tenancy.timezones import is_valid_timezone

EMAIL_TAKEN = "A user with this e-mail already exists in this tenant."

# -- venues ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueFields:
    name: str
    timezone: str
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    postcode: str | None = None
    country_code: str | None = None
    fallback_playlist_id: uuid.UUID | None = None


def list_venues(
    session: Session, tenant_id: uuid.UUID, page: PageRequest, q: str | None = None
) -> Page[Venue]:
    """A page of the tenant's live venues by name, optionally those whose name contains `q`."""
    statement = tenant_venues(tenant_id)
    if q:
        statement = statement.where(contains(Venue.name, q))
    return paginate(session, statement, [Venue.name, Venue.id], page, parse=[str, uuid.UUID])


def get_venue(session: Session, tenant_id: uuid.UUID, venue_id: uuid.UUID) -> Venue:
    """A live venue of the tenant, or NotFoundError."""
    venue = session.scalar(tenant_venue(tenant_id, venue_id))
    if venue is None:
        raise NotFoundError(f"Venue {venue_id} was not found.")
    return venue


def create_venue(
    session: Session,
    tenant_id: uuid.UUID,
    fields: VenueFields,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> Venue:
    """A new venue with its epoch, validated and audited."""
    _validate_venue(session, tenant_id, None, fields)
    venue = Venue(tenant_id=tenant_id, **_venue_columns(fields))
    session.add(venue)
    session.flush()
    session.add(VenueEpoch(venue_id=venue.id, tenant_id=tenant_id))
    _audit_venue(session, who, audit.AuditAction.VENUE_CREATED, venue, now)
    return venue


def update_venue(
    session: Session,
    tenant_id: uuid.UUID,
    venue_id: uuid.UUID,
    fields: VenueFields,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> Venue:
    """Change a venue's fields; a change screens show bumps its epoch."""
    venue = get_venue(session, tenant_id, venue_id)
    _validate_venue(session, tenant_id, venue_id, fields)
    playback_changed = (venue.name, venue.timezone, venue.fallback_playlist_id) != (
        fields.name,
        fields.timezone,
        fields.fallback_playlist_id,
    )
    for column, value in _venue_columns(fields).items():
        setattr(venue, column, value)
    if playback_changed:
        # §26.9: the fallback and timezone play out; the name is on the screens' own slides
        bump_venue_epoch(session, venue_id, now)
    audit.record(
        session,
        who,
        audit.AuditAction.VENUE_UPDATED,
        tenant_id=tenant_id,
        now=now,
        target_type=AuditTarget.VENUE,
        target_id=venue.id,
    )
    return venue


def archive_venue(
    session: Session,
    tenant_id: uuid.UUID,
    venue_id: uuid.UUID,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> Venue:
    """Archive a venue the tenant no longer runs (issue 19 item 5): it leaves every list and
    lookup (deleted_at, as every live() query reads it), its content and history stay for the
    audit trail. Refused (409, naming them) while screens are paired there: they would go on
    playing a venue nobody can see or change; move them to another venue or remove them first."""
    venue = session.scalar(tenant_venue(tenant_id, venue_id).with_for_update())
    if venue is None:
        raise NotFoundError(f"Venue {venue_id} was not found.")
    screens = session.execute(
        select(Device.id, Device.name)
        .where(Device.venue_id == venue.id, live(Device))
        .order_by(Device.name)
    ).all()
    if screens:
        names = ", ".join(name for _, name in screens)
        raise ConflictError(
            f"{venue.name} still has screens ({names}); move them to another venue or remove "
            "them first.",
            context={"devices": [{"deviceId": str(i), "name": n} for i, n in screens]},
        )
    venue.deleted_at = now
    _audit_venue(session, who, audit.AuditAction.VENUE_ARCHIVED, venue, now)
    return venue


def _audit_venue(
    session: Session,
    who: audit.AuditContext,
    action: audit.AuditAction,
    venue: Venue,
    now: datetime,
) -> None:
    audit.record(
        session,
        who,
        action,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.VENUE,
        target_id=venue.id,
        details={"name": venue.name},
    )


def _venue_columns(fields: VenueFields) -> dict[str, object]:
    return {
        "name": fields.name.strip(),
        "timezone": fields.timezone,
        "address_line1": fields.address_line1,
        "address_line2": fields.address_line2,
        "city": fields.city,
        "postcode": fields.postcode,
        "country_code": fields.country_code.upper() if fields.country_code else None,
        "fallback_playlist_id": fields.fallback_playlist_id,
    }


def _validate_venue(
    session: Session, tenant_id: uuid.UUID, venue_id: uuid.UUID | None, fields: VenueFields
) -> None:
    errors = []
    if not fields.name.strip():
        errors.append({"location": "body.name", "message": "must not be blank"})
    if not is_valid_timezone(fields.timezone):
        errors.append(
            {"location": "body.timezone", "message": f"{fields.timezone!r} is not an IANA timezone"}
        )
    if fields.fallback_playlist_id and not _playlist_visible_to_venue(
        session, tenant_id, venue_id, fields.fallback_playlist_id
    ):
        errors.append(
            {"location": "body.fallbackPlaylistId", "message": "no such playlist for this venue"}
        )
    if errors:
        raise ValidationFailedError("The venue is not valid.", errors=errors)


def _playlist_visible_to_venue(
    session: Session, tenant_id: uuid.UUID, venue_id: uuid.UUID | None, playlist_id: uuid.UUID
) -> bool:
    """Shared playlists, or this venue's own (§6 Content Scope): LibraryScope's rule."""
    scope = LibraryScope(tenant_id, venue_id)
    found = session.scalar(
        select(Playlist.id).where(Playlist.id == playlist_id, visible_to(scope, Playlist))
    )
    return found is not None


# -- users -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewUser:
    email: str
    display_name: str
    password: str
    tenant_roles: frozenset[TenantRole] = frozenset()
    capabilities: frozenset[Capability] = frozenset()
    venue_roles: dict[uuid.UUID, VenueRole] | None = None


@dataclass(frozen=True)
class UserChanges:
    display_name: str | None = None
    status: UserStatus | None = None
    tenant_roles: frozenset[TenantRole] | None = None
    capabilities: frozenset[Capability] | None = None


@dataclass(frozen=True)
class UserView:
    user: User
    tenant_roles: frozenset[TenantRole]
    venue_roles: dict[uuid.UUID, VenueRole]


def list_users(
    session: Session,
    tenant_id: uuid.UUID,
    page: PageRequest,
    q: str | None = None,
    status: UserStatus | None = None,
) -> Page[UserView]:
    """A page of the tenant's users by e-mail, filtered as asked."""
    statement = select(User).where(User.tenant_id == tenant_id)
    if q:
        statement = statement.where(or_(contains(User.email, q), contains(User.display_name, q)))
    if status:
        statement = statement.where(User.status == status)
    found = paginate(session, statement, [User.email, User.id], page, parse=[str, uuid.UUID])
    return Page([view_user(session, u) for u in found.items], found.next_cursor)


def get_user(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
    """A user of the tenant, or NotFoundError."""
    user = session.scalar(select(User).where(User.id == user_id, User.tenant_id == tenant_id))
    if user is None:
        raise NotFoundError(f"User {user_id} was not found.")
    return user


def view_user(session: Session, user: User) -> UserView:
    """The user with their tenant and venue roles."""
    return UserView(user, tenant_roles_of(session, user.id), venue_roles_of(session, user.id))


def create_user(
    session: Session,
    tenant_id: uuid.UUID,
    new: NewUser,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> User:
    """A new user of the tenant with roles and a hashed password, audited."""
    if len(new.password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(
            "The password is too short.",
            errors=[
                {
                    "location": "body.password",
                    "message": f"at least {MIN_PASSWORD_LENGTH} characters",
                }
            ],
        )
    email = new.email.strip().lower()
    # E-mails are unique per tenant (issue 13): whether the address has an account in another
    # tenant changes nothing in the answer, so no tenant learns about another's users.
    if accounts_with_email(session, email, tenant_id):
        raise DuplicateError(EMAIL_TAKEN, field="email")
    user = User(
        tenant_id=tenant_id,
        email=email,
        display_name=new.display_name.strip(),
        password_hash=password_hash_for(session, email, new.password),
        capabilities=sorted(c.value for c in new.capabilities),
    )
    with unique_or_conflict(session, detail=EMAIL_TAKEN):  # a concurrent create of the e-mail
        session.add(user)
    _replace_tenant_roles(session, tenant_id, user.id, new.tenant_roles)
    if new.venue_roles:
        _replace_venue_roles(session, tenant_id, user.id, new.venue_roles)
    audit.record(
        session,
        who,
        audit.AuditAction.USER_CREATED,
        tenant_id=tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=user.id,
        details={"email": email, "tenantRoles": sorted(new.tenant_roles)},
    )
    return user


def update_user(
    session: Session,
    actor: UserPrincipal,
    user_id: uuid.UUID,
    changes: UserChanges,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> User:
    """Change a user's name, status, roles or capabilities; nobody changes their own access."""
    user = get_user(session, actor.tenant_id, user_id)
    changes_own_access = changes.status is not None or changes.tenant_roles is not None
    if user.id == actor.user_id and changes_own_access:
        raise ValidationFailedError("You cannot change your own roles or status.")
    if changes.display_name is not None:
        user.display_name = changes.display_name.strip()
    if changes.capabilities is not None:
        user.capabilities = sorted(c.value for c in changes.capabilities)
    if changes.status is not None and changes.status is not user.status:
        user.status = changes.status
        if changes.status is UserStatus.DISABLED:
            revoke_all_for_user(session, user.id, now)
    if changes.tenant_roles is not None or changes.capabilities is not None:
        # Tokens carry roles and capabilities: the old ones must not keep what was taken away
        # (issue 13 item 7); the user's next refresh issues tokens with the new ones.
        end_access_tokens(session, user.id)
    if changes.tenant_roles is not None:
        _replace_tenant_roles(session, actor.tenant_id, user.id, changes.tenant_roles)
        audit.record(
            session,
            who,
            audit.AuditAction.ROLES_CHANGED,
            tenant_id=actor.tenant_id,
            now=now,
            target_type=AuditTarget.USER,
            target_id=user.id,
            details={"tenantRoles": sorted(changes.tenant_roles)},
        )
    audit.record(
        session,
        who,
        audit.AuditAction.USER_UPDATED,
        tenant_id=actor.tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=user.id,
        details={"status": user.status.value, "capabilities": user.capabilities},
    )
    return user


def set_venue_roles(
    session: Session,
    actor: UserPrincipal,
    user_id: uuid.UUID,
    venue_roles: dict[uuid.UUID, VenueRole],
    *,
    now: datetime,
    who: audit.AuditContext,
) -> User:
    """Replace the user's venue roles and end their tokens; not one's own."""
    user = get_user(session, actor.tenant_id, user_id)
    if user.id == actor.user_id:
        raise ValidationFailedError("You cannot change your own roles.")
    _replace_venue_roles(session, actor.tenant_id, user.id, venue_roles)
    end_access_tokens(session, user.id)  # tokens carry venue roles: see update_user
    audit.record(
        session,
        who,
        audit.AuditAction.ROLES_CHANGED,
        tenant_id=actor.tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=user.id,
        details={"venueRoles": {str(v): r.value for v, r in venue_roles.items()}},
    )
    return user


def _replace_tenant_roles(
    session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID, roles: frozenset[TenantRole]
) -> None:
    session.execute(delete(TenantUserRole).where(TenantUserRole.user_id == user_id))
    for role in sorted(roles):
        session.add(TenantUserRole(tenant_id=tenant_id, user_id=user_id, role=role))
    session.flush()


def _replace_venue_roles(
    session: Session,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    venue_roles: dict[uuid.UUID, VenueRole],
) -> None:
    known = set(
        session.scalars(
            select(Venue.id).where(
                Venue.tenant_id == tenant_id,
                Venue.id.in_(list(venue_roles)),
                live(Venue),
            )
        )
    )
    unknown = [v for v in venue_roles if v not in known]
    if unknown:
        raise ValidationFailedError(
            "Some venues were not found.",
            errors=[{"location": "body.venueRoles", "message": f"no venue {v}"} for v in unknown],
        )
    session.execute(delete(VenueUserRole).where(VenueUserRole.user_id == user_id))
    for venue_id, role in venue_roles.items():
        session.add(
            VenueUserRole(tenant_id=tenant_id, venue_id=venue_id, user_id=user_id, role=role)
        )
    session.flush()
