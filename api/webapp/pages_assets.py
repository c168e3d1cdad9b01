"""A venue's asset library (§21 "Content management: asset library"): what
`GET /v1/venues/{id}/assets` lists, the venue's own assets and the shared library (§6), with
thumbnails, status and why processing failed (§13.4), newest first a page at a time.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api.views import asset_out
from api.webapp.access import venue_scope
from api.webapp.calls import PageViewDep
from api.webapp.pages_ops import choice
from api.webapp.pages_uploads import media_origin
from api.webapp.rendering import CONTENT_SECURITY_POLICY, PageRoute
from signage.auth.policy import VenueAction
from signage.content import library
from signage.enums import AssetStatus
from signage.pagination import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ASSETS_PER_PAGE = 50


@router.get("/app/venues/{venue_id}/assets")
def assets_page(
    venue_id: uuid.UUID, view: PageViewDep, status: str | None = None, cursor: str | None = None
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    filters = library.AssetFilters(status=choice(AssetStatus, status, "status"))
    page = PageRequest(cursor=cursor or None, limit=ASSETS_PER_PAGE)
    found = library.list_assets(view.session, venue_scope(venue), filters, page)
    storage = view.context.storage
    response = view.render(
        "assets.html",
        venue=venue,
        assets=[asset_out(a, storage, view.now) for a in found.items],
        next_cursor=found.next_cursor,
        status=filters.status,
        statuses=list(AssetStatus),
        can=view.abilities(venue),
    )
    # Thumbnails are signed URLs on the storage origin, which may not be this site (§32.3).
    response.headers["Content-Security-Policy"] = (
        f"{CONTENT_SECURITY_POLICY}; img-src 'self' {media_origin(view.context)}"
    )
    return response
