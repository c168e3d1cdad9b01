from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from player.sync_policy import BACKOFF_CAP_SECONDS, SyncInputs, backoff_seconds, next_poll_delay
from tests.player.factories import T0


def inputs(failures=0, retry_after=None, valid_in=3600.0, cadence=60, jitter=0.5):
    return SyncInputs(
        now=T0,
        next_check_seconds=cadence,
        valid_to_utc=T0 + timedelta(seconds=valid_in),
        consecutive_failures=failures,
        retry_after_seconds=retry_after,
        jitter=jitter,
    )


def test_healthy_polls_follow_next_check_seconds():
    assert next_poll_delay(inputs()) == 60


def test_polls_earlier_when_the_manifest_is_about_to_expire():
    assert next_poll_delay(inputs(valid_in=20)) == 20


def test_expired_manifest_is_rechecked_often():
    assert next_poll_delay(inputs(valid_in=-5)) == 10


def test_retry_after_is_honoured():
    assert next_poll_delay(inputs(failures=1, retry_after=120)) == 120


def test_backoff_doubles_per_failure():
    assert [backoff_seconds(n, 0.999999) for n in (1, 2, 3)] == pytest.approx([2, 4, 8], rel=1e-5)


@given(
    st.integers(0, 60),
    st.one_of(st.none(), st.floats(0, 3600)),
    st.floats(-100, 10_000),
    st.integers(0, 600),
    st.floats(0, 1, exclude_max=True),
)
def test_delay_is_positive_bounded_and_respects_retry_after(
    failures, retry_after, valid_in, cadence, jitter
):
    delay = next_poll_delay(inputs(failures, retry_after, valid_in, cadence, jitter))
    assert delay >= 1
    if retry_after is not None:
        assert delay >= retry_after
    else:
        assert delay <= max(BACKOFF_CAP_SECONDS, cadence)


@given(st.integers(1, 30), st.floats(0, 1, exclude_max=True))
def test_backoff_never_shrinks_as_failures_grow(failures, jitter):
    assert backoff_seconds(failures + 1, jitter) >= backoff_seconds(failures, jitter)
