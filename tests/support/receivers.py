"""Real receivers on 127.0.0.1 for notification tests: an SMTP server (aiosmtpd) and an HTTP
webhook receiver, each refusing its first `refuse_first` deliveries to exercise retries."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SMTP_USER, SMTP_PASSWORD = "signage", "s3cret-smtp-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    refuse_first: int = 0
    received: list[Message] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refused < self.refuse_first:
            self.refused += 1
            return "451 4.3.0 try again later"
        content = envelope.original_content or b""
        self.received.append(message_from_bytes(content))
        return "250 OK"


def check_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@contextmanager
def smtp_server(
    refuse_first: int = 0, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[Mailbox, int]]:
    """Requires a login; with `tls`, STARTTLS before it (as a real relay does), else plain SMTP."""
    mailbox = Mailbox(refuse_first=refuse_first)
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=check_login,
        auth_required=True,
        auth_require_tls=tls is not None,
        tls_context=tls,
        require_starttls=tls is not None,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class WebhookReceiver:
    url: str
    refuse_first: int = 0
    received: list[Hook] = field(default_factory=list)
    refused: int = 0


@contextmanager
def webhook_receiver(refuse_first: int = 0) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="", refuse_first=refuse_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.refused < receiver.refuse_first:
                receiver.refused += 1
                self.send_response(503)
            else:
                receiver.received.append(Hook(dict(self.headers.items()), body))
                self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/signage"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
