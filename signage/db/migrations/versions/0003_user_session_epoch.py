"""Users' session epoch: access tokens issued under an older epoch are refused (issue 13 item 7).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table. Every
    # existing user starts at 0, the epoch tokens issued before this migration are read as.
    op.add_column(
        "users",
        sa.Column("session_epoch", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "session_epoch")
