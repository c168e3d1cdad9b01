"""The shell around the pure state machine: holds the state, feeds events, performs effects."""

from __future__ import annotations

import logging
from collections.abc import Callable

from player.state_machine import Effect, Event, PlayerState, transition

LOG = logging.getLogger("player")


class Machine:
    """The player's lifecycle state (§28.3); `dispatch` is the one way to change it."""

    def __init__(self, perform: Callable[[Effect], None]) -> None:
        self.state = PlayerState.BOOT
        self._perform = perform

    def dispatch(self, event: Event) -> None:
        """Feed `event` to `transition` and carry out its effects, in order."""
        before = self.state
        self.state, effects = transition(self.state, event)
        if self.state is not before:
            LOG.info("state %s -> %s", before, self.state)
        for effect in effects:
            self._perform(effect)
