"""Which devices carrying a screen's hardware id a claim may reuse or remove (issue 13 item 1):
only the claimer's own tenant's, and only at venues the claimer may manage (§5, §25.6)."""

from __future__ import annotations

import uuid

from signage.auth.principal import UserPrincipal
from signage.db.models import Device
from signage.devices.pairing import plan_repairing
from signage.enums import TenantRole, VenueRole

TENANT, OTHER_TENANT = uuid.uuid4(), uuid.uuid4()
BAR, CAFE, THEIRS = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def person(
    tenant_id: uuid.UUID = TENANT,
    *,
    admin: bool = False,
    venues: dict[uuid.UUID, VenueRole] | None = None,
) -> UserPrincipal:
    return UserPrincipal(
        user_id=uuid.uuid4(),
        tenant_id=tenant_id,
        tenant_roles=frozenset({TenantRole.TENANT_ADMIN} if admin else set()),
        venue_roles=venues or {},
        capabilities=frozenset(),
    )


def device(venue_id: uuid.UUID, tenant_id: uuid.UUID = TENANT) -> Device:
    return Device(id=uuid.uuid4(), tenant_id=tenant_id, venue_id=venue_id, name="Screen")


def test_a_device_in_the_claiming_venue_is_reused() -> None:
    at_bar = device(BAR)
    plan = plan_repairing(person(venues={BAR: VenueRole.VENUE_MANAGER}), BAR, [at_bar])
    assert (plan.reuse, plan.retire) == (at_bar, ())


def test_another_tenants_device_is_never_touched_even_by_an_admin() -> None:
    plan = plan_repairing(person(OTHER_TENANT, admin=True), THEIRS, [device(BAR)])
    assert (plan.reuse, plan.retire) == (None, ())


def test_a_device_at_a_venue_the_claimer_does_not_manage_is_left_alone() -> None:
    at_cafe = device(CAFE)
    for venue_role in (None, VenueRole.VENUE_VIEWER, VenueRole.VENUE_EDITOR):
        roles = {BAR: VenueRole.VENUE_MANAGER} | ({CAFE: venue_role} if venue_role else {})
        plan = plan_repairing(person(venues=roles), BAR, [at_cafe])
        assert (plan.reuse, plan.retire) == (None, ()), venue_role


def test_a_manager_of_both_venues_or_an_admin_moves_the_device() -> None:
    at_cafe = device(CAFE)
    both = {BAR: VenueRole.VENUE_MANAGER, CAFE: VenueRole.VENUE_MANAGER}
    for claimer in (person(venues=both), person(admin=True)):
        plan = plan_repairing(claimer, BAR, [at_cafe])
        assert (plan.reuse, plan.retire) == (None, (at_cafe,))


def test_with_several_only_the_first_in_the_venue_is_reused_and_only_managed_ones_go() -> None:
    first, second, at_cafe, theirs = device(BAR), device(BAR), device(CAFE), device(THEIRS)
    claimer = person(venues={BAR: VenueRole.VENUE_MANAGER})
    plan = plan_repairing(claimer, BAR, [first, at_cafe, second, theirs])
    assert (plan.reuse, plan.retire) == (first, (second,))
