"""§27.5 shared library and §27.6 venue content: assets and direct-to-storage uploads (§13)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import (
    CurrentUser,
    management_rate_limit,
    venue_in_tenant,
)
from api.calls import Call, CallDep
from api.deps import PageQuery, SessionDep
from api.problems import raises
from api.ratelimit import enforce
from api.schemas import Page
from api.schemas.assets import AssetOut, UploadIn, UploadOut
from api.scopes import library_editor, library_reader, venue_editor, venue_reader
from api.views import asset_out
from signage.auth.policy import (
    VenueAction,
    authorize_venue,
)
from signage.auth.principal import UserPrincipal
from signage.content import library, uploads
from signage.content.scope import LibraryScope, Scoped, scope_of
from signage.db.models import Asset, UploadSession
from signage.enums import AssetStatus, AssetType, ContentScope
from signage.errors import ConflictError, NotFoundError, PermissionDeniedError
from signage.ratelimit import LimitCategory

library_router = APIRouter(
    prefix="/v1/library/assets", tags=["library"], dependencies=[Depends(management_rate_limit)]
)
venue_router = APIRouter(
    prefix="/v1/venues/{venueId}/assets",
    tags=["venue content"],
    dependencies=[Depends(management_rate_limit)],
)


class Filters:
    def __init__(
        self,
        q: Annotated[str | None, Query(max_length=200)] = None,
        status: AssetStatus | None = None,
        type: AssetType | None = None,
        scope: ContentScope | None = None,
    ) -> None:
        self.value = library.AssetFilters(q=q, status=status, type=type, scope=scope)


def _start(call: Call, scope: LibraryScope, body: UploadIn) -> UploadOut:
    context = call.context
    enforce(
        call.request,
        context,
        LimitCategory.UPLOAD_SESSION_PER_TENANT,
        str(scope.tenant_id),
        tenant_id=scope.tenant_id,
    )
    started = uploads.start_upload(
        call.session,
        context.storage,
        scope,
        uploads.UploadRequest(
            body.file_name, body.content_type, body.file_size_bytes, body.checksum_sha256
        ),
        max_bytes=context.settings.max_upload_bytes,
        user_id=call.user.user_id,
        now=call.now,
        who=call.who,
    )
    return UploadOut(
        upload_id=started.upload.id,
        asset_id=started.asset.id,
        upload_url=started.presigned.url,
        upload_method=started.presigned.method,
        upload_headers=dict(started.presigned.headers),
        expires_at_utc=started.presigned.expires_at,
    )


def add_upload_completion(router: APIRouter, editor: Callable[..., LibraryScope]) -> None:
    """`POST {prefix}/uploads/{uploadId}/complete` on the scope `editor` resolves."""

    @router.post("/uploads/{uploadId}/complete", summary="The file is uploaded: process it")
    @raises(ConflictError)
    def complete_upload(
        uploadId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> AssetOut:
        # Completing announces the asset to the ingestion worker at the commit (§13.3).
        storage, now = call.context.storage, call.now
        asset = uploads.complete_upload(
            call.session, storage, scope, uploadId, now=now, who=call.who
        )
        return asset_out(asset, storage, now)


def add_asset_reading(router: APIRouter, reader: Callable[..., LibraryScope]) -> None:
    """`GET {prefix}/{assetId}` on the scope `reader` resolves."""

    @router.get("/{assetId}", summary="One asset (poll it while PROCESSING, §13.3)")
    def get_asset(
        assetId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(reader)
    ) -> AssetOut:
        asset = library.get_asset(call.session, scope, assetId)
        return asset_out(asset, call.context.storage, call.now)


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
        call: CallDep,
        page: PageQuery,
        filters: Annotated[Filters, Depends()],
        scope: LibraryScope = Depends(reader),
    ) -> Page[AssetOut]:
        found = library.list_assets(call.session, scope, filters.value, page)
        return Page(
            items=[asset_out(a, call.context.storage, call.now) for a in found.items],
            next_cursor=found.next_cursor,
        )

    @router.post("/uploads", status_code=201, summary=f"Start an upload to {where}")
    def start_upload(
        body: UploadIn, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> UploadOut:
        return _start(call, scope, body)

    add_upload_completion(router, editor)
    add_asset_reading(router, reader)

    @router.delete("/{assetId}", status_code=204, summary="Remove an asset")
    @raises(ConflictError)
    def delete_asset(
        assetId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> Response:
        library.delete_asset(call.session, scope, assetId, now=call.now, who=call.who)
        return Response(status_code=204)


add_asset_routes(library_router, library_reader, library_editor, "the shared library")
add_asset_routes(venue_router, venue_reader, venue_editor, "a venue (shared and its own)")


# §13.3's own paths, without a scope in them (issue 15 item 11): the scope is the one the upload
# or asset has inside the caller's tenant, then the same rights apply as on the scoped routes.
# Another tenant's id, or a venue the caller cannot see, is a 404 (§25.6).
def _scope_in_tenant(
    row: Scoped | type[UploadSession],
    row_id: uuid.UUID,
    user: UserPrincipal,
    session: SessionDep,
    action: VenueAction,
) -> LibraryScope:
    scope = scope_of(session, row, row_id, user.tenant_id)
    if scope is None:
        raise NotFoundError(f"{row.__name__} {row_id} was not found.")
    if scope.venue_id is None:
        return library_reader(user) if action is VenueAction.READ else library_editor(user)
    venue = venue_in_tenant(scope.venue_id, user, session)
    authorize_venue(user, venue.id, action)
    return scope


@raises(NotFoundError, PermissionDeniedError)
def upload_scope_editor(
    uploadId: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
) -> LibraryScope:
    """The scope of the caller's tenant's upload, for callers who may edit it."""
    return _scope_in_tenant(UploadSession, uploadId, user, session, VenueAction.EDIT_CONTENT)


@raises(NotFoundError, PermissionDeniedError)
def asset_scope_reader(
    assetId: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
) -> LibraryScope:
    """The scope of the caller's tenant's asset, for callers who may read it."""
    return _scope_in_tenant(Asset, assetId, user, session, VenueAction.READ)


tenant_router = APIRouter(
    prefix="/v1/assets", tags=["library"], dependencies=[Depends(management_rate_limit)]
)
add_upload_completion(tenant_router, upload_scope_editor)
add_asset_reading(tenant_router, asset_scope_reader)

router = APIRouter()
router.include_router(library_router)
router.include_router(venue_router)
router.include_router(tenant_router)
