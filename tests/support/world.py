"""What most API and web app tests stand on, as plain classes tests import (never from a
conftest): `Signer` hands out the demo users' bearer headers, `VenueWorld` bundles the app,
its client, the clock, the demo tenant and the signer, so a test asks for one fixture
(`world`) instead of five."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.db.engine import Database
from tests.support.clock import FakeClock
from tests.support.demo import Demo, bearer, login


class Signer:
    """Signs demo users in once per test and hands out their bearer headers."""

    def __init__(self, client: TestClient) -> None:
        self._client = client
        self._tokens: dict[str, str] = {}

    def __call__(self, role: str) -> dict[str, str]:
        if role not in self._tokens:
            self._tokens[role] = login(self._client, role)["accessToken"]
        return bearer(self._tokens[role])


@dataclass(frozen=True)
class VenueWorld:
    """The demo tenant served by a real app on PostgreSQL, with a test client and a clock."""

    app: FastAPI
    client: TestClient
    database: Database
    clock: FakeClock
    demo: Demo
    as_role: Signer
