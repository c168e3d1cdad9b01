"""A venue's asset library (§21 "Content management: asset library"): what
`GET /v1/venues/{id}/assets` lists, the venue's own assets and the shared library (§6), with
thumbnails, status and why processing failed (§13.4), newest first a page at a time; searched
by name and filtered by type, status and scope (issue 19 item 5).

Editors upload here (several files at once, pages_uploads.py) and rename or delete the venue's
own assets; the shared library's assets are changed by those the /v1 library allows
(EDIT_SHARED_LIBRARY, TENANT_ADMIN, §25.4). Deleting is `library.delete_asset`, the /v1 DELETE:
an asset still in a playlist is the 409 page naming the playlists.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Response

from api.views import asset_out
from api.webapp.access import editing_scope, may_edit_shared, venue_scope
from api.webapp.calls import FormPost, FormPostDep, PageViewDep
from api.webapp.pages_ops import choice
from api.webapp.pages_uploads import allow_uploads, media_origin, upload_form_values
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.content import library
from signage.content.scope import LibraryScope
from signage.enums import AssetStatus, AssetType, ContentScope
from signage.pagination import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ASSETS_PER_PAGE = 50
ASSET = "/app/venues/{venue_id}/assets/{asset_id}"
SEARCH_MAX = 200  # as /v1's q


@router.get("/app/venues/{venue_id}/assets")
def assets_page(
    venue_id: uuid.UUID,
    view: PageViewDep,
    q: str | None = None,
    type: str | None = None,
    status: str | None = None,
    scope: str | None = None,
    cursor: str | None = None,
    renamed: str | None = None,
    deleted: str | None = None,
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    filters = library.AssetFilters(
        q=(q or "").strip()[:SEARCH_MAX] or None,
        type=choice(AssetType, type, "type"),
        status=choice(AssetStatus, status, "status"),
        scope=choice(ContentScope, scope, "place"),
    )
    page = PageRequest(cursor=cursor or None, limit=ASSETS_PER_PAGE)
    found = library.list_assets(view.session, venue_scope(venue), filters, page)
    can = view.abilities(venue)
    response = view.render(
        "assets.html",
        venue=venue,
        assets=[asset_out(a, view.context.storage, view.now) for a in found.items],
        next_cursor=found.next_cursor,
        filters=filters,
        filtered=any(vars(filters).values()),
        query=_filter_query(filters),
        statuses=list(AssetStatus),
        types=list(AssetType),
        can=can,
        shared_editor=may_edit_shared(view.user),
        notice=_notice(renamed, deleted),
        **(upload_form_values(view) if can.edit else {}),
    )
    # Thumbnails are signed URLs on the storage origin, which may not be this site (§32.3).
    allow_uploads(response, view.context)
    response.headers["Content-Security-Policy"] += f"; img-src 'self' {media_origin(view.context)}"
    return response


def _filter_query(filters: library.AssetFilters) -> str:
    """The filters as a query string, for the "More assets" link."""
    return urlencode({name: str(value) for name, value in vars(filters).items() if value})


def _notice(renamed: str | None, deleted: str | None) -> str | None:
    if deleted:
        return f"Deleted {deleted[:255]}."
    return f"Renamed to {renamed[:255]}." if renamed else None


def _changing(post: FormPost, venue_id: uuid.UUID, asset_id: uuid.UUID) -> LibraryScope:
    """The scope that owns the asset, if the user may change it there: a venue's own asset
    needs the venue's editor role, a shared one the shared library's right (§25.4)."""
    venue = post.venue(venue_id, VenueAction.READ)
    asset = library.get_asset(post.session, venue_scope(venue), asset_id)
    shared = asset.scope_venue_id is None
    if not shared:
        post.venue(venue_id, VenueAction.EDIT_CONTENT)
    return editing_scope(post.user, venue, shared)


@router.post(ASSET + "/rename")
def rename_asset(venue_id: uuid.UUID, asset_id: uuid.UUID, post: FormPostDep) -> Response:
    scope = _changing(post, venue_id, asset_id)
    name = post.form.get("name", "")
    asset = library.rename_asset(post.session, scope, asset_id, name, now=post.now, who=post.who)
    query = urlencode({"renamed": asset.display_name})
    return post.redirect(f"/app/venues/{venue_id}/assets?{query}")


@router.post(ASSET + "/delete")
def delete_asset(venue_id: uuid.UUID, asset_id: uuid.UUID, post: FormPostDep) -> Response:
    """The /v1 DELETE: refused (409, naming the playlists) while a playlist uses the asset."""
    scope = _changing(post, venue_id, asset_id)
    name = library.get_asset(post.session, scope, asset_id).display_name
    library.delete_asset(post.session, scope, asset_id, now=post.now, who=post.who)
    return post.redirect(f"/app/venues/{venue_id}/assets?{urlencode({'deleted': name})}")
