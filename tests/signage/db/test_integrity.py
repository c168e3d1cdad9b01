"""A unique value taken twice is a DuplicateError naming the field, undoing only its savepoint."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from signage.audit import AuditContext
from signage.db.engine import Database
from signage.db.integrity import unique_fields
from signage.db.models import DeviceGroup, DevicePairing, Venue
from signage.devices import pairing, registry
from signage.enums import ActorType
from signage.errors import DuplicateError
from tests.support.clock import FakeClock
from tests.support.demo import Demo

SYSTEM = AuditContext(actor_type=ActorType.SYSTEM, actor_id=None, ip_address=None, request_id=None)


def test_each_unique_constraint_names_the_field_a_client_chose() -> None:
    fields = unique_fields()
    assert fields["uq_device_groups_venue_name"] == "name"
    assert fields["uq_users_tenant_email_lower"] == "email"
    assert fields["uq_device_pairings_live_code"] == "pairingCode"


def test_a_taken_name_undoes_only_the_rename_and_the_session_goes_on(
    database: Database, demo: Demo, clock: FakeClock
) -> None:
    with database.unit_of_work() as session:
        venue = session.get_one(Venue, demo.fortescue_id)
        registry.create_group(session, venue, "Bar", now=clock(), who=SYSTEM)
        lounge = registry.create_group(session, venue, "Lounge", now=clock(), who=SYSTEM)
    with database.unit_of_work() as session:
        venue = session.get_one(Venue, demo.fortescue_id)
        with pytest.raises(DuplicateError) as raised:
            registry.rename_group(session, venue, lounge.id, "Bar", now=clock(), who=SYSTEM)
        assert raised.value.field == "name"
        # the savepoint rolled back: the transaction is usable and the group kept its name
        registry.create_group(session, venue, "Terrace", now=clock(), who=SYSTEM)
    with database.sessions() as session:
        names = session.scalars(
            select(DeviceGroup.name).where(DeviceGroup.venue_id == demo.fortescue_id)
        )
        assert sorted(names) == ["Bar", "Lounge", "Terrace"]


def test_pairing_retries_a_code_a_live_pairing_holds(
    database: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = "A" * pairing.CODE_LENGTH
    with database.unit_of_work() as session:
        first = pairing.start(
            session, hardware_id="hw-1", model=None, app_version=None, now=clock()
        )
        first.pairing.pairing_code = taken
    # the next code drawn is the taken one, then a fresh one
    draws = iter(taken + "B" * pairing.CODE_LENGTH)
    monkeypatch.setattr(secrets, "choice", lambda _alphabet: next(draws))
    with database.unit_of_work() as session:
        second = pairing.start(
            session, hardware_id="hw-2", model=None, app_version=None, now=clock()
        )
        assert second.pairing.pairing_code == "B" * pairing.CODE_LENGTH
    with database.sessions() as session:
        assert (
            session.scalar(
                select(DevicePairing.pairing_code).where(DevicePairing.device_hardware_id == "hw-1")
            )
            == taken
        )
