"""Fleet figures for monitoring (issue 17 item 1), read from PostgreSQL at scrape time so every
API replica reports the same numbers: devices online/offline per tenant, and the last hour's
upload processing failures by reason and complete→READY latency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from signage.db.models import Asset, Device, DeviceStatus, UploadSession
from signage.devices.registry import ONLINE_WITHIN
from signage.enums import AssetStatus, DeviceLifecycle

UPLOAD_WINDOW = timedelta(hours=1)
QUANTILES = {"0.5": 0.5, "0.95": 0.95}


def device_counts(session: Session, now: datetime) -> list[tuple[str, str, int]]:
    """(tenant id, "online" | "offline", count) for active devices; tenants with none absent."""
    online = DeviceStatus.last_heartbeat_at >= now - ONLINE_WITHIN
    rows = session.execute(
        select(
            Device.tenant_id,
            func.count().label("total"),
            func.count().filter(online).label("online"),
        )
        .outerjoin(DeviceStatus, DeviceStatus.device_id == Device.id)
        .where(Device.status == DeviceLifecycle.ACTIVE)
        .group_by(Device.tenant_id)
    )
    counts = []
    for row in rows:
        counts.append((str(row.tenant_id), "online", row.online))
        counts.append((str(row.tenant_id), "offline", row.total - row.online))
    return counts


@dataclass(frozen=True)
class UploadOutcomes:
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    ready_quantiles: dict[str, float] = field(default_factory=dict)


def upload_outcomes(session: Session, now: datetime) -> UploadOutcomes:
    since = now - UPLOAD_WINDOW
    failed = session.execute(
        select(Asset.failure_reason, func.count())
        .where(Asset.status == AssetStatus.FAILED, Asset.failed_at >= since)
        .group_by(Asset.failure_reason)
    )
    latency = func.extract("epoch", Asset.ready_at - UploadSession.completed_at)
    quantiles = session.execute(
        select(
            *(
                func.percentile_cont(q).within_group(latency).label(f"q{i}")
                for i, q in enumerate(QUANTILES.values())
            )
        )
        .select_from(Asset)
        .join(
            UploadSession,
            and_(UploadSession.asset_id == Asset.id, UploadSession.completed_at.is_not(None)),
        )
        .where(Asset.ready_at >= since)
    ).one()
    return UploadOutcomes(
        failed_by_reason={str(reason or "UNKNOWN"): count for reason, count in failed},
        ready_quantiles={
            name: float(value)
            for name, value in zip(QUANTILES, quantiles, strict=True)
            if value is not None
        },
    )
