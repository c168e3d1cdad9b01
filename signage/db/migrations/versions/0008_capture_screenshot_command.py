"""A support command that shows what a screen shows (issue 19 item 3): CAPTURE_SCREENSHOT joins
the command types; the JPEG itself lives in object storage under the command's key
(`signage.storage.keys.screenshot_key`), so no table changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "REQUEST_MANIFEST_REFRESH",
    "RESTART_PLAYBACK_LOOP",
    "CLEAR_CACHE_UNUSED",
    "CLEAR_CACHE_ALL",
    "REBOOT_APP",
    "SET_LOG_LEVEL",
    "ENABLE_DIAGNOSTICS",
)
CHECK = "ck_device_commands_command_type"


def _command_types(values: Sequence[str]) -> None:
    op.drop_constraint(op.f(CHECK), "device_commands", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(CHECK), "device_commands", sa.text(f"type IN ({listed})"))


def upgrade() -> None:
    _command_types((*BEFORE, "CAPTURE_SCREENSHOT"))


def downgrade() -> None:
    op.execute("DELETE FROM device_commands WHERE type = 'CAPTURE_SCREENSHOT'")
    _command_types(BEFORE)
