"""A venue's asset library (§21 "Content management: asset library"): what
`GET /v1/venues/{id}/assets` lists, the venue's own assets and the shared library (§6), with
thumbnails, status and why processing failed (§13.4), newest first a page at a time.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from api.deps import ContextDep, NowDep, SessionDep
from api.routes.assets import asset_out
from api.webapp.access import abilities, open_venue
from api.webapp.pages_ops import choice
from api.webapp.pages_uploads import media_origin
from api.webapp.rendering import CONTENT_SECURITY_POLICY, PageRoute, render
from api.webapp.session import WebUser
from signage.auth.policy import VenueAction
from signage.content import library
from signage.content.scope import LibraryScope
from signage.enums import AssetStatus
from signage.pagination import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ASSETS_PER_PAGE = 50


@router.get("/app/venues/{venue_id}/assets")
def assets_page(
    venue_id: uuid.UUID,
    request: Request,
    user: WebUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    status: str | None = None,
    cursor: str | None = None,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    filters = library.AssetFilters(status=choice(AssetStatus, status, "status"))
    page = PageRequest(cursor=cursor or None, limit=ASSETS_PER_PAGE)
    found = library.list_assets(session, LibraryScope(venue.tenant_id, venue.id), filters, page)
    response = render(
        request,
        "assets.html",
        venue=venue,
        assets=[asset_out(a, context.storage, now) for a in found.items],
        next_cursor=found.next_cursor,
        status=filters.status,
        statuses=list(AssetStatus),
        can=abilities(user, venue.id),
    )
    # Thumbnails are signed URLs on the storage origin, which may not be this site (§32.3).
    response.headers["Content-Security-Policy"] = (
        f"{CONTENT_SECURITY_POLICY}; img-src 'self' {media_origin(context)}"
    )
    return response
