"""Reading the fields of a posted form. A missing or malformed field is a 422 page that tells
the user what to do ("Choose a playlist."), never a stack trace."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from signage.errors import ValidationFailedError


def uuid_field(form: Mapping[str, str], name: str, what: str) -> uuid.UUID:
    """The id a select, radio or hidden field holds; without one: "Choose {what}."."""
    try:
        return uuid.UUID(form.get(name, ""))
    except ValueError:
        raise ValidationFailedError(f"Choose {what}.") from None


def version_field(form: Mapping[str, str]) -> int:
    """The earlier version a rollback form names (§27.9)."""
    try:
        return int(form.get("to_version", ""))
    except ValueError:
        raise ValidationFailedError("Choose a version to roll back to.") from None


def ticked(form: Mapping[str, str], name: str) -> bool:
    """A checkbox: browsers send "on" when ticked and nothing at all when not."""
    return form.get(name) == "on"
