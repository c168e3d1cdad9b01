"""App version strings as players report them (§20: "Devices report app versions for
monitoring"), made comparable. Pure."""

from __future__ import annotations

import re

# The leading dotted number of "1.2.10", "v1.2", "1.2.0-beta+42": the part that orders releases.
_DOTTED_NUMBER = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")

VersionKey = tuple[int, ...]


def version_key(version: str | None) -> VersionKey | None:
    """A sortable key, or None when the string carries no version number.

    Trailing zeros are dropped so "1.2" equals "1.2.0"; a pre-release or build suffix is
    ignored ("1.2.0-beta" equals "1.2.0"), since players report what is installed, not a tag.
    """
    if version is None:
        return None
    match = _DOTTED_NUMBER.match(version)
    if match is None:
        return None
    parts = [int(part) for part in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def newest_version(versions: list[str | None]) -> str | None:
    """The highest comparable version of the list (the first spelling of it), or None."""
    best: tuple[VersionKey, str] | None = None
    for version in versions:
        key = version_key(version)
        if key is not None and version is not None and (best is None or key > best[0]):
            best = (key, version)
    return best[1] if best else None
