"""Webhook signatures (issue 17 item 2): HMAC-SHA256 with the channel's secret over
`{timestamp}.{body}`, so a receiver that checks the signature also knows the timestamp is
authentic and can refuse replays older than a few minutes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Signage-Signature"
TIMESTAMP_HEADER = "X-Signage-Timestamp"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int, body: bytes, given: str, now: int, tolerance: int) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    fresh = abs(now - timestamp) <= tolerance
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), given)
