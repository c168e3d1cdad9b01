"""Uploading photos and videos from the phone with a progress bar (§13.3-13.4).

The page's script (static/upload.js) declares the file here, PUTs the bytes straight to the
signed storage URL (the API never proxies media, §32.3) reporting XMLHttpRequest progress,
calls complete, then polls the asset's status fragment until READY or FAILED. A failure shows
its reason and "Try again", which starts a new upload (§13.4). The declare and complete calls
are the /v1 `.../uploads` operations, for editors, with the CSRF header htmx pages also send.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.context import AppContext
from api.ratelimit import enforce
from api.webapp.access import editing_scope, may_edit_shared, venue_scope
from api.webapp.calls import FormPost, FormPostDep, PageView, PageViewDep
from api.webapp.forms import ticked
from api.webapp.rendering import CONTENT_SECURITY_POLICY, PageRoute
from signage.auth.policy import VenueAction
from signage.content import library, uploads
from signage.content.scope import LibraryScope
from signage.db.models import Asset, Venue
from signage.enums import AssetStatus
from signage.errors import ValidationFailedError
from signage.media.rules import MediaLimits
from signage.ratelimit import LimitCategory

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The status fragment asks again after FIRST_STATUS_CHECK_MS, then each wait 1.5 times the
# last, up to LAST_STATUS_CHECK_MS: an image is READY in well under a second (issue 18 item 1),
# so a fixed 2 s poll made it look four times slower; a long video still costs few requests.
FIRST_STATUS_CHECK_MS = 250
LAST_STATUS_CHECK_MS = 4000


def status_check_delay_ms(attempt: int) -> int:
    """How long the page waits before its `attempt`-th look (0 = the first)."""
    return int(min(FIRST_STATUS_CHECK_MS * 1.5 ** min(attempt, 20), LAST_STATUS_CHECK_MS))


ACCEPTED_TYPES = "image/jpeg,image/png,video/mp4"


@dataclass(frozen=True)
class UploadLimits:
    """What the upload form shows before a file is chosen and upload.js checks before a byte is
    sent (issue 19 item 4): the §14 numbers ingestion holds files to, from the one source."""

    accepted: str
    max_bytes: int
    long_side: int
    short_side: int
    max_seconds: int

    @property
    def max_megabytes(self) -> int:
        return self.max_bytes // (1024 * 1024)

    @classmethod
    def of(cls, context: AppContext) -> UploadLimits:
        media = MediaLimits.from_settings(context.settings)
        return cls(
            ACCEPTED_TYPES,
            media.max_file_bytes,
            media.max_long_side_px,
            media.max_short_side_px,
            int(media.max_duration_seconds),
        )


def upload_form_values(view: PageView) -> dict[str, object]:
    """What _upload_form.html needs, on the upload page and the asset library."""
    return {"limits": UploadLimits.of(view.context), "shared_upload": may_edit_shared(view.user)}


def allow_uploads(response: Response, context: AppContext) -> Response:
    """The page's script may talk to this site and to the storage origin the signed URL names."""
    response.headers["Content-Security-Policy"] = (
        f"{CONTENT_SECURITY_POLICY}; connect-src 'self' {media_origin(context)}"
    )
    return response


