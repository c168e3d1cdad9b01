from player.crash_guard import record_boot


def test_three_starts_within_five_minutes_enter_safe_mode():
    first = record_boot([], 0)
    second = record_boot(first.boots, 60)
    third = record_boot(second.boots, 120)
    assert not first.safe_mode
    assert not second.safe_mode
    assert third.safe_mode


def test_old_starts_fall_out_of_the_window():
    assert not record_boot([0, 10], 400).safe_mode


def test_starts_recorded_in_the_future_after_a_clock_jump_are_ignored():
    assert not record_boot([1000, 2000], 100).safe_mode
