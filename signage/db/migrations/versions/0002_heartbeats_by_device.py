"""Heartbeats by device: the device page's status history reads one screen's last day.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 18:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_device_heartbeats_device_received"


def upgrade() -> None:
    # Concurrently, outside the migration's transaction: the table takes heartbeats from the
    # whole fleet all the time and may hold 14 days of them; a plain CREATE INDEX would block
    # those inserts until it finished.
    with op.get_context().autocommit_block():
        op.create_index(
            INDEX,
            "device_heartbeats",
            ["device_id", "received_at"],
            unique=False,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            INDEX, table_name="device_heartbeats", postgresql_concurrently=True, if_exists=True
        )