def media_origin(context: AppContext) -> str:
    """Where the browser PUTs the file: the S3 endpoint, or this platform's media origin."""
    settings = context.settings
    if settings.s3_bucket and not settings.s3_endpoint:
        return "https:"  # AWS S3 itself: the bucket's host is only known from the signed URL
    parts = urlsplit(settings.s3_endpoint or settings.api_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def storage_policy(context: AppContext, *directives: str) -> str:
    """The pages' policy, with `directives` (img-src, media-src) also allowing the storage
    origin that signed media URLs point at (thumbnails, screenshots, previews)."""
    origin = media_origin(context)
    return "; ".join([CONTENT_SECURITY_POLICY, *(f"{name} 'self' {origin}" for name in directives)])


@router.get("/app/venues/{venue_id}/upload")
def upload_page(venue_id: uuid.UUID, view: PageViewDep) -> Response:
    venue = view.venue(venue_id, VenueAction.EDIT_CONTENT)
    response = view.render("upload.html", venue=venue, **upload_form_values(view))
    return allow_uploads(response, view.context)


def _size(form: dict[str, str]) -> int:
    try:
        return int(form.get("file_size_bytes", ""))
    except ValueError:
        raise ValidationFailedError("The file's size is missing.") from None


def _declared(form: dict[str, str]) -> uploads.UploadRequest:
    return uploads.UploadRequest(
        form.get("file_name", ""),
        form.get("content_type", ""),
        _size(form),
        form.get("checksum_sha256", ""),
    )


def _upload_scope(post: FormPost, venue: Venue) -> LibraryScope:
    """The venue's library, or the shared one when the form asks and the user may (§25.4)."""
    return editing_scope(post.user, venue, post.form.get("where") == "shared")


def _already_there(venue: Venue, asset: Asset) -> Response:
    """The file's bytes are in the library the venue sees: say where instead of storing them
    again, unless the user then asks for it anyway (`duplicate_ok`)."""
    found = {
        "assetId": str(asset.id),
        "displayName": asset.display_name,
        "status": asset.status.value,
        "url": f"/app/venues/{venue.id}/assets?q={quote(asset.display_name)}",
    }
    return JSONResponse({"duplicateOf": found}, headers={"Cache-Control": "no-store"})


@router.post("/app/venues/{venue_id}/uploads")
def declare_upload(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    """`POST /v1/venues/{id}/assets/uploads`: the signed URL the script PUTs the file to; or,
    when the venue or the shared library already has these bytes, where they are."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    scope = _upload_scope(post, venue)
    if not ticked(post.form, "duplicate_ok"):
        checksum = post.form.get("checksum_sha256", "")
        existing = library.find_duplicate(post.session, venue_scope(venue), checksum)
        if existing is not None:
            return _already_there(venue, existing)
    tenant_id, limit = venue.tenant_id, LimitCategory.UPLOAD_SESSION_PER_TENANT
    enforce(post.request, post.context, limit, str(tenant_id), tenant_id=tenant_id)
    started = uploads.start_upload(
        post.session,
        post.context.storage,
        scope,
        _declared(post.form),
        max_bytes=post.context.settings.max_upload_bytes,
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    body = {
        "uploadId": str(started.upload.id),
        "assetId": str(started.asset.id),
        "uploadUrl": started.presigned.url,
        "uploadMethod": started.presigned.method,
        "uploadHeaders": dict(started.presigned.headers),
    }
    return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})


@router.post("/app/venues/{venue_id}/uploads/{upload_id}/complete")
def complete_upload(venue_id: uuid.UUID, upload_id: uuid.UUID, post: FormPostDep) -> Response:
    """The file is in storage: processing starts and the status fragment is the answer."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    storage, scope = post.context.storage, _upload_scope(post, venue)
    asset = uploads.complete_upload(
        post.session, storage, scope, upload_id, now=post.now, who=post.who
    )
    return _status_fragment(post, venue, asset, attempt=0)  # announced to ingestion at commit


@router.get("/app/venues/{venue_id}/assets/{asset_id}/status")
def asset_status(
    venue_id: uuid.UUID,
    asset_id: uuid.UUID,
    view: PageViewDep,
    attempt: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """Polled by the page while the asset is PROCESSING (§13.3); READY or FAILED stop it."""
    venue = view.venue(venue_id, VenueAction.READ)
    asset = library.get_asset(view.session, venue_scope(venue), asset_id)
    return _status_fragment(view, venue, asset, attempt=attempt + 1)


def _status_fragment(view: PageView, venue: Venue, asset: Asset, *, attempt: int) -> Response:
    """The asset's status, asking again (look number `attempt`) while it is not settled."""
    poll = asset.status in (AssetStatus.UPLOADING, AssetStatus.PROCESSING)
    return view.render(
        "_asset_status.html",
        venue=venue,
        asset=asset,
        poll=poll,
        attempt=attempt,
        delay_ms=status_check_delay_ms(attempt),
    )
