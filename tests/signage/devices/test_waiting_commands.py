"""signage.devices.waiting_commands: when "no command waits for this screen" may be answered
from memory (issue 18 item 2)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from signage.devices.waiting_commands import ISSUE_GRACE, RECHECK, WaitingCommands

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
WITHIN = timedelta(seconds=2)
SCREEN, OTHER = uuid.uuid4(), uuid.uuid4()


def test_nothing_is_known_before_the_first_read() -> None:
    waiting = WaitingCommands()
    assert waiting.needs_read(T0)
    assert not waiting.none_for(SCREEN, T0, within=WITHIN)


def test_a_read_answers_for_the_screens_it_did_not_find_while_it_is_fresh() -> None:
    waiting = WaitingCommands()
    waiting.replace([OTHER], T0)
    assert waiting.none_for(SCREEN, T0 + WITHIN, within=WITHIN)
    assert not waiting.none_for(OTHER, T0, within=WITHIN)
    assert not waiting.none_for(SCREEN, T0 + WITHIN + timedelta(milliseconds=1), within=WITHIN)
    assert not waiting.needs_read(T0 + RECHECK - timedelta(milliseconds=1))
    assert waiting.needs_read(T0 + RECHECK)


def test_a_command_issued_here_marks_its_screen_through_reads_that_may_miss_its_commit() -> None:
    waiting = WaitingCommands()
    waiting.replace([], T0)
    waiting.issued(SCREEN, T0 + timedelta(seconds=1))
    assert not waiting.none_for(SCREEN, T0 + timedelta(seconds=1), within=WITHIN)
    later = T0 + timedelta(seconds=1) + ISSUE_GRACE - timedelta(seconds=1)
    waiting.replace([], later)  # a read that began before the commit was visible
    assert not waiting.none_for(SCREEN, later, within=WITHIN)
    waiting.replace([], later + timedelta(seconds=2))  # the grace is over: reads are the truth
    assert waiting.none_for(SCREEN, later + timedelta(seconds=2), within=WITHIN)
    assert waiting.none_for(OTHER, later + timedelta(seconds=2), within=WITHIN)
