"""Uploading photos and videos from the phone with a progress bar (§13.3-13.4).

The page's script (static/upload.js) declares the file here, PUTs the bytes straight to the
signed storage URL (the API never proxies media, §32.3) reporting XMLHttpRequest progress,
calls complete, then polls the asset's status fragment until READY or FAILED. A failure shows
its reason and "Try again", which starts a new upload (§13.4). The declare and complete calls
are the /v1 `.../uploads` operations, for editors, with the CSRF header htmx pages also send.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from fastapi import APIRouter, BackgroundTasks, Response
from fastapi.responses import JSONResponse

from api.context import AppContext
from api.ratelimit import enforce
from api.webapp.access import venue_scope
from api.webapp.calls import FormPostDep, PageView, PageViewDep
from api.webapp.rendering import CONTENT_SECURITY_POLICY, PageRoute
from signage.auth.policy import VenueAction
from signage.content import library, uploads
from signage.db.models import Asset, Venue
from signage.enums import AssetStatus
from signage.errors import ValidationFailedError
from signage.ratelimit import LimitCategory

router = APIRouter(route_class=PageRoute, include_in_schema=False)

STATUS_POLL_SECONDS = 2
ACCEPTED_TYPES = "image/jpeg,image/png,video/mp4"


def media_origin(context: AppContext) -> str:
    """Where the browser PUTs the file: the S3 endpoint, or this platform's media origin."""
    settings = context.settings
    if settings.s3_bucket and not settings.s3_endpoint:
        return "https:"  # AWS S3 itself: the bucket's host is only known from the signed URL
    parts = urlsplit(settings.s3_endpoint or settings.api_base_url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/app/venues/{venue_id}/upload")
def upload_page(venue_id: uuid.UUID, view: PageViewDep) -> Response:
    venue = view.venue(venue_id, VenueAction.EDIT_CONTENT)
    response = view.render(
        "upload.html",
        venue=venue,
        accepted=ACCEPTED_TYPES,
        max_megabytes=view.context.settings.max_upload_bytes // (1024 * 1024),
    )
    # The script may talk to this site and to the storage origin the signed URL points at.
    response.headers["Content-Security-Policy"] = (
        f"{CONTENT_SECURITY_POLICY}; connect-src 'self' {media_origin(view.context)}"
    )
    return response


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


@router.post("/app/venues/{venue_id}/uploads")
def declare_upload(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    """`POST /v1/venues/{id}/assets/uploads`: the signed URL the script PUTs the file to."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    tenant_id, limit = venue.tenant_id, LimitCategory.UPLOAD_SESSION_PER_TENANT
    enforce(post.request, post.context, limit, str(tenant_id), tenant_id=tenant_id)
    started = uploads.start_upload(
        post.session,
        post.context.storage,
        venue_scope(venue),
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
def complete_upload(
    venue_id: uuid.UUID, upload_id: uuid.UUID, post: FormPostDep, background: BackgroundTasks
) -> Response:
    """The file is in storage: processing starts and the status fragment is the answer."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    storage, scope = post.context.storage, venue_scope(venue)
    asset = uploads.complete_upload(
        post.session, storage, scope, upload_id, now=post.now, who=post.who
    )
    # After the response, so after the commit: the run finds the asset PROCESSING (as /v1).
    background.add_task(post.context.launcher.launch, asset.id)
    response = _status_fragment(post, venue, asset, poll=True)
    response.background = background
    return response


@router.get("/app/venues/{venue_id}/assets/{asset_id}/status")
def asset_status(venue_id: uuid.UUID, asset_id: uuid.UUID, view: PageViewDep) -> Response:
    """Polled by the page while the asset is PROCESSING (§13.3); READY or FAILED stop it."""
    venue = view.venue(venue_id, VenueAction.READ)
    asset = library.get_asset(view.session, venue_scope(venue), asset_id)
    poll = asset.status in (AssetStatus.UPLOADING, AssetStatus.PROCESSING)
    return _status_fragment(view, venue, asset, poll=poll)


def _status_fragment(view: PageView, venue: Venue, asset: Asset, *, poll: bool) -> Response:
    """The asset's status, polling itself every few seconds while `poll` holds."""
    return view.render(
        "_asset_status.html", venue=venue, asset=asset, poll=poll, every=STATUS_POLL_SECONDS
    )
