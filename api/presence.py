"""Presence indicators on editable resources (§16, §26.12), shared by playlists and schedules."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.calls import UserCall
from api.context import AppContext
from api.schemas.playlists import EditorOut, PresenceOut
from signage.db.models import User
from signage.presence import Resource


def other_editors(
    session: Session, context: AppContext, resource: Resource, me: uuid.UUID, now: datetime
) -> list[EditorOut]:
    """Who else is editing the resource now, with their names (§16)."""
    editors = [e for e in context.presence.editors(session, resource, now) if e.user_id != me]
    if not editors:
        return []
    rows = session.execute(
        select(User.id, User.display_name).where(
            User.id.in_([e.user_id for e in editors]), User.tenant_id == resource.tenant_id
        )
    )
    names = {user_id: name for user_id, name in rows}
    return [
        EditorOut(user_id=e.user_id, display_name=names[e.user_id], expires_at_utc=e.expires_at)
        for e in editors
        if e.user_id in names
    ]


def announce(call: UserCall, resource: Resource) -> PresenceOut:
    """Record that the caller is editing the resource; who else is, and how often to say so
    again."""
    session, context, me = call.session, call.context, call.user.user_id
    ttl = context.settings.presence_ttl_seconds
    context.presence.announce(session, resource, me, call.now, ttl)
    return PresenceOut(
        editors=other_editors(session, context, resource, me, call.now), ttl_seconds=ttl
    )


def withdraw(call: UserCall, resource: Resource) -> None:
    """The caller stopped editing the resource."""
    call.context.presence.leave(call.session, resource, call.user.user_id)
