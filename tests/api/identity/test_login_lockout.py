"""Issue 13 item 8: guessing a user's password from one address does not lock the user out
from another, on /v1/auth/login and /app/login; the guessing address stays limited (§27.1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo
from tests.webapp.web import sign_in

ATTACKER = "198.51.100.66"
OWNER = "203.0.113.77"
EMAIL = ROLE_EMAILS["manager"]

# A login through one door: (a client at some address, the password) -> the answer.
Door = Callable[[TestClient, str], httpx.Response]


def api_login(client: TestClient, password: str) -> httpx.Response:
    return client.post("/v1/auth/login", json={"email": EMAIL, "password": password})


def web_login(client: TestClient, password: str) -> httpx.Response:
    return sign_in(client, "manager", password)


SIGNED_IN: dict[Door, int] = {api_login: 200, web_login: 303}
DOORS = pytest.mark.parametrize("door", [api_login, web_login], ids=["api", "webapp"])


@pytest.fixture
def at(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """A client at the given address (how the app sees the peer: request.client)."""
    clients: list[TestClient] = []

    def client_at(address: str) -> TestClient:
        clients.append(TestClient(app, raise_server_exceptions=False, client=(address, 40000)))
        return clients[-1]

    yield client_at
    for client in clients:
        client.close()


@DOORS
def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_of_another(
    at: Callable[[str], TestClient], demo: Demo, door: Door
) -> None:
    attacker, owner = at(ATTACKER), at(OWNER)
    answers = [door(attacker, "wrong-password") for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]

    assert door(owner, DEMO_PASSWORD).status_code == SIGNED_IN[door]
    # The guessing address stays limited, even with the right password (§27.1).
    assert door(attacker, DEMO_PASSWORD).status_code == 429


def test_guessing_spread_over_many_addresses_meets_the_accounts_ceiling(
    at: Callable[[str], TestClient], demo: Demo
) -> None:
    for host in range(10):  # 10 addresses x §27.1's 5 = the ceiling of 50
        guesser = at(f"198.51.100.{host + 1}")
        assert {api_login(guesser, "wrong-password").status_code for _ in range(5)} == {401}
    answer = api_login(at("198.51.100.200"), "wrong-password")
    assert answer.status_code == 429
    assert answer.json()["code"] == "RATE_LIMITED"
