"""§27.5 shared library and §27.6 venue content: assets and direct-to-storage uploads (§13)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response

from api.auth import CurrentUser, UserAudit, VenueEditor, VenueReader, management_rate_limit
from api.deps import ContextDep, NowDep, PageQuery, SessionDep
from api.problems import raises
from api.ratelimit import enforce
from api.schemas import Page
from api.schemas.assets import AssetOut, UploadIn, UploadOut
from signage.auth.policy import authorize_shared_library_edit, authorize_shared_library_read
from signage.auth.principal import UserPrincipal
from signage.content import library, uploads
from signage.content.scope import LibraryScope
from signage.db.models import Asset
from signage.enums import AssetStatus, AssetType, ContentScope
from signage.errors import ConflictError, PermissionDeniedError
from signage.ratelimit import LimitCategory
from signage.storage.base import ObjectStorage

THUMBNAIL_URL_LIFETIME = timedelta(hours=1)

library_router = APIRouter(
    prefix="/v1/library/assets", tags=["library"], dependencies=[Depends(management_rate_limit)]
)
venue_router = APIRouter(
    prefix="/v1/venues/{venueId}/assets",
    tags=["venue content"],
    dependencies=[Depends(management_rate_limit)],
)


@raises(PermissionDeniedError)
def library_reader(user: CurrentUser) -> LibraryScope:
    authorize_shared_library_read(user)
    return LibraryScope(user.tenant_id)


@raises(PermissionDeniedError)
def library_editor(user: CurrentUser) -> LibraryScope:
    authorize_shared_library_edit(user)
    return LibraryScope(user.tenant_id)


def venue_reader(venue: VenueReader) -> LibraryScope:
    return LibraryScope(venue.tenant_id, venue.id)


def venue_editor(venue: VenueEditor) -> LibraryScope:
    return LibraryScope(venue.tenant_id, venue.id)


class Filters:
    def __init__(
        self,
        q: Annotated[str | None, Query(max_length=200)] = None,
        status: AssetStatus | None = None,
        type: AssetType | None = None,
        scope: ContentScope | None = None,
    ) -> None:
        self.value = library.AssetFilters(q=q, status=status, type=type, scope=scope)


def _start(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    scope: LibraryScope,
    body: UploadIn,
    user: UserPrincipal,
    now: datetime,
    who: UserAudit,
) -> UploadOut:
    enforce(
        request,
        context,
        LimitCategory.UPLOAD_SESSION_PER_TENANT,
        str(scope.tenant_id),
        tenant_id=scope.tenant_id,
    )
    started = uploads.start_upload(
        session,
        context.storage,
        scope,
        uploads.UploadRequest(
            body.file_name, body.content_type, body.file_size_bytes, body.checksum_sha256
        ),
        max_bytes=context.settings.max_upload_bytes,
        user_id=user.user_id,
        now=now,
        who=who,
    )
    return UploadOut(
        upload_id=started.upload.id,
        asset_id=started.asset.id,
        upload_url=started.presigned.url,
        upload_method=started.presigned.method,
        upload_headers=dict(started.presigned.headers),
        expires_at_utc=started.presigned.expires_at,
    )


def asset_out(asset: Asset, storage: ObjectStorage, now: datetime) -> AssetOut:
    thumbnail = (
        storage.presign_get(asset.thumbnail_key, now + THUMBNAIL_URL_LIFETIME)
        if asset.status is AssetStatus.READY and asset.thumbnail_key
        else None
    )
    return AssetOut(
        asset_id=asset.id,
        tenant_id=asset.tenant_id,
        scope=asset.scope_type,
        venue_id=asset.scope_venue_id,
        type=asset.type,
        status=asset.status,
        display_name=asset.display_name,
        content_type=asset.content_type,
        file_size_bytes=asset.file_size_bytes,
        checksum_sha256=asset.checksum_sha256,
        width_px=asset.width_px,
        height_px=asset.height_px,
        duration_seconds=asset.duration_seconds,
        frame_rate=asset.frame_rate,
        bitrate_bps=asset.bitrate_bps,
        video_codec=asset.video_codec,
        audio_codec=asset.audio_codec,
        thumbnail_url=thumbnail,
        failure_reason=asset.failure_reason,
        failure_detail=asset.failure_detail,
        failed_at_utc=asset.failed_at,
        created_at_utc=asset.created_at,
        updated_at_utc=asset.updated_at,
    )


def add_asset_routes(
    router: APIRouter,
    reader: Callable[..., LibraryScope],
    editor: Callable[..., LibraryScope],
    where: str,
) -> None:
    """The five asset routes of §27.5 (shared library) and §27.6 (venue content) are the same
    operations on a different LibraryScope; `reader` and `editor` decide who gets which."""

    @router.get("", summary=f"Assets of {where}")
    def list_assets(
        context: ContextDep,
        session: SessionDep,
        page: PageQuery,
        now: NowDep,
        filters: Annotated[Filters, Depends()],
        scope: LibraryScope = Depends(reader),
    ) -> Page[AssetOut]:
        found = library.list_assets(session, scope, filters.value, page)
        return Page(
            items=[asset_out(a, context.storage, now) for a in found.items],
            next_cursor=found.next_cursor,
        )

    @router.post("/uploads", status_code=201, summary=f"Start an upload to {where}")
    def start_upload(
        body: UploadIn,
        request: Request,
        user: CurrentUser,
        context: ContextDep,
        session: SessionDep,
        now: NowDep,
        who: UserAudit,
        scope: LibraryScope = Depends(editor),
    ) -> UploadOut:
        return _start(request, context, session, scope, body, user, now, who)

    @router.post("/uploads/{uploadId}/complete", summary="The file is uploaded: process it")
    @raises(ConflictError)
    def complete_upload(
        uploadId: uuid.UUID,
        context: ContextDep,
        session: SessionDep,
        now: NowDep,
        who: UserAudit,
        background: BackgroundTasks,
        scope: LibraryScope = Depends(editor),
    ) -> AssetOut:
        asset = uploads.complete_upload(session, context.storage, scope, uploadId, now=now, who=who)
        # Runs after the response, so after the commit: the run finds the asset PROCESSING.
        background.add_task(context.launcher.launch, asset.id)
        return asset_out(asset, context.storage, now)

    @router.get("/{assetId}", summary="One asset (poll it while PROCESSING, §13.3)")
    def get_asset(
        assetId: uuid.UUID,
        context: ContextDep,
        session: SessionDep,
        now: NowDep,
        scope: LibraryScope = Depends(reader),
    ) -> AssetOut:
        return asset_out(library.get_asset(session, scope, assetId), context.storage, now)

    @router.delete("/{assetId}", status_code=204, summary="Remove an asset")
    @raises(ConflictError)
    def delete_asset(
        assetId: uuid.UUID,
        session: SessionDep,
        now: NowDep,
        who: UserAudit,
        scope: LibraryScope = Depends(editor),
    ) -> Response:
        library.delete_asset(session, scope, assetId, now=now, who=who)
        return Response(status_code=204)


add_asset_routes(library_router, library_reader, library_editor, "the shared library")
add_asset_routes(venue_router, venue_reader, venue_editor, "a venue (shared and its own)")

router = APIRouter()
router.include_router(library_router)
router.include_router(venue_router)
