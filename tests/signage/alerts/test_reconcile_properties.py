"""Properties of reconcile (pure): idempotent, exact, and append-only for resolved alerts."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from signage.alerts.reconcile import AlertRecord, plan_reconcile, reconcile_records
from signage.alerts.rules import AlertCandidate, dedup_key
from signage.enums import AlertStatus, AlertType, EventSeverity

START = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TENANT, VENUE = uuid.UUID(int=1), uuid.UUID(int=2)
DEVICES = [uuid.UUID(int=100 + n) for n in range(3)]  # few keys, so they collide and recur


@st.composite
def candidates(draw: st.DrawFn) -> AlertCandidate:
    alert_type = draw(st.sampled_from(AlertType))
    device_id = draw(st.sampled_from(DEVICES))
    return AlertCandidate(
        dedup_key=dedup_key(alert_type, device_id),
        type=alert_type,
        severity=draw(st.sampled_from(EventSeverity)),
        tenant_id=TENANT,
        venue_id=VENUE,
        device_id=device_id,
        details={"n": draw(st.integers(0, 3))},
    )


candidate_sets = st.lists(candidates(), max_size=8)
# Successive evaluations: each a set of true alerts, at strictly increasing times.
histories = st.lists(candidate_sets, min_size=1, max_size=8)


def counter_ids() -> Callable[[], uuid.UUID]:
    numbers = itertools.count(1)
    return lambda: uuid.UUID(int=next(numbers))


def replay(history: list[list[AlertCandidate]]) -> list[AlertRecord]:
    records: list[AlertRecord] = []
    new_id = counter_ids()
    for minute, true_now in enumerate(history):
        records, _ = reconcile_records(records, true_now, START + timedelta(minutes=minute), new_id)
    return records


def open_keys(records: list[AlertRecord]) -> list[str]:
    return sorted(r.dedup_key for r in records if r.is_open)


@given(history=histories, true_now=candidate_sets)
def test_reconciling_twice_is_reconciling_once(
    history: list[list[AlertCandidate]], true_now: list[AlertCandidate]
) -> None:
    now = START + timedelta(hours=1)
    new_id = counter_ids()
    once, _ = reconcile_records(replay(history), true_now, now, new_id)
    twice, second_plan = reconcile_records(once, true_now, now, new_id)
    assert twice == once
    assert (second_plan.to_open, second_plan.to_resolve) == ((), ())


@given(history=histories)
def test_exactly_the_true_alerts_are_open_each_once(history: list[list[AlertCandidate]]) -> None:
    records = replay(history)
    assert open_keys(records) == sorted({c.dedup_key for c in history[-1]})
    assert len(records) == len({r.alert_id for r in records})


@given(history=histories)
def test_each_run_of_truth_is_one_record_and_a_return_is_a_new_one(
    history: list[list[AlertCandidate]],
) -> None:
    """A key true in minutes 0-1, false in 2, true in 3 has two records: one resolved at
    minute 2 and one opened at minute 3."""
    records = replay(history)
    truth = [{c.dedup_key for c in true_now} for true_now in history]
    for key in set().union(*truth):
        runs = _runs(key, truth)
        mine = sorted((r for r in records if r.dedup_key == key), key=lambda r: r.opened_at)
        assert len(mine) == len(runs)
        for record, (first, last) in zip(mine, runs, strict=True):
            assert record.opened_at == START + timedelta(minutes=first)
            assert record.last_seen_at == START + timedelta(minutes=last)
            ended = last + 1 < len(truth)
            assert record.status is (AlertStatus.RESOLVED if ended else AlertStatus.OPEN)
            expected_resolution = START + timedelta(minutes=last + 1) if ended else None
            assert record.resolved_at == expected_resolution


def _runs(key: str, truth: list[set[str]]) -> list[tuple[int, int]]:
    """(first minute, last minute) of each stretch of minutes where `key` was true."""
    runs: list[tuple[int, int]] = []
    for minute, true_keys in enumerate(truth):
        if key not in true_keys:
            continue
        if runs and runs[-1][1] == minute - 1:
            runs[-1] = (runs[-1][0], minute)
        else:
            runs.append((minute, minute))
    return runs


@given(history=histories, true_now=candidate_sets)
def test_resolved_records_never_change_and_open_ones_keep_their_identity(
    history: list[list[AlertCandidate]], true_now: list[AlertCandidate]
) -> None:
    before = replay(history)
    after, _ = reconcile_records(before, true_now, START + timedelta(hours=1))
    for old, new in zip(before, after[: len(before)], strict=True):
        assert (new.alert_id, new.opened_at, new.dedup_key) == (
            old.alert_id,
            old.opened_at,
            old.dedup_key,
        )
        if not old.is_open:
            assert new == old


@given(true_now=candidate_sets)
def test_refresh_takes_the_latest_severity_and_details(true_now: list[AlertCandidate]) -> None:
    records, _ = reconcile_records([], true_now, START)
    changed = [
        AlertCandidate(
            c.dedup_key, c.type, EventSeverity.INFO, c.tenant_id, c.venue_id, c.device_id, {"x": 1}
        )
        for c in true_now
    ]
    later, plan = reconcile_records(records, changed, START + timedelta(minutes=1))
    assert len(plan.to_refresh) == len({c.dedup_key for c in true_now})
    assert all(r.candidate.severity is EventSeverity.INFO for r in later)
    assert all(r.candidate.details == {"x": 1} for r in later)


def test_a_late_refresh_never_moves_last_seen_back() -> None:
    candidate = AlertCandidate(
        "k", AlertType.DEVICE_OFFLINE, EventSeverity.ERROR, TENANT, VENUE, DEVICES[0]
    )
    records, _ = reconcile_records([], [candidate], START + timedelta(minutes=5))
    late, _ = reconcile_records(records, [candidate], START)
    assert late[0].last_seen_at == START + timedelta(minutes=5)


def test_plan_keeps_the_last_candidate_of_a_repeated_key_and_sorts_keys() -> None:
    first = AlertCandidate("b", AlertType.ERROR_SPIKE, EventSeverity.ERROR, TENANT, VENUE, None)
    second = AlertCandidate("b", AlertType.ERROR_SPIKE, EventSeverity.INFO, TENANT, VENUE, None)
    other = AlertCandidate("a", AlertType.ERROR_SPIKE, EventSeverity.ERROR, TENANT, VENUE, None)
    plan = plan_reconcile({"z", "a"}, [first, second, other])
    assert plan.to_open == (second,)
    assert plan.to_refresh == (other,)
    assert plan.to_resolve == ("z",)
