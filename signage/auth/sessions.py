"""User sessions: login, refresh-token rotation with reuse detection, logout (§25.2, §25.7).

Rejections are returned, not raised, so the caller can keep the audit row of a failed attempt
(commit) before answering 401.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.auth.passwords import hash_password, matching, needs_rehash
from signage.auth.principal import UserPrincipal
from signage.auth.roles import principal_for
from signage.auth.tokens import TokenPolicy, issue_access_token, new_opaque_token, token_digest
from signage.db.models import RefreshToken, Tenant, User
from signage.enums import ActorType, RefreshTokenStatus, TenantStatus, UserStatus

# One answer for every refused sign-in, so it never says which part was wrong (§25.3).
INVALID_CREDENTIALS = "The e-mail or password is not correct, or the account is disabled."


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: User
    principal: UserPrincipal
    session_id: uuid.UUID  # the login: the refresh-token family, the access token's `sid`


@dataclass(frozen=True)
class Rejected:
    reason: str  # for the audit trail only; clients get one undifferentiated 401


@dataclass(frozen=True)
class Ambiguous:
    """The e-mail and password open accounts in several tenants: the client must name one."""

    tenants: tuple[Tenant, ...]


def login(
    session: Session,
    policy: TokenPolicy,
    *,
    email: str,
    password: str,
    now: datetime,
    who: audit.AuditContext,
    tenant_id: uuid.UUID | None = None,
) -> IssuedTokens | Rejected | Ambiguous:
    """Sign in to the account the password opens among those with this e-mail (one per tenant,
    issue 13), or the one in `tenant_id`. Nothing in the answer, its audit rows or its duration
    depends on accounts the password does not open: one argon2 computation however many there
    are (`passwords.matching`), so no tenant learns whether an address exists in another."""
    address = email.strip().lower()
    accounts = accounts_with_email(session, address, tenant_id)
    opened = [
        account
        for account, ok in zip(
            accounts, matching([a.password_hash for a in accounts], password), strict=True
        )
        if ok
    ]
    usable = [account for account in opened if may_sign_in(session, account)]
    if len(usable) > 1:
        return Ambiguous(tuple(session.get_one(Tenant, a.tenant_id) for a in usable))
    if not usable:
        reason = "disabled" if opened else None
        return _reject(session, who, address, opened or accounts, reason, now)
    user = usable[0]
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, like=user.password_hash)
    user.last_login_at = now
    signed_in = replace(who, actor_type=ActorType.USER, actor_id=user.id)
    audit.record(
        session,
        signed_in,
        audit.AuditAction.LOGIN_SUCCEEDED,
        tenant_id=user.tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=user.id,
    )
    return _issue(session, policy, user, family_id=uuid.uuid4(), now=now, ip=who.ip_address)


def accounts_with_email(
    session: Session, address: str, tenant_id: uuid.UUID | None = None
) -> list[User]:
    """Every account with this (lower-case) address, oldest first; in one tenant if given."""
    statement = select(User).where(func.lower(User.email) == address)
    if tenant_id is not None:
        statement = statement.where(User.tenant_id == tenant_id)
    return list(session.scalars(statement.order_by(User.created_at, User.id)))


def password_hash_for(session: Session, address: str, password: str) -> str:
    """A new account's hash, with the salt of the address's accounts in other tenants if any,
    so login checks them all with one computation (`passwords.matching`)."""
    others = accounts_with_email(session, address)
    return hash_password(password, like=others[0].password_hash if others else None)


def _reject(
    session: Session,
    who: audit.AuditContext,
    address: str,
    accounts: list[User],
    reason: str | None,
    now: datetime,
) -> Rejected:
    """Audit a failed sign-in in the tenant of each account it was tried against (each sees
    only its own account's failures), or tenant-less for an unknown address."""
    details = {"email": address[:254]}
    tried: list[User | None] = list(accounts) or [None]
    for account in tried:
        why = reason or ("wrong password" if account else "unknown email")
        audit.record(
            session,
            who,
            audit.AuditAction.LOGIN_FAILED,
            tenant_id=account.tenant_id if account else None,
            now=now,
            target_type=AuditTarget.USER,
            target_id=account.id if account else None,
            details={"reason": why, **details},
        )
    return Rejected(reason or ("wrong password" if accounts else "unknown email"))


def refresh_token_owner(session: Session, presented: str) -> uuid.UUID | None:
    """Whose token this is (for the per-user refresh limit), without judging it."""
    return session.scalar(
        select(RefreshToken.user_id).where(RefreshToken.token_hash == token_digest(presented))
    )


def refresh(
    session: Session,
    policy: TokenPolicy,
    *,
    presented: str,
    now: datetime,
    who: audit.AuditContext,
) -> IssuedTokens | Rejected:
    """Rotate a refresh token into new tokens; a reused rotated token revokes its family (§25.4)."""
    token = session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_digest(presented))
        .with_for_update()  # two refreshes racing with one token: the second sees ROTATED
    )
    if token is None:
        return Rejected("unknown refresh token")
    if token.status is RefreshTokenStatus.ROTATED:
        revoke_family(session, token.family_id, now)
        end_access_tokens(session, token.user_id)  # a thief's access token dies with it
        audit.record(
            session,
            who,
            audit.AuditAction.REFRESH_TOKEN_REUSED,
            tenant_id=token.tenant_id,
            now=now,
            target_type=AuditTarget.USER,
            target_id=token.user_id,
            details={"familyId": str(token.family_id)},
        )
        return Rejected("reused refresh token")
    if token.status is RefreshTokenStatus.REVOKED or token.expires_at <= now:
        return Rejected("revoked or expired refresh token")
    user = session.get(User, token.user_id)
    if user is None or not may_sign_in(session, user):
        revoke_family(session, token.family_id, now)
        return Rejected("disabled")
    token.status = RefreshTokenStatus.ROTATED
    token.rotated_at = now
    return _issue(session, policy, user, family_id=token.family_id, now=now, ip=who.ip_address)


