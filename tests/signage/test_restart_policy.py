"""The restart policy of `signage up` (issue 13, item 5): backoff, reset, giving up."""

from __future__ import annotations

from signage.restart_policy import CrashHistory, GiveUp, Restart, RestartPolicy, after_crash

POLICY = RestartPolicy(
    first_delay_seconds=1,
    max_delay_seconds=30,
    stable_after_seconds=60,
    give_up_after_crashes=5,
    crash_window_seconds=300,
)


def crash(history: CrashHistory, started_at: float, crashed_at: float) -> Restart | GiveUp:
    return after_crash(POLICY, history, started_at=started_at, crashed_at=crashed_at)


def test_the_first_crash_restarts_after_the_first_delay() -> None:
    decision = crash(CrashHistory(), started_at=0, crashed_at=5)
    assert decision == Restart(attempt=1, delay_seconds=1, history=CrashHistory((5,), 1))


def test_quick_crashes_double_the_delay() -> None:
    delays = []
    history = CrashHistory()
    policy = RestartPolicy(give_up_after_crashes=100)
    now = 0.0
    for _ in range(7):
        decision = after_crash(policy, history, started_at=now, crashed_at=now + 0.5)
        assert isinstance(decision, Restart)
        delays.append(decision.delay_seconds)
        history = decision.history
        now += 100  # spaced out of the give-up window, but never up for long
    assert delays == [1, 2, 4, 8, 16, 30, 30]


def test_the_backoff_starts_again_once_the_process_stayed_up() -> None:
    history = CrashHistory((10.0, 12.0), attempts=2)
    decision = crash(history, started_at=16, crashed_at=16 + 60)
    assert isinstance(decision, Restart)
    assert decision.attempt == 1
    assert decision.delay_seconds == 1
    assert decision.history.crash_times == (10.0, 12.0, 76.0)


def test_repeated_crashes_within_the_window_give_up() -> None:
    history = CrashHistory((0.0, 10.0, 20.0, 30.0), attempts=4)
    assert crash(history, started_at=35, crashed_at=40) == GiveUp(5, 300)


def test_crashes_older_than_the_window_are_forgotten() -> None:
    history = CrashHistory((0.0, 10.0, 20.0, 30.0), attempts=1)
    decision = crash(history, started_at=250, crashed_at=315)
    assert isinstance(decision, Restart)
    assert decision.history.crash_times == (20.0, 30.0, 315.0)
