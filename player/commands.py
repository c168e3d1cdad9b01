"""Support commands (§18, §28.7, §33.3.6): validate parameters and run them against the player.

The controller calls `execute` only at safe boundaries (between items); the result goes back
through `POST /v1/player/commands/{commandId}/result`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from player.wire import Command

if TYPE_CHECKING:
    from player.screenshot import Screenshot

LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR"})
MAX_DIAGNOSTICS_MINUTES = 24 * 60
# Taken as it arrives and answered after its upload (command_runner), not through `execute`.
CAPTURE_SCREENSHOT = "CAPTURE_SCREENSHOT"


class CommandTarget(Protocol):
    """What commands can ask of the player."""

    def refresh_manifest(self) -> None: ...

    def restart_playback_loop(self) -> None: ...

    def clear_cache(self, unused_only: bool) -> int:
        """Delete cached assets; returns bytes freed."""

    def request_restart(self) -> None: ...

    def set_log_level(self, level: str) -> None: ...

    def enable_diagnostics(self, minutes: int) -> None: ...

    def capture_screenshot(self) -> Screenshot:
        """A JPEG of what is on screen (issue 19 item 3)."""


@dataclass(frozen=True)
class CommandOutcome:
    succeeded: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class CommandRejectedError(ValueError):
    """The command is unknown or its parameters are invalid."""


def execute(command: Command, target: CommandTarget) -> CommandOutcome:
    """Run one command; bad input becomes a FAILED outcome, never an exception."""
    try:
        result = _dispatch(command, target)
    except CommandRejectedError as exc:
        return CommandOutcome(False, error=str(exc))
    except Exception as exc:  # a failing command must not take the player down
        logging.getLogger(__name__).exception("command %s failed", command.type)
        return CommandOutcome(False, error=f"{type(exc).__name__}: {exc}")
    return CommandOutcome(True, result=result)


def _dispatch(command: Command, target: CommandTarget) -> dict[str, Any]:
    match command.type:
        case "REQUEST_MANIFEST_REFRESH":
            target.refresh_manifest()
        case "RESTART_PLAYBACK_LOOP":
            target.restart_playback_loop()
        case "CLEAR_CACHE_UNUSED":
            return {"freedBytes": target.clear_cache(unused_only=True)}
        case "CLEAR_CACHE_ALL":
            return {"freedBytes": target.clear_cache(unused_only=False)}
        case "REBOOT_APP":
            target.request_restart()
        case "SET_LOG_LEVEL":
            level = str(command.parameters.get("level", "")).upper()
            if level not in LOG_LEVELS:
                raise CommandRejectedError(f"level must be one of {sorted(LOG_LEVELS)}")
            target.set_log_level(level)
            return {"level": level}
        case "ENABLE_DIAGNOSTICS":
            minutes = command.parameters.get("durationMinutes")
            if not _is_int_in(minutes, 1, MAX_DIAGNOSTICS_MINUTES):
                raise CommandRejectedError(
                    f"durationMinutes must be an integer in 1..{MAX_DIAGNOSTICS_MINUTES}"
                )
            target.enable_diagnostics(minutes)
            return {"durationMinutes": minutes}
        case _:
            raise CommandRejectedError(f"unknown command type {command.type!r}")
    return {}


def _is_int_in(value: object, low: int, high: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
