"""Support commands as a manager reads them (issue 19 item 8, §18): what each is called, what
it asks before it is sent, how far it got (sent → delivered → answered, with the time each
step took) and the screen's answer in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signage.db.models import DeviceCommand
from signage.devices import screenshots
from signage.enums import CommandStatus, CommandType

LABELS = {
    CommandType.REQUEST_MANIFEST_REFRESH: "Refresh content",
    CommandType.RESTART_PLAYBACK_LOOP: "Restart playback",
    CommandType.CLEAR_CACHE_UNUSED: "Clear unused downloads",
    CommandType.CLEAR_CACHE_ALL: "Clear all downloads",
    CommandType.REBOOT_APP: "Restart the app",
    CommandType.ENABLE_DIAGNOSTICS: "Turn on diagnostics",
    CommandType.SET_LOG_LEVEL: "Set the log level",
    CommandType.CAPTURE_SCREENSHOT: "Take a screenshot",
}
# What a manager is asked before a command that interrupts the screen or costs downloads.
CONFIRMATIONS = {
    CommandType.CLEAR_CACHE_ALL: (
        "Clear all downloads? The screen downloads its content again; what plays now stays."
    ),
    CommandType.REBOOT_APP: "Restart the app? The screen goes dark for a few seconds.",
}
# Device reboot (§18 "reboot where supported") is not offered: no player can reboot its host
# (the python-vlc player runs under a supervisor, the web player in a browser); REBOOT_APP is.
DIAGNOSTICS_MINUTES = {15: "15 minutes", 60: "1 hour", 240: "4 hours", 1440: "24 hours"}
STATUS_WORDS = {
    CommandStatus.PENDING: "Waiting for the screen to pick it up",
    CommandStatus.DELIVERED: "Delivered, the screen is carrying it out",
    CommandStatus.SUCCEEDED: "Done",
    CommandStatus.FAILED: "Failed",
    CommandStatus.EXPIRED: "Expired: the screen did not answer within a day",
}


@dataclass(frozen=True)
class Step:
    """One stage of a command's way, done or not, with the time it took from sending."""

    name: str
    done: bool
    after: str | None = None


def elapsed(start: datetime, end: datetime) -> str:
    """A duration as people say it: "4 s", "2 min 5 s", "3 h 10 min"."""
    seconds = max(0, round((end - start).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def steps(command: DeviceCommand) -> list[Step]:
    """Sent → delivered → answered, each with how long after sending it happened."""

    def since_sent(moment: datetime | None) -> str | None:
        return elapsed(command.issued_at, moment) if moment is not None else None

    answered = command.status in (CommandStatus.SUCCEEDED, CommandStatus.FAILED)
    delivered = command.delivered_at is not None or answered
    return [
        Step("Sent", True),
        Step("Delivered", delivered, since_sent(command.delivered_at)),
        Step("Answered", answered, since_sent(command.completed_at) if answered else None),
    ]


def answer(command: DeviceCommand) -> str | None:
    """The screen's answer in words; None while it has not answered."""
    if command.status is CommandStatus.FAILED:
        return f"The screen could not do it: {command.error_message or 'it gave no reason'}."
    if command.status is CommandStatus.EXPIRED:
        return "No answer: the screen did not pick it up within a day (is it switched on?)."
    if command.status is not CommandStatus.SUCCEEDED:
        return None
    return _success(command.type, command.result or {}, command.parameters or {})


def _success(kind: CommandType, result: dict[str, Any], parameters: dict[str, Any]) -> str:
    if kind in (CommandType.CLEAR_CACHE_UNUSED, CommandType.CLEAR_CACHE_ALL):
        return f"Freed {_size(result.get('freedBytes'))}."
    if kind is CommandType.ENABLE_DIAGNOSTICS:
        minutes = result.get("durationMinutes", parameters.get("durationMinutes"))
        return f"Diagnostics are on for {minutes} minutes, then logging goes back to normal."
    if kind is CommandType.SET_LOG_LEVEL:
        return f"The screen now logs at {result.get('level', parameters.get('level'))} level."
    if kind is CommandType.CAPTURE_SCREENSHOT:
        if result.get(screenshots.PURGED):
            return "The screen took a screenshot; it was deleted after 7 days."
        return "Here is what the screen showed."
    return {
        CommandType.REQUEST_MANIFEST_REFRESH: "The screen checked for new content.",
        CommandType.RESTART_PLAYBACK_LOOP: "Playback started again from the first item.",
        CommandType.REBOOT_APP: "The app is restarting; the screen is back within seconds.",
    }.get(kind, "Done.")


def _size(value: object) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return "some space"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KB" if value else "nothing (it was already clear)"
    return f"{value / (1024 * 1024):.1f} MB"
