"""Editor presence (§16 "presence indicators show active editors", §26.12).

An editor announces itself on a playlist or schedule set every few seconds while the editor
screen is open; the announcement lives `ttl` seconds. Readers see who else is there. Redis when
configured (shared, expiring on its own); otherwise the editor_presence table, swept by the
presence_retention job. Presence is advisory: ETags (§16) are what prevent lost updates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from signage.db.models import EditorPresence
from signage.enums import PresenceResourceType


@dataclass(frozen=True)
class Resource:
    tenant_id: uuid.UUID
    type: PresenceResourceType
    id: uuid.UUID


@dataclass(frozen=True)
class Editor:
    user_id: uuid.UUID
    expires_at: datetime


class PresenceBoard(Protocol):
    def announce(
        self, session: Session, resource: Resource, user_id: uuid.UUID, now: datetime, ttl: int
    ) -> None: ...

    def leave(self, session: Session, resource: Resource, user_id: uuid.UUID) -> None: ...

    def editors(self, session: Session, resource: Resource, now: datetime) -> list[Editor]: ...


class PostgresPresence:
    """The default: rows in editor_presence, one per (resource, user), upserted."""

    def announce(
        self, session: Session, resource: Resource, user_id: uuid.UUID, now: datetime, ttl: int
    ) -> None:
        expires_at = now + timedelta(seconds=ttl)
        session.execute(
            insert(EditorPresence)
            .values(
                id=uuid.uuid4(),
                tenant_id=resource.tenant_id,
                resource_type=resource.type,
                resource_id=resource.id,
                user_id=user_id,
                expires_at=expires_at,
            )
            .on_conflict_do_update(
                index_elements=["resource_type", "resource_id", "user_id"],
                set_={"expires_at": expires_at},
            )
        )

    def leave(self, session: Session, resource: Resource, user_id: uuid.UUID) -> None:
        session.execute(
            delete(EditorPresence).where(
                EditorPresence.resource_type == resource.type,
                EditorPresence.resource_id == resource.id,
                EditorPresence.user_id == user_id,
            )
        )

    def editors(self, session: Session, resource: Resource, now: datetime) -> list[Editor]:
        rows = session.execute(
            select(EditorPresence.user_id, EditorPresence.expires_at)
            .where(
                EditorPresence.tenant_id == resource.tenant_id,
                EditorPresence.resource_type == resource.type,
                EditorPresence.resource_id == resource.id,
                EditorPresence.expires_at > now,
            )
            .order_by(EditorPresence.user_id)
        )
        return [Editor(user_id, expires_at) for user_id, expires_at in rows]


class RedisPresence:
    """One hash per resource: user id -> expiry. The key itself expires as a backstop."""

    def __init__(self, client: Any, prefix: str = "signage:presence") -> None:
        self._redis = client
        self._prefix = prefix

    def _key(self, resource: Resource) -> str:
        return f"{self._prefix}:{resource.tenant_id}:{resource.type}:{resource.id}"

    def announce(
        self, session: Session, resource: Resource, user_id: uuid.UUID, now: datetime, ttl: int
    ) -> None:
        expires_at = now + timedelta(seconds=ttl)
        pipeline = self._redis.pipeline()
        pipeline.hset(self._key(resource), str(user_id), expires_at.isoformat())
        pipeline.expire(self._key(resource), ttl * 2)
        pipeline.execute()

    def leave(self, session: Session, resource: Resource, user_id: uuid.UUID) -> None:
        self._redis.hdel(self._key(resource), str(user_id))

    def editors(self, session: Session, resource: Resource, now: datetime) -> list[Editor]:
        found = []
        for raw_user, raw_expiry in self._redis.hgetall(self._key(resource)).items():
            expires_at = datetime.fromisoformat(_text(raw_expiry)).astimezone(UTC)
            if expires_at > now:
                found.append(Editor(uuid.UUID(_text(raw_user)), expires_at))
        return sorted(found, key=lambda editor: editor.user_id)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
