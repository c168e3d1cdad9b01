"""One-time links to set one's own password (issue 19 item 9): an invitation sent when a tenant
admin adds a person, and "forgot password".

A link carries 256 random bits; only their SHA-256 is stored (as refresh tokens are, §25.7). It
opens once, before it expires, and only for an active account in an active tenant; issuing a new
one for the same person retires the older ones. Setting the password signs the person out
everywhere, as a changed password must. Asking for a reset answers the same whether or not the
address has an account (no account enumeration, §25.3): the caller shows one message and these
functions only decide whom to write to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.auth.passwords import MIN_PASSWORD_LENGTH
from signage.auth.sessions import (
    accounts_with_email,
    may_sign_in,
    password_hash_for,
    revoke_all_for_user,
)
from signage.auth.tokens import new_opaque_token, token_digest
from signage.db.models import PasswordLink, Tenant, User
from signage.enums import ActorType, PasswordLinkPurpose
from signage.errors import NotFoundError, ValidationFailedError
from signage.tenancy import admin

LIFETIMES = {
    PasswordLinkPurpose.INVITATION: timedelta(days=7),
    PasswordLinkPurpose.PASSWORD_RESET: timedelta(hours=1),
}
LINK_UNUSABLE = "This link has expired or has already been used."
PASSWORD_SET = "PASSWORD_SET"  # noqa: S105 (an audit action name)
PASSWORD_LINK_SENT = "PASSWORD_LINK_SENT"  # noqa: S105 (an audit action name)


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: whom it is for, and the token to put in the URL (never stored).
    Plain values, so it can be sent after the request's session has closed."""

    user_id: uuid.UUID
    email: str
    display_name: str
    tenant_name: str
    purpose: PasswordLinkPurpose
    token: str

    @property
    def lifetime(self) -> timedelta:
        return LIFETIMES[self.purpose]


def issue_link(
    session: Session,
    user: User,
    purpose: PasswordLinkPurpose,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> IssuedLink:
    """A new link for `user`; their earlier unused links stop working."""
    _retire_links(session, user.id, now)
    token = new_opaque_token()
    session.add(
        PasswordLink(
            tenant_id=user.tenant_id,
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    audit.record(
        session,
        who,
        PASSWORD_LINK_SENT,
        tenant_id=user.tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=user.id,
        details={"purpose": purpose.value},
    )
    tenant = session.get_one(Tenant, user.tenant_id)
    return IssuedLink(user.id, user.email, user.display_name, tenant.name, purpose, token)


def invite_user(
    session: Session,
    tenant_id: uuid.UUID,
    new: admin.NewUser,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> IssuedLink:
    """A new person whose password nobody knows yet (a random one, never shown) and the
    invitation link with which they choose their own."""
    unknown = replace(new, password=new_opaque_token())
    user = admin.create_user(session, tenant_id, unknown, now=now, who=who)
    return issue_link(session, user, PasswordLinkPurpose.INVITATION, now=now, who=who)


def reset_links(
    session: Session, email: str, *, now: datetime, who: audit.AuditContext
) -> list[IssuedLink]:
    """ "Forgot password": a reset link for each account of the address that may sign in (the
    same address may hold one account per tenant); none for an unknown or disabled one."""
    accounts = accounts_with_email(session, email.strip().lower())
    return [
        issue_link(session, user, PasswordLinkPurpose.PASSWORD_RESET, now=now, who=who)
        for user in accounts
        if may_sign_in(session, user)
    ]


def open_link(session: Session, token: str, now: datetime) -> PasswordLink:
    """The link the token names, if it can still set a password; else NotFoundError."""
    digest = token_digest(token)
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == digest))
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise NotFoundError(LINK_UNUSABLE)
    user = session.get_one(User, link.user_id)
    if not may_sign_in(session, user):
        raise NotFoundError(LINK_UNUSABLE)
    return link


def set_password(
    session: Session, token: str, password: str, *, now: datetime, who: audit.AuditContext
) -> User:
    """The link's person gets `password`; the link is used up and every session of theirs ends."""
    link = open_link(session, token, now)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(
            "The password is too short.",
            errors=[
                {
                    "location": "body.password",
                    "message": f"Password: at least {MIN_PASSWORD_LENGTH} characters.",
                }
            ],
        )
    user = session.get_one(User, link.user_id, with_for_update=True)
    user.password_hash = password_hash_for(session, user.email, password)
    _retire_links(session, user.id, now)
    revoke_all_for_user(session, user.id, now)
    audit.record(
        session,
        replace(who, actor_type=ActorType.USER, actor_id=user.id),
        PASSWORD_SET,
        tenant_id=user.tenant_id,
        now=now,
        target_type=AuditTarget.USER,
        target_id=user.id,
        details={"purpose": link.purpose.value},
    )
    return user


def link_email(link: IssuedLink, url: str, sender: str) -> EmailMessage:
    """The message carrying the link, in words: who it is for, what it does, how long it lasts."""
    hours = int(link.lifetime.total_seconds() // 3600)
    lasts = f"{hours // 24} days" if hours >= 48 else f"{hours} hour" + ("s" if hours > 1 else "")
    if link.purpose is PasswordLinkPurpose.INVITATION:
        subject = f"You are invited to {link.tenant_name} on Signage Manager"
        opening = (
            f"Hello {link.display_name},\n\nYou have been given an account at "
            f"{link.tenant_name} on Signage Manager. Choose your password here:"
        )
    else:
        subject = "Set a new password for Signage Manager"
        opening = (
            f"Hello {link.display_name},\n\nSomeone (we hope you) asked to set a new "
            f"password for your account at {link.tenant_name}. Choose it here:"
        )
    closing = (
        f"The link works once and for {lasts}. If you did not expect this message, ignore it: "
        "nothing changes until the link is used."
    )
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = sender
    email["To"] = link.email
    email.set_content(f"{opening}\n\n{url}\n\n{closing}\n")
    return email


def _retire_links(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(PasswordLink)
        .where(PasswordLink.user_id == user_id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
