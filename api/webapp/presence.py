"""Presence on the pages (§16): an editor's page says "I am editing this" within the TTL and
shows who else is, on the /v1 presence board (`api.presence`)."""

from __future__ import annotations

from fastapi import Response

from api.context import AppContext
from api.presence import announce
from api.webapp.calls import FormPost
from signage.presence import Resource


def presence_every(context: AppContext) -> int:
    """Seconds between a page's announcements: twice within the TTL, so it never lapses."""
    return max(5, context.settings.presence_ttl_seconds // 2)


def editors_fragment(post: FormPost, resource: Resource) -> Response:
    """The user announced as editing `resource`; the answer lists the others who are."""
    presence = announce(post, resource)
    return post.render("_editors.html", editors=presence.editors)
