"""A user's e-mail is unique within its tenant, not platform-wide (issue 13 item 10, §26.3).

With one address per platform, creating a user whose e-mail another tenant already had
answered 409 and so told one tenant about another's users. Login now finds every account with
the address and signs in to the one the password opens (`signage.auth.sessions.login`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLATFORM_WIDE = "uq_users_email_lower"
PER_TENANT = "uq_users_tenant_email_lower"


def upgrade() -> None:
    # Every platform-wide unique address is also unique per tenant: no data changes.
    op.create_index(
        PER_TENANT, "users", ["tenant_id", sa.literal_column("lower(email)")], unique=True
    )
    op.drop_index(PLATFORM_WIDE, table_name="users")
    op.create_index("ix_users_email_lower", "users", [sa.literal_column("lower(email)")])


def downgrade() -> None:
    # Fails, as it should, once two tenants hold the same address.
    op.drop_index("ix_users_email_lower", table_name="users")
    op.create_index(PLATFORM_WIDE, "users", [sa.literal_column("lower(email)")], unique=True)
    op.drop_index(PER_TENANT, table_name="users")
