"""Sending one message: e-mail through SMTP (STARTTLS, login) or a signed webhook POST. Each
returns an outcome instead of raising, and an outcome's error text never carries a secret."""

from __future__ import annotations

import ipaddress
import json
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from signage.config import Environment, Settings
from signage.notifications.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from signage.notifications.urls import is_internal_address

SEND_TIMEOUT_SECONDS = 10.0
ERROR_MAX_LENGTH = 300


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class Envelope:
    """What a sender needs of a channel and a delivery."""

    recipients: tuple[str, ...]
    url: str | None
    secret: str | None
    message: dict[str, Any]
    timestamp: int  # Unix seconds of the attempt


class Sender(Protocol):
    def __call__(self, envelope: Envelope) -> Outcome: ...


def failure(error: BaseException | str) -> Outcome:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return Outcome(False, text[:ERROR_MAX_LENGTH])


@dataclass(frozen=True)
class SmtpSender:
    host: str | None
    port: int
    username: str | None
    password: str | None
    sender: str
    starttls: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )

    @property
    def configured(self) -> bool:
        """Whether there is a relay to send through (SIGNAGE_SMTP_HOST)."""
        return bool(self.host)

    def __call__(self, envelope: Envelope) -> Outcome:
        return self.send(email_for(envelope, self.sender))

    def send(self, email: EmailMessage) -> Outcome:
        """One message through the relay: STARTTLS and a login when configured."""
        if not self.host:
            return failure("SMTP is not configured (SIGNAGE_SMTP_HOST)")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_SECONDS) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            return failure(error)
        return Outcome(True)


def email_for(envelope: Envelope, sender: str) -> EmailMessage:
    message = envelope.message
    email = EmailMessage()
    email["Subject"] = f"[Signage] {message.get('summary', 'notification')}"
    email["From"] = sender
    email["To"] = ", ".join(envelope.recipients)
    email.set_content(_email_text(message))
    return email


def _email_text(message: dict[str, Any]) -> str:
    lines = [str(message.get("summary", "A test message from your signage platform."))]
    for alert in message.get("alerts", []):
        where = alert.get("deviceName") or "venue"
        state = "resolved" if alert.get("resolvedAtUtc") else "open since " + alert["openedAtUtc"]
        lines.append(f"- {alert['type']} ({alert['severity']}) on {where}: {state}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class WebhookSender:
    environment: Environment

    def __call__(self, envelope: Envelope) -> Outcome:
        if not envelope.url or not envelope.secret:
            return failure("the channel has no URL or secret")
        refused = self._refused(envelope.url)
        if refused:
            return failure(refused)
        body = json.dumps(envelope.message, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(envelope.timestamp),
            SIGNATURE_HEADER: signature(envelope.secret, envelope.timestamp, body),
        }
        try:
            answer = httpx.post(
                envelope.url,
                content=body,
                headers=headers,
                timeout=SEND_TIMEOUT_SECONDS,
                follow_redirects=False,  # a redirect could lead inside the network
            )
        except httpx.HTTPError as error:
            return failure(type(error).__name__)  # its text would repeat the URL
        if answer.is_success:
            return Outcome(True)
        return failure(f"HTTP {answer.status_code}")

    def _refused(self, url: str) -> str | None:
        if self.environment is not Environment.PRODUCTION:
            return None
        return refuse_internal_addresses(urlsplit(url).hostname or "")


def refuse_internal_addresses(host: str) -> str | None:
    """In production, a name that resolves to an internal address is refused at send time."""
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        return f"cannot resolve the host: {error.strerror or error}"
    for info in infos:
        if is_internal_address(ipaddress.ip_address(info[4][0])):
            return "the host resolves to an internal address"
    return None
