"""Notification channels over HTTP (issue 17 item 2): CRUD by TENANT_ADMIN, the webhook secret
shown once and nowhere else, bad input as 422 naming the field, other tenants see nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.models import AuditEntry
from tests.support.demo import Demo
from tests.support.world import VenueWorld

Signer = Callable[[str], dict[str, str]]


def channels_url(demo: Demo) -> str:
    return f"/v1/tenants/{demo.tenant_id}/notification-channels"


def create(client: TestClient, demo: Demo, headers: dict[str, str], **body: object):
    return client.post(channels_url(demo), json=body, headers=headers)


WEBHOOK = {"type": "WEBHOOK", "name": "Pager", "url": "https://hooks.example.com/signage"}
EMAIL = {"type": "EMAIL", "name": "Ops mail", "recipients": ["ops@fortescue.example"]}


def test_a_webhook_channel_shows_its_secret_once_and_never_again(
    world: VenueWorld, caplog: pytest.LogCaptureFixture
) -> None:
    client, demo = world.client, world.demo
    caplog.set_level(logging.DEBUG)
    admin = world.as_role("admin")
    created = create(client, demo, admin, **WEBHOOK, minSeverity="ERROR")
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 30
    assert (body["type"], body["minSeverity"], body["venueIds"], body["failing"]) == (
        "WEBHOOK",
        "ERROR",
        [],
        False,
    )
    url = f"{channels_url(demo)}/{body['channelId']}"
    fetched = client.get(url, headers=admin)
    listed = client.get(channels_url(demo), headers=admin)
    patched = client.patch(url, json={"name": "Pager 2"}, headers=admin)
    for answer in (fetched, listed, patched):
        assert answer.status_code == 200, answer.text
        assert secret not in answer.text
        assert "secret" not in answer.json()
    with world.database.sessions() as session:
        details = [str(e.details) for e in session.scalars(select(AuditEntry))]
    assert any("Pager" in d for d in details)
    assert not any(secret in d for d in details)
    assert secret not in caplog.text


def test_email_channel_crud_for_chosen_venues(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = world.as_role("admin")
    created = create(client, demo, admin, **EMAIL, venueIds=[str(demo.fortescue_id)])
    assert created.status_code == 201, created.text
    channel = created.json()
    assert channel["secret"] is None
    assert channel["recipients"] == ["ops@fortescue.example"]
    assert channel["venueIds"] == [str(demo.fortescue_id)]
    url = f"{channels_url(demo)}/{channel['channelId']}"
    changed = client.patch(
        url, json={"recipients": ["a@x.example", "b@x.example"], "venueIds": []}, headers=admin
    ).json()
    assert (changed["recipients"], changed["venueIds"]) == (["a@x.example", "b@x.example"], [])
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    assert client.get(channels_url(demo), headers=admin).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**WEBHOOK, "url": "ftp://hooks.example.com/x"}, "body.url"),
        ({**WEBHOOK, "url": "https://hooks.example.com/" + "a" * 2000}, "body.url"),
        ({**WEBHOOK, "url": "https://u:p@hooks.example.com/"}, "body.url"),
        ({"type": "WEBHOOK", "name": "No URL"}, "body.url"),
        ({"type": "EMAIL", "name": "Nobody"}, "body.recipients"),
        ({**EMAIL, "recipients": ["not an address"]}, "body.recipients"),
        ({**EMAIL, "venueIds": ["00000000-0000-0000-0000-000000000001"]}, "body.venueIds"),
        ({**EMAIL, "minSeverity": "LOUD"}, "body.minSeverity"),
    ],
)
def test_bad_channels_are_422_naming_the_field(
    world: VenueWorld, body: dict[str, object], field: str
) -> None:
    refused = create(world.client, world.demo, world.as_role("admin"), **body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    locations = [e["location"] for e in refused.json()["errors"]]
    assert any(location.startswith(field) for location in locations), locations


def test_another_tenants_venue_or_channel_is_not_reachable(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    admin, other = as_role("admin"), as_role("other_admin")
    theirs = create(client, demo, admin, **EMAIL).json()
    url = f"{channels_url(demo)}/{theirs['channelId']}"
    # The attacker's own tenant path with the victim's channel id: not found.
    own_path = f"/v1/tenants/{demo.other_tenant_id}/notification-channels/{theirs['channelId']}"
    for method in ("GET", "PATCH", "DELETE"):
        answer = client.request(
            method, own_path, headers=other, json={} if method == "PATCH" else None
        )
        assert answer.status_code == 404, (method, answer.text)
    assert client.post(own_path + "/test", headers=other).status_code == 404
    assert client.get(own_path + "/deliveries", headers=other).status_code == 404
    # The victim's tenant path: hidden as well.
    assert client.get(url, headers=other).status_code == 404
    # Naming the victim's venue in the attacker's own channel: refused as unknown.
    own_channels = f"/v1/tenants/{demo.other_tenant_id}/notification-channels"
    sneaky = client.post(
        own_channels, json={**EMAIL, "venueIds": [str(demo.fortescue_id)]}, headers=other
    )
    assert sneaky.status_code == 422
    assert sneaky.json()["errors"][0]["location"] == "body.venueIds"
    # ...and creating in the victim's tenant is hidden.
    assert create(client, demo, other, **EMAIL).status_code == 404
    assert client.get(url, headers=admin).status_code == 200


def test_only_tenant_admins_manage_channels(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    for role in ("tviewer", "manager", "viewer"):
        assert create(client, demo, as_role(role), **EMAIL).status_code == 403
        assert client.get(channels_url(demo), headers=as_role(role)).status_code == 403


def test_a_test_message_is_queued_not_sent_in_the_request(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = world.as_role("admin")
    channel = create(client, demo, admin, **WEBHOOK).json()
    url = f"{channels_url(demo)}/{channel['channelId']}"
    queued = client.post(url + "/test", headers=admin)
    assert queued.status_code == 202, queued.text
    assert (queued.json()["kind"], queued.json()["status"], queued.json()["attempts"]) == (
        "TEST",
        "PENDING",
        [],
    )
    (listed,) = client.get(url + "/deliveries", headers=admin).json()["items"]
    assert listed["deliveryId"] == queued.json()["deliveryId"]
