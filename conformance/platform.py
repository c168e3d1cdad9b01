"""The platform the scenarios run against: the suite's live platform (real PostgreSQL, the demo
tenant and its content, uvicorn on a loopback port) with the fault proxy in front of it, and
what a scenario does to it as a manager would (claim a screen, publish, revoke)."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from signage.db.engine import Database
from signage.db.models import Tenant

# The player polls at nextCheckSeconds (10 s here, the minimum); the tenant's per-device limits
# are raised to match (§27.1 "tuneable per tenant"), as the end-to-end tests do.
FAST_DEVICE_LIMITS = {
    category: {"requests": 60, "windowSeconds": 60}
    for category in ("manifestPerDevice", "heartbeatPerDevice", "commandsPerDevice")
}


def allow_fast_devices(database: Database, tenant_id: uuid.UUID) -> None:
    with database.unit_of_work() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(rate_limit_overrides=FAST_DEVICE_LIMITS)
        )
