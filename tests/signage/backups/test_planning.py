"""Which backups and pooled media go (issue 16 item 4): the newest `keep` backups stay with
every object they reference; nothing else stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signage.backups.planning import (
    BackupManifest,
    MediaEntry,
    backup_id_for,
    plan_pruning,
)

START = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


def backup(day: int, *sha256s: str) -> BackupManifest:
    created = START + timedelta(days=day)
    return BackupManifest(
        backup_id=backup_id_for(created),
        created_at=created,
        database_key=f"backups/{backup_id_for(created)}/database.dump",
        database_bytes=10,
        warehouse_key=f"backups/{backup_id_for(created)}/warehouse.tar",
        warehouse_bytes=20,
        warehouse_files=1,
        duration_seconds=1.5,
        alembic_revision="0006",
        media=tuple(MediaEntry(f"t/assets/{s}/original.png", s, 5) for s in sha256s),
    )


def test_the_oldest_backups_go_with_the_media_only_they_reference() -> None:
    backups = [backup(0, "a", "b"), backup(1, "b", "c"), backup(2, "c", "d")]
    plan = plan_pruning(backups, ["a", "b", "c", "d", "orphan"], keep=2)
    assert plan.backup_ids == (backups[0].backup_id,)
    assert plan.media_sha256s == ("a", "orphan")


def test_fewer_backups_than_keep_prunes_only_orphans() -> None:
    plan = plan_pruning([backup(0, "a")], ["a"], keep=7)
    assert plan.backup_ids == ()
    assert plan.media_sha256s == ()


def test_keep_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one"):
        plan_pruning([backup(0)], [], keep=0)


def test_a_manifest_survives_its_json() -> None:
    original = backup(3, "a", "b")
    assert BackupManifest.from_json(original.to_json()) == original
    assert original.total_bytes == 10 + 20 + 2 * 5


shas = st.sampled_from("abcdefgh")


@given(
    media=st.lists(st.frozensets(shas, max_size=4), max_size=8),
    orphans=st.frozensets(shas),
    keep=st.integers(1, 10),
)
def test_kept_backups_are_the_newest_and_keep_all_their_media(
    media: list[frozenset[str]], orphans: frozenset[str], keep: int
) -> None:
    backups = [backup(day, *sorted(shas_)) for day, shas_ in enumerate(media)]
    pooled = set(orphans).union(*media) if media else set(orphans)
    plan = plan_pruning(backups, pooled, keep)

    kept = [b for b in backups if b.backup_id not in plan.backup_ids]
    assert len(kept) == min(keep, len(backups))
    assert all(b.created_at > d.created_at for b in kept for d in backups if d not in kept)
    referenced = {m.sha256 for b in kept for m in b.media}
    assert referenced.isdisjoint(plan.media_sha256s)
    assert pooled - set(plan.media_sha256s) == referenced
