"""A small fleet paired and reporting through the public API, with alerts evaluated on it.

Fortescue Arms: "Bar" plays, "Screen" shows the error screen, "Lounge" went silent.
Grumpy Badger Café: "Cafe" went silent. Other Tavern (another tenant): "Tavern" went silent.
"""

from __future__ import annotations

import pytest

from tests.api.ops.fleet import OpsFleet
from tests.support.devices import pair
from tests.support.world import VenueWorld


@pytest.fixture
def ops_fleet(world: VenueWorld) -> OpsFleet:
    client, clock, demo = world.client, world.clock, world.demo
    placements = {
        "Bar": ("manager", demo.fortescue_id),
        "Screen": ("manager", demo.fortescue_id),
        "Lounge": ("manager", demo.fortescue_id),
        "Cafe": ("admin", demo.badger_id),
        "Tavern": ("other_admin", demo.other_venue_id),
    }
    devices = {
        name: pair(client, world.as_role(role), venue, name=name)
        for name, (role, venue) in placements.items()
    }
    fleet = OpsFleet(client, world.database, clock, devices)
    for name in devices:
        fleet.beat(name)
    for _ in range(5):  # five minutes: Bar plays, Screen is stuck on its error screen
        clock.advance(seconds=60)
        fleet.beat("Bar")
        fleet.beat("Screen", state="ERROR_SCREEN")
    fleet.evaluate()
    return fleet
