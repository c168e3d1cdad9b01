"""Alert notifications end to end with real parts (issue 17 items 2, 3 and 5): devices stop
heartbeating on an injected clock, the alerts are evaluated, and the delivery code sends e-mail
to an aiosmtpd server and signed JSON to an HTTP receiver on 127.0.0.1, both of which refuse
their first attempts."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from signage.config import Environment
from signage.notifications.delivery import DeliverySummary, Senders, deliver_due
from signage.notifications.policy import NotificationPolicy
from signage.notifications.queueing import queue_notifications
from signage.notifications.senders import SmtpSender, WebhookSender
from signage.notifications.signing import verify
from tests.api.ops.fleet import OpsFleet
from tests.support.demo import Demo, bearer, login
from tests.support.receivers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Mailbox,
    WebhookReceiver,
    smtp_server,
    webhook_receiver,
)

Signer = Callable[[str], dict[str, str]]
POLICY = NotificationPolicy()


@dataclass
class Notifier:
    fleet: OpsFleet
    client: TestClient
    demo: Demo
    mailbox: Mailbox
    hooks: WebhookReceiver
    smtp_port: int
    rng: random.Random

    def run(self) -> DeliverySummary:
        """What notifications_sensor does in a tick, on the test's clock."""
        clock, database = self.fleet.clock, self.fleet.database
        with database.unit_of_work() as session:
            queue_notifications(session, clock.now, POLICY)
        senders = Senders(
            email=SmtpSender(
                "127.0.0.1", self.smtp_port, SMTP_USER, SMTP_PASSWORD, "s@x.example", False
            ),
            webhook=WebhookSender(Environment.TEST),
        )
        return deliver_due(database.unit_of_work, senders, lambda: clock.now, POLICY, self.rng)

    def minutes(self, count: int, *beating: str) -> None:
        """`count` minutes pass; the named screens keep heartbeating; alerts are evaluated."""
        for _ in range(count):
            self.fleet.clock.advance(seconds=60)
            for name in beating:
                self.fleet.beat(name)
            self.fleet.evaluate()

    @property
    def admin(self) -> dict[str, str]:
        """Signed in afresh: the clock moves past an access token's 15 minutes."""
        return bearer(str(login(self.client, "admin")["accessToken"]))

    def channel(self, **body: object) -> dict:
        url = f"/v1/tenants/{self.demo.tenant_id}/notification-channels"
        created = self.client.post(url, json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        return created.json()

    def deliveries(self, channel: dict) -> list[dict]:
        url = f"/v1/tenants/{self.demo.tenant_id}/notification-channels/{channel['channelId']}"
        answer = self.client.get(url + "/deliveries", headers=self.admin)
        assert answer.status_code == 200, answer.text
        return list(reversed(answer.json()["items"]))  # oldest first


@pytest.fixture
def notifier(ops_fleet: OpsFleet, client: TestClient, demo: Demo) -> Iterator[Notifier]:
    with smtp_server(refuse_first=1) as (mailbox, port), webhook_receiver(refuse_first=2) as hooks:
        yield Notifier(ops_fleet, client, demo, mailbox, hooks, port, random.Random(3))


def kinds_and_devices(deliveries: list[dict]) -> list[tuple[str, list[str]]]:
    return [
        (d["kind"], sorted(a["deviceName"] for a in d["message"]["alerts"])) for d in deliveries
    ]


def test_offline_then_back_makes_one_opened_and_one_resolved_message_per_channel(
    notifier: Notifier,
) -> None:
    fortescue = str(notifier.demo.fortescue_id)
    email = notifier.channel(
        type="EMAIL", name="Bar staff", recipients=["bar@fortescue.example"], venueIds=[fortescue]
    )
    hook = notifier.channel(
        type="WEBHOOK", name="Pager", url=notifier.hooks.url, venueIds=[fortescue]
    )
    # Lounge has been silent since the fixture; the venue's group window passes.
    notifier.minutes(3, "Bar", "Screen")
    for _ in range(5):  # retries: the SMTP server refuses once, the receiver twice
        notifier.run()
        notifier.minutes(2, "Bar", "Screen")
    assert kinds_and_devices(notifier.deliveries(email)) == [("OPENED", ["Lounge"])]
    assert kinds_and_devices(notifier.deliveries(hook)) == [("OPENED", ["Lounge"])]
    (mail,) = notifier.mailbox.received
    assert mail["To"] == "bar@fortescue.example"
    assert "Fortescue Arms: 1 alert opened" in mail["Subject"]
    assert "DEVICE_OFFLINE" in mail.get_payload()
    (hooked,) = notifier.hooks.received
    assert hooked.json["kind"] == "OPENED"

    notifier.minutes(1, "Bar", "Screen", "Lounge")  # Lounge is back: the alert resolves
    notifier.minutes(3, "Bar", "Screen", "Lounge")
    for _ in range(3):
        notifier.run()
        notifier.minutes(1, "Bar", "Screen", "Lounge")
    assert kinds_and_devices(notifier.deliveries(email)) == [
        ("OPENED", ["Lounge"]),
        ("RESOLVED", ["Lounge"]),
    ]
    assert [h.json["kind"] for h in notifier.hooks.received] == ["OPENED", "RESOLVED"]
    assert len(notifier.mailbox.received) == 2


def test_webhook_retries_are_recorded_and_each_request_is_signed(notifier: Notifier) -> None:
    hook = notifier.channel(type="WEBHOOK", name="Pager", url=notifier.hooks.url)
    secret = hook["secret"]
    notifier.minutes(3, "Bar", "Screen")
    first = notifier.run()
    assert (first.attempted, first.retrying) == (2, 2)  # Fortescue and Badger, both refused
    notifier.fleet.clock.advance(seconds=31)
    notifier.run()
    notifier.fleet.clock.advance(seconds=61)
    notifier.run()
    deliveries = notifier.deliveries(hook)
    assert {d["status"] for d in deliveries} == {"DELIVERED"}
    attempts = [a["ok"] for d in deliveries for a in d["attempts"]]
    assert sorted(attempts) == [False, False, True, True]
    assert [a["error"] for d in deliveries for a in d["attempts"] if not a["ok"]] == [
        "HTTP 503",
        "HTTP 503",
    ]
    now = int(notifier.fleet.clock.now.timestamp())
    for received in notifier.hooks.received:
        timestamp = int(received.headers["X-Signage-Timestamp"])
        given = received.headers["X-Signage-Signature"]
        assert verify(secret, timestamp, received.body, given, now=now, tolerance=300)
        assert not verify("whsec_wrong", timestamp, received.body, given, now=now, tolerance=300)
    assert sorted(h.json["venue"]["name"] for h in notifier.hooks.received) == [
        "Fortescue Arms",
        "Grumpy Badger Café",
    ]


def test_screens_of_one_venue_going_dark_within_minutes_make_one_message(
    notifier: Notifier,
) -> None:
    hook = notifier.channel(
        type="WEBHOOK",
        name="Pager",
        url=notifier.hooks.url,
        venueIds=[str(notifier.demo.fortescue_id)],
    )
    notifier.minutes(3, "Bar", "Screen")
    notifier.run()  # Lounge's opening
    notifier.minutes(5)  # Bar and Screen stop within the same minute
    for _ in range(4):
        notifier.run()
        notifier.fleet.clock.advance(seconds=120)
    assert kinds_and_devices(notifier.deliveries(hook)) == [
        ("OPENED", ["Lounge"]),
        ("OPENED", ["Bar", "Screen"]),
    ]


def test_an_open_critical_alert_is_reminded_until_someone_acknowledges_it(
    notifier: Notifier,
) -> None:
    email = notifier.channel(
        type="EMAIL",
        name="Bar staff",
        recipients=["bar@fortescue.example"],
        venueIds=[str(notifier.demo.fortescue_id)],
    )
    notifier.minutes(3, "Bar", "Screen")
    notifier.run()  # the SMTP server refuses this first try; the hours below retry it
    for _hours in range(5):
        notifier.fleet.clock.advance(seconds=3600)
        notifier.fleet.beat("Bar")
        notifier.fleet.beat("Screen")
        notifier.fleet.evaluate()
        notifier.run()
    assert kinds_and_devices(notifier.deliveries(email)) == [
        ("OPENED", ["Lounge"]),
        ("REMINDER", ["Lounge"]),
    ]
    (alert,) = notifier.client.get(
        f"/v1/venues/{notifier.demo.fortescue_id}/alerts",
        params={"state": "OPEN"},
        headers=notifier.admin,
    ).json()["items"]
    acknowledged = notifier.client.post(
        f"/v1/alerts/{alert['alertId']}/acknowledge", json={}, headers=notifier.admin
    )
    assert acknowledged.status_code == 200
    for _hours in range(9):
        notifier.fleet.clock.advance(seconds=3600)
        notifier.fleet.beat("Bar")
        notifier.fleet.beat("Screen")
        notifier.fleet.evaluate()
        notifier.run()
    assert [d["kind"] for d in notifier.deliveries(email)] == ["OPENED", "REMINDER"]


def test_a_channel_that_keeps_failing_is_flagged_and_its_delivery_fails_after_a_day(
    notifier: Notifier,
) -> None:
    dead = notifier.channel(type="WEBHOOK", name="Dead", url="http://127.0.0.1:9/nothing")
    notifier.minutes(3, "Bar", "Screen")
    for _ in range(40):  # hours, each with one attempt at most
        notifier.run()
        notifier.fleet.clock.advance(seconds=3600)
        notifier.fleet.beat("Bar")
        notifier.fleet.beat("Screen")
        notifier.fleet.evaluate()
    url = f"/v1/tenants/{notifier.demo.tenant_id}/notification-channels/{dead['channelId']}"
    channel = notifier.client.get(url, headers=notifier.admin).json()
    assert channel["failing"] is True
    assert channel["consecutiveFailures"] >= 3
    openings = [d for d in notifier.deliveries(dead) if d["kind"] == "OPENED"]
    assert {d["status"] for d in openings} == {"FAILED"}
    for delivery in openings:
        assert all(not a["ok"] for a in delivery["attempts"])
        assert 3 <= len(delivery["attempts"]) <= 40
        last, give_up = delivery["attempts"][-1]["atUtc"], delivery["giveUpAtUtc"]
        assert datetime.fromisoformat(last) <= datetime.fromisoformat(give_up)
