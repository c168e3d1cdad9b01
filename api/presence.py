"""Presence indicators on editable resources (§16, §26.12), shared by playlists and schedules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.context import AppContext
from api.schemas.playlists import EditorOut, PresenceOut
from signage.db.models import User
from signage.presence import Resource


def if_match_header(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="The ETag last read; required on changes (§27.1)"),
    ] = None,
) -> str | None:
    return if_match


# Optional at the edge so that a missing header is the domain's 428, not a 422 (§27.1).
IfMatch = Annotated[str | None, Depends(if_match_header)]


def other_editors(
    session: Session, context: AppContext, resource: Resource, me: uuid.UUID, now: datetime
) -> list[EditorOut]:
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


def announce(
    session: Session, context: AppContext, resource: Resource, me: uuid.UUID, now: datetime
) -> PresenceOut:
    ttl = context.settings.presence_ttl_seconds
    context.presence.announce(session, resource, me, now, ttl)
    return PresenceOut(editors=other_editors(session, context, resource, me, now), ttl_seconds=ttl)
