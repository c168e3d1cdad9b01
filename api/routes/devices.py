"""§27.6 venue operations: devices (with live status), groups, and remote commands."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import (
    CurrentUser,
    VenueManager,
    VenueReader,
    management_rate_limit,
    venue_in_tenant,
)
from api.calls import CallDep
from api.deps import IfMatch, NowDep, PageQuery, SessionDep
from api.openapi import sends_etag
from api.problems import raises
from api.schemas import Page
from api.schemas.devices import (
    CommandIn,
    CommandOut,
    DeviceMoveIn,
    DeviceOut,
    DevicePatch,
    GroupIn,
    GroupOut,
)
from api.views import command_out, device_out
from signage.auth.policy import authorize_tenant_admin
from signage.db.models import Venue
from signage.devices import commands, registry
from signage.errors import ConflictError, NotFoundError, PermissionDeniedError
from signage.tenancy import admin

router = APIRouter(
    prefix="/v1/venues/{venueId}",
    tags=["devices"],
    dependencies=[Depends(management_rate_limit)],
)


class OnlineStatus(StrEnum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


@router.get("/devices", summary="Devices of the venue with their live status")
def list_devices(
    venue: VenueReader,
    session: SessionDep,
    now: NowDep,
    page: PageQuery,
    status: OnlineStatus | None = None,
    online: bool | None = None,
    group_id: Annotated[uuid.UUID | None, Query(alias="groupId")] = None,
    app_version: Annotated[str | None, Query(alias="appVersion", max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DeviceOut]:
    if status is not None:
        online = status is OnlineStatus.ONLINE
    filters = registry.DeviceFilters(online=online, group_id=group_id, app_version=app_version, q=q)
    found = registry.list_devices(session, venue, filters, page, now)
    return Page(items=[device_out(v) for v in found.items], next_cursor=found.next_cursor)


@router.get("/devices/{deviceId}", summary="One device with its live status (ETag)")
@sends_etag
def get_device(deviceId: uuid.UUID, venue: VenueReader, call: CallDep) -> DeviceOut:
    view = registry.get_device(call.session, venue, deviceId, call.now)
    call.send_etag(view.etag)
    return device_out(view)


@router.patch("/devices/{deviceId}", summary="Change a device's settings or group (If-Match)")
@sends_etag
def patch_device(
    deviceId: uuid.UUID, body: DevicePatch, venue: VenueManager, call: CallDep, if_match: IfMatch
) -> DeviceOut:
    sent = body.model_fields_set
    changes = registry.DeviceChanges(sent=frozenset(sent), **body.model_dump(include=sent))
    view = registry.update_device(
        call.session, venue, deviceId, changes, if_match=if_match, now=call.now, who=call.who
    )
    call.send_etag(view.etag)
    return device_out(view)


@raises(NotFoundError, PermissionDeniedError)
def venue_of_tenant_admin(
    user: CurrentUser, venue: Annotated[Venue, Depends(venue_in_tenant)]
) -> Venue:
    """The path's venue, for a TENANT_ADMIN of its tenant: decided before the body is read."""
    authorize_tenant_admin(user)
    return venue


@router.post(
    "/devices/{deviceId}/move",
    summary="Move a device to another venue of the tenant (TENANT_ADMIN)",
    description="Extension (§25.1): the device keeps its id, name, settings and history and "
    "loses its group. The move is silent: the screen's token keeps working and now acts in the "
    "new venue; its next manifest answer carries `X-Device-Token-Renewal` with a token for the "
    "new venue, whose first use ends the old one.",
)
@raises(NotFoundError, PermissionDeniedError)
def move_device(
    deviceId: uuid.UUID,
    body: DeviceMoveIn,
    venue: Annotated[Venue, Depends(venue_of_tenant_admin)],
    call: CallDep,
) -> DeviceOut:
    to_venue = admin.get_venue(call.session, call.user.tenant_id, body.to_venue_id)
    view = registry.move_device(call.session, venue, deviceId, to_venue, now=call.now, who=call.who)
    return device_out(view)


@router.delete("/devices/{deviceId}", status_code=204, summary="Remove a device (revokes it)")
def delete_device(deviceId: uuid.UUID, venue: VenueManager, call: CallDep) -> Response:
    registry.remove_device(call.session, venue, deviceId, now=call.now, who=call.who)
    return Response(status_code=204)


# -- groups ------------------------------------------------------------------------------------


@router.get("/groups", summary="Device groups of the venue")
def list_groups(venue: VenueReader, session: SessionDep, page: PageQuery) -> Page[GroupOut]:
    found = registry.list_groups(session, venue, page)
    return Page(
        items=[GroupOut.model_validate(g) for g in found.items], next_cursor=found.next_cursor
    )


@router.post("/groups", status_code=201, summary="Create a device group")
@raises(ConflictError)
def create_group(body: GroupIn, venue: VenueManager, call: CallDep) -> GroupOut:
    group = registry.create_group(call.session, venue, body.name, now=call.now, who=call.who)
    return GroupOut.model_validate(group)


@router.get("/groups/{groupId}", summary="One device group")
def get_group(groupId: uuid.UUID, venue: VenueReader, session: SessionDep) -> GroupOut:
    return GroupOut.model_validate(registry.get_group(session, venue, groupId))


@router.put("/groups/{groupId}", summary="Rename a device group")
@raises(ConflictError)
def put_group(groupId: uuid.UUID, body: GroupIn, venue: VenueManager, call: CallDep) -> GroupOut:
    name = body.name
    group = registry.rename_group(call.session, venue, groupId, name, now=call.now, who=call.who)
    return GroupOut.model_validate(group)


@router.delete("/groups/{groupId}", status_code=204, summary="Delete a device group")
def delete_group(groupId: uuid.UUID, venue: VenueManager, call: CallDep) -> Response:
    registry.delete_group(call.session, venue, groupId, now=call.now, who=call.who)
    return Response(status_code=204)


# -- commands ----------------------------------------------------------------------------------


@router.post("/devices/{deviceId}/commands", status_code=201, summary="Send a support command")
def issue_command(
    deviceId: uuid.UUID, body: CommandIn, venue: VenueManager, call: CallDep
) -> CommandOut:
    session, now, me = call.session, call.now, call.user.user_id
    device = registry.get_device(session, venue, deviceId, now).device
    command = commands.issue(
        session, device, body.type, body.parameters, issued_by=me, now=now, who=call.who
    )
    call.context.waiting_commands.issued(device.id, now)  # its next poll goes to the route
    return command_out(command, call.context.storage, now)


@router.get("/devices/{deviceId}/commands", summary="Command history of a device, newest first")
def list_commands(
    deviceId: uuid.UUID, venue: VenueReader, call: CallDep, page: PageQuery
) -> Page[CommandOut]:
    session, now = call.session, call.now
    device = registry.get_device(session, venue, deviceId, now).device
    found = commands.history(session, device, page, now)
    return Page(
        items=[command_out(c, call.context.storage, now) for c in found.items],
        next_cursor=found.next_cursor,
    )
