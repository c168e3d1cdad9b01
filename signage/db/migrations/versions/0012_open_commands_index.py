"""An index of the commands still open (PENDING or DELIVERED), so the player fast path can ask
which screens have commands waiting about once a second without reading the history
(issue 18 item 2; signage.devices.waiting_commands). Partial: it holds only open rows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_device_commands_open",
        "device_commands",
        ["device_id", "expires_at"],
        postgresql_where=sa.text("status IN ('PENDING', 'DELIVERED')"),
    )


def downgrade() -> None:
    op.drop_index("ix_device_commands_open", table_name="device_commands")
