"""Optimistic concurrency (§16, §27.1): ETags from integer versions, If-Match checks."""

from __future__ import annotations

from signage.errors import PreconditionFailedError, PreconditionRequiredError


def etag_for(kind: str, version: int) -> str:
    """A strong ETag naming the resource kind, so an ETag of one kind never matches another."""
    return f'"{kind}-v{version}"'


def require_if_match(if_match: str | None, current_etag: str) -> None:
    """428 when the client sent no If-Match, 412 (with the current ETag) when it is stale."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(
            "This change needs an If-Match header with the ETag you last read."
        )
    presented = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if current_etag not in presented and "*" not in presented:
        raise PreconditionFailedError(
            "The resource has changed since it was loaded; reload and try again.",
            current_etag=current_etag,
        )
