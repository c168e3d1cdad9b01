"""The pure planning of notifications (signage.notifications.planning): open and resolve once,
group a venue's openings, remind critical unacknowledged alerts, respect channel filters."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from signage.enums import AlertStatus, EventSeverity, NotificationKind
from signage.notifications.planning import AlertFact, ChannelFact, plan_notifications
from signage.notifications.policy import NotificationPolicy

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TENANT, OTHER_TENANT = uuid.uuid4(), uuid.uuid4()
BAR, CAFE = uuid.uuid4(), uuid.uuid4()
POLICY = NotificationPolicy(group_window=timedelta(minutes=3), renotify_interval=timedelta(hours=4))
EVERYTHING = ChannelFact(uuid.uuid4(), TENANT, EventSeverity.INFO)


def alert(venue: uuid.UUID = BAR, minutes_ago: float = 5, **changes: object) -> AlertFact:
    fact = AlertFact(
        alert_id=uuid.uuid4(),
        tenant_id=TENANT,
        venue_id=venue,
        severity=EventSeverity.ERROR,
        status=AlertStatus.OPEN,
        acknowledged=False,
        opened_at=NOW - timedelta(minutes=minutes_ago),
    )
    return replace(fact, **changes)  # type: ignore[arg-type]


def test_openings_of_one_venue_within_the_window_make_one_message_per_channel() -> None:
    first, second = alert(minutes_ago=4), alert(minutes_ago=2)
    plan = plan_notifications([first, second], [EVERYTHING], NOW, POLICY)
    (delivery,) = plan.deliveries
    assert delivery.kind is NotificationKind.OPENED
    assert set(delivery.alert_ids) == {first.alert_id, second.alert_id}
    assert set(plan.announced) == {first.alert_id, second.alert_id}


def test_a_venues_openings_wait_until_the_first_is_a_window_old() -> None:
    fresh = alert(minutes_ago=1)
    plan = plan_notifications([fresh], [EVERYTHING], NOW, POLICY)
    assert (plan.deliveries, plan.announced, plan.held) == ((), (), (fresh.alert_id,))


def test_each_venue_is_its_own_message() -> None:
    plan = plan_notifications([alert(BAR), alert(CAFE)], [EVERYTHING], NOW, POLICY)
    assert sorted(str(d.venue_id) for d in plan.deliveries) == sorted([str(BAR), str(CAFE)])


def test_announced_alerts_are_not_announced_again_until_they_resolve() -> None:
    announced = alert(notified_at=NOW - timedelta(minutes=1))
    assert plan_notifications([announced], [EVERYTHING], NOW, POLICY).deliveries == ()
    resolved = replace(
        announced, status=AlertStatus.RESOLVED, resolved_at=NOW - timedelta(minutes=5)
    )
    plan = plan_notifications([resolved], [EVERYTHING], NOW, POLICY)
    (delivery,) = plan.deliveries
    assert delivery.kind is NotificationKind.RESOLVED
    assert plan.resolution_handled == (resolved.alert_id,)


def test_an_alert_resolved_before_it_was_announced_is_never_announced() -> None:
    blip = alert(status=AlertStatus.RESOLVED, resolved_at=NOW - timedelta(minutes=4))
    plan = plan_notifications([blip], [EVERYTHING], NOW, POLICY)
    assert (plan.deliveries, plan.resolution_handled) == ((), (blip.alert_id,))


def test_critical_unacknowledged_alerts_are_reminded_after_the_interval_only() -> None:
    due = alert(notified_at=NOW - timedelta(hours=4))
    early = alert(notified_at=NOW - timedelta(hours=3))
    acknowledged = alert(notified_at=NOW - timedelta(hours=9), acknowledged=True)
    warning = alert(notified_at=NOW - timedelta(hours=9), severity=EventSeverity.WARNING)
    plan = plan_notifications([due, early, acknowledged, warning], [EVERYTHING], NOW, POLICY)
    (delivery,) = plan.deliveries
    assert (delivery.kind, delivery.alert_ids) == (NotificationKind.REMINDER, (due.alert_id,))


def test_channels_get_only_their_severities_venues_and_tenant() -> None:
    errors_at_cafe = ChannelFact(uuid.uuid4(), TENANT, EventSeverity.ERROR, frozenset({CAFE}))
    elsewhere = ChannelFact(uuid.uuid4(), OTHER_TENANT, EventSeverity.INFO)
    warning = alert(CAFE, severity=EventSeverity.WARNING)
    error_at_bar, error_at_cafe = alert(BAR), alert(CAFE)
    plan = plan_notifications(
        [warning, error_at_bar, error_at_cafe], [errors_at_cafe, elsewhere], NOW, POLICY
    )
    (delivery,) = plan.deliveries
    assert (delivery.channel_id, delivery.alert_ids) == (
        errors_at_cafe.channel_id,
        (error_at_cafe.alert_id,),
    )
    # Announced all the same: a channel added later does not get old openings.
    assert len(plan.announced) == 3
