"""Forward-compatible telemetry (issue 15 item 4, §27.8.3, §32.4): an event of a type this
server does not know is stored as UNRECOGNIZED, and whatever a heartbeat or an event carried
that the server did not understand is kept as sent in `raw`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KNOWN = (
    "APP_STARTED",
    "PLAYBACK_FAILED",
    "DOWNLOAD_FAILED",
    "MANIFEST_FETCH_FAILED",
    "MANIFEST_STAGED",
    "MANIFEST_APPLIED",
    "MANIFEST_REJECTED",
    "OFFLINE_ENTERED",
    "ONLINE_RESTORED",
    "FALLBACK_TO_PREVIOUS_MANIFEST",
    "NO_PLAYABLE_CONTENT",
    "ERROR_SCREEN_ENTERED",
    "LOCAL_MANIFEST_CORRUPT",
    "COMMAND_EXECUTED",
    "COMMAND_FAILED",
    "DEVICE_TOKEN_INVALID",
    "CACHE_EVICTION",
)
CHECK = "ck_device_events_device_event_type"
TABLES = ("device_events", "device_heartbeats", "device_status")


def _event_types(values: Sequence[str]) -> None:
    op.drop_constraint(op.f(CHECK), "device_events", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(CHECK), "device_events", sa.text(f"event_type IN ({listed})"))


def upgrade() -> None:
    _event_types((*KNOWN, "UNRECOGNIZED"))
    for table in TABLES:  # nullable, no default: added without rewriting the table
        op.add_column(table, sa.Column("raw", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "raw")
    op.execute("DELETE FROM device_events WHERE event_type = 'UNRECOGNIZED'")
    _event_types(KNOWN)
