"""Editor presence (§16, §26.12) behaves the same on Redis and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from signage.db.engine import Database
from signage.enums import PresenceResourceType
from signage.presence import PostgresPresence, PresenceBoard, RedisPresence, Resource
from tests.support.demo import Demo

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.fixture(params=["postgres", "redis"])
def board(request: pytest.FixtureRequest) -> PresenceBoard:
    if request.param == "postgres":
        return PostgresPresence()
    import redis

    url = request.getfixturevalue("redis_url")
    return RedisPresence(redis.Redis.from_url(url), prefix=f"test:{uuid.uuid4()}")


def test_announcements_expire_repeat_and_leave(
    board: PresenceBoard, database: Database, demo: Demo
) -> None:
    playlist = Resource(demo.tenant_id, PresenceResourceType.PLAYLIST, uuid.uuid4())
    sam, morgan = demo.user_ids["editor"], demo.user_ids["manager"]
    with database.unit_of_work() as session:
        board.announce(session, playlist, sam, NOW, 30)
        board.announce(session, playlist, morgan, NOW + timedelta(seconds=20), 30)
        seen = board.editors(session, playlist, NOW + timedelta(seconds=10))
        assert [e.user_id for e in seen] == sorted([sam, morgan])
        later = board.editors(session, playlist, NOW + timedelta(seconds=31))
        assert [e.user_id for e in later] == [morgan]
        board.announce(session, playlist, sam, NOW + timedelta(seconds=40), 30)  # again
        assert len(board.editors(session, playlist, NOW + timedelta(seconds=45))) == 2
        board.leave(session, playlist, morgan)
        assert [
            e.user_id for e in board.editors(session, playlist, NOW + timedelta(seconds=45))
        ] == [sam]
        other = Resource(demo.tenant_id, PresenceResourceType.SCHEDULE_SET, playlist.id)
        assert board.editors(session, other, NOW) == []
