"""The pure reading rules of forward-compatible telemetry (issue 15 item 4)."""

from __future__ import annotations

import uuid

from signage.enums import PlayerState
from signage.telemetry.reading import Reading


def test_known_values_are_converted_and_nothing_is_missed() -> None:
    reading = Reading()
    some_id = uuid.uuid4()
    assert reading.known(PlayerState, "PLAYING") is PlayerState.PLAYING
    assert reading.uuid(str(some_id)) == some_id
    assert reading.known(PlayerState, None) is None
    assert reading.uuid(None) is None
    assert not reading.missed


def test_an_unknown_state_or_a_foreign_id_is_none_and_marks_the_message_missed() -> None:
    for value, read in (
        ("DREAMING", lambda r, v: r.known(PlayerState, v)),
        ("pl_042", lambda r, v: r.uuid(v)),
    ):
        reading = Reading()
        assert read(reading, value) is None
        assert reading.missed
    assert Reading(extras=True).missed
