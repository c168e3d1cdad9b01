"""E-mail goes through SMTP with STARTTLS and a login (issue 17 item 2), against a real aiosmtpd
relay on 127.0.0.1 that refuses anything before STARTTLS, with a certificate made for the test."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signage.notifications.senders import Envelope, SmtpSender
from tests.support.receivers import SMTP_PASSWORD, SMTP_USER, smtp_server

MESSAGE = {"summary": "Bar screen is offline", "alerts": []}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def relay_tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    cert_file, key_file = self_signed(tmp_path)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert_file, key_file)
    return server_side, cert_file


def sender(port: int) -> SmtpSender:
    return SmtpSender("127.0.0.1", port, SMTP_USER, SMTP_PASSWORD, "signage@example.com", True)


def envelope() -> Envelope:
    return Envelope(("ops@example.com",), None, None, MESSAGE, 1_780_000_000)


def test_mail_is_sent_after_starttls_with_a_login(
    relay_tls: tuple[ssl.SSLContext, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server_side, cert_file = relay_tls
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the relay's certificate is trusted
    with smtp_server(tls=server_side) as (mailbox, port):
        outcome = sender(port)(envelope())

    assert outcome.ok, outcome
    [mail] = mailbox.received
    assert mail["Subject"] == "[Signage] Bar screen is offline"
    assert mail["To"] == "ops@example.com"


def test_a_relay_whose_certificate_is_not_trusted_is_a_recorded_failure(
    relay_tls: tuple[ssl.SSLContext, Path],
) -> None:
    server_side, _ = relay_tls
    with smtp_server(tls=server_side) as (mailbox, port):
        outcome = sender(port)(envelope())

    assert not outcome.ok  # retried later like any refusal, never sent in the clear
    assert "CERTIFICATE_VERIFY_FAILED" in (outcome.error or "")
    assert mailbox.received == []


def test_without_starttls_a_relay_that_requires_it_refuses_the_login(
    relay_tls: tuple[ssl.SSLContext, Path],
) -> None:
    server_side, _ = relay_tls
    plain = SmtpSender("127.0.0.1", 0, SMTP_USER, SMTP_PASSWORD, "signage@example.com", False)
    with smtp_server(tls=server_side) as (mailbox, port):
        outcome = dataclasses.replace(plain, port=port)(envelope())

    assert not outcome.ok
    assert mailbox.received == []
