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
from signage.auth.passwords import hash_password, needs_rehash, verify_password
from signage.auth.principal import UserPrincipal
from signage.auth.roles import principal_for
from signage.auth.tokens import TokenPolicy, issue_access_token, new_opaque_token, token_digest
from signage.db.models import RefreshToken, Tenant, User
from signage.enums import ActorType, RefreshTokenStatus, TenantStatus, UserStatus


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


def login(
    session: Session,
    policy: TokenPolicy,
    *,
    email: str,
    password: str,
    now: datetime,
    who: audit.AuditContext,
) -> IssuedTokens | Rejected:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    # verify_password does the same work when the user is unknown: no timing oracle.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not _may_sign_in(session, user):
        reason = (
            "unknown email" if user is None else "wrong password" if not password_ok else "disabled"
        )
        audit.record(
            session,
            who,
            audit.AuditAction.LOGIN_FAILED,
            tenant_id=user.tenant_id if user else None,
            now=now,
            target_type="user",
            target_id=user.id if user else None,
            details={"reason": reason, "email": email.strip().lower()[:254]},
        )
        return Rejected(reason)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    signed_in = replace(who, actor_type=ActorType.USER, actor_id=user.id)
    audit.record(
        session,
        signed_in,
        audit.AuditAction.LOGIN_SUCCEEDED,
        tenant_id=user.tenant_id,
        now=now,
        target_type="user",
        target_id=user.id,
    )
    return _issue(session, policy, user, family_id=uuid.uuid4(), now=now, ip=who.ip_address)


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
            target_type="user",
            target_id=token.user_id,
            details={"familyId": str(token.family_id)},
        )
        return Rejected("reused refresh token")
    if token.status is RefreshTokenStatus.REVOKED or token.expires_at <= now:
        return Rejected("revoked or expired refresh token")
    user = session.get(User, token.user_id)
    if user is None or not _may_sign_in(session, user):
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
        target_type="user",
        target_id=token.user_id,
    )


def revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.status != RefreshTokenStatus.REVOKED,
        )
        .values(status=RefreshTokenStatus.REVOKED, revoked_at=now)
    )


def revoke_all_for_user(session: Session, user_id: uuid.UUID, now: datetime) -> None:
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


def _rejection_reason(user: User | None, password_ok: bool) -> str:
    if user is None:
        return "unknown email"
    return "wrong password" if not password_ok else "disabled"


def _may_sign_in(session: Session, user: User) -> bool:
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
