"""§27.7 pairing: the screen starts and polls; a manager claims it into a venue (§8)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from api.auth import VenueManager, management_rate_limit
from api.calls import CallDep
from api.deps import ContextDep, NowDep, SessionDep, SettingsDep
from api.problems import raises
from api.ratelimit import client_ip_address, enforce, enforce_pairing_claim_limits
from api.schemas.devices import (
    DeviceOut,
    PairingClaimIn,
    PairingStartIn,
    PairingStartOut,
    PairingStatusOut,
)
from api.views import device_out
from signage.devices import pairing, registry
from signage.errors import ConflictError, NotFoundError, RateLimitedError
from signage.ratelimit import LimitCategory

router = APIRouter(tags=["pairing"])


@router.post("/v1/devices/pairing/start", status_code=201, summary="A screen asks for a code")
@raises(RateLimitedError, ConflictError)
def start(
    body: PairingStartIn,
    request: Request,
    context: ContextDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> PairingStartOut:
    enforce(request, context, LimitCategory.PAIRING_START_PER_IP, _ip(request))
    started = pairing.start(
        session,
        hardware_id=body.device_hardware_id,
        model=body.model,
        app_version=body.app_version,
        now=now,
    )
    code = pairing.display_code(started.code)
    query = urlencode({"code": code, "hw": body.device_hardware_id})
    return PairingStartOut(
        pairing_id=started.pairing.id,
        pairing_code=code,
        qr_payload=f"{settings.api_base_url}/app/pair?{query}",
        expires_at_utc=started.pairing.expires_at,
        poll_seconds=pairing.POLL_SECONDS,
        pairing_secret=started.secret,
    )


@router.get("/v1/devices/pairing/status", summary="A screen polls until it is claimed")
@raises(RateLimitedError, NotFoundError)
def status(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    pairing_id: Annotated[uuid.UUID, Query(alias="pairingId")],
    pairing_secret: Annotated[str, Query(alias="pairingSecret", min_length=16, max_length=128)],
) -> PairingStatusOut:
    enforce(request, context, LimitCategory.PAIRING_STATUS_PER_IP, _ip(request))
    state = pairing.status(
        session, context.tokens, pairing_id=pairing_id, secret=pairing_secret, now=now
    )
    return PairingStatusOut(
        status=state.status,
        expires_at_utc=state.expires_at,
        device_id=state.device_id,
        device_token=state.device_token,
    )


@router.post(
    "/v1/venues/{venueId}/devices/pairing/claim",
    status_code=201,
    summary="A manager claims the screen showing a code",
    dependencies=[Depends(management_rate_limit)],
)
@raises(RateLimitedError, NotFoundError, ConflictError)
def claim(body: PairingClaimIn, venue: VenueManager, call: CallDep) -> DeviceOut:
    enforce_pairing_claim_limits(call.request, call.context, call.user.tenant_id, venue.id)
    device = pairing.claim(
        call.session,
        call.user,
        venue,
        code=body.pairing_code,
        name=body.name.strip(),
        group_id=body.group_id,
        now=call.now,
        who=call.who,
    )
    return device_out(registry.get_device(call.session, venue, device.id, call.now))


def _ip(request: Request) -> str:
    return client_ip_address(request) or "unknown"