def logout(session: Session, *, presented: str, now: datetime, who: audit.AuditContext) -> None:
    """End the login the refresh token belongs to; unknown tokens are ignored silently."""
    token = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_digest(presented))
    )
    if token is None:
        return
    revoke_family(session, token.family_id, now)
    end_access_tokens(session, token.user_id)
    audit.record(
        session,
        who,
        audit.AuditAction.LOGOUT,
        tenant_id=token.tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=token.user_id,
    )


def revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    """Revoke every refresh token descended from one sign-in."""
    session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.status != RefreshTokenStatus.REVOKED,
        )
        .values(status=RefreshTokenStatus.REVOKED, revoked_at=now)
    )


def revoke_all_for_user(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    """Revoke the user's refresh tokens and end their access tokens (every session signs out)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.status == RefreshTokenStatus.ACTIVE)
        .values(status=RefreshTokenStatus.REVOKED, revoked_at=now)
    )
    end_access_tokens(session, user_id)


# Set on a session whose transaction moves a user's session epoch, so the API can drop its
# cached epoch checks once (and only once) the move is committed.
EPOCH_MOVED_FLAG = "user_session_epochs_moved"


def end_access_tokens(session: Session, user_id: uuid.UUID) -> None:
    """Every access token issued to the user so far stops working once this commits: each
    carries the epoch it was issued under, and authentication wants the current one. Per user,
    not per login: a sign-out ends the user's other access tokens too, which renew with their
    own (still valid) refresh tokens."""
    session.info[EPOCH_MOVED_FLAG] = True
    session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1)
    )


def current_session_epoch(session: Session, user_id: uuid.UUID) -> int | None:
    """The epoch a user's access tokens must carry, or None when the user may not act at all
    (gone, disabled, or in a disabled tenant)."""
    return session.scalar(
        select(User.session_epoch)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(
            User.id == user_id,
            User.status == UserStatus.ACTIVE,
            Tenant.status == TenantStatus.ACTIVE,
        )
    )


def token_is_current(token_epoch: int, current_epoch: int | None) -> bool:
    """Whether an access token issued under `token_epoch` still stands."""
    return current_epoch is not None and token_epoch >= current_epoch


def may_sign_in(session: Session, user: User) -> bool:
    tenant = session.get(Tenant, user.tenant_id)
    return (
        user.status is UserStatus.ACTIVE
        and tenant is not None
        and tenant.status is TenantStatus.ACTIVE
    )


def _issue(
    session: Session,
    policy: TokenPolicy,
    user: User,
    *,
    family_id: uuid.UUID,
    now: datetime,
    ip: str | None,
) -> IssuedTokens:
    principal = principal_for(session, user)
    access_token, access_expires_at = issue_access_token(
        policy.key,
        user_id=user.id,
        tenant_id=user.tenant_id,
        tenant_roles=principal.tenant_roles,
        venue_roles=principal.venue_roles,
        capabilities=principal.capabilities,
        session_epoch=user.session_epoch,
        now=now,
        lifetime=policy.access_lifetime,
        session_id=family_id,
    )
    refresh_token = new_opaque_token()
    refresh_expires_at = now + policy.refresh_lifetime
    session.add(
        RefreshToken(
            tenant_id=user.tenant_id,
            user_id=user.id,
            family_id=family_id,
            token_hash=token_digest(refresh_token),
            issued_at=now,
            expires_at=refresh_expires_at,
            created_ip=ip,
        )
    )
    session.flush()
    return IssuedTokens(
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        user,
        principal,
        session_id=family_id,
    )
