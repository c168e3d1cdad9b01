"""Signatures for the local media origin's URLs: what S3's presigned URLs are for S3.

The signature is HMAC-SHA256 over a canonical request (method, key, expiry, and for uploads the
content type and exact size) with a key derived from the platform secret under a label of its
own, so a media signature can never be replayed as, or forged from, a token signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

SIGNING_LABEL = b"signage/media-origin-url/v1"


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The parts of a request a media URL signature covers."""

    method: str
    key: str
    expires: int  # Unix seconds
    content_type: str = ""
    size: int | None = None

    def canonical(self) -> bytes:
        # Keys and content types hold no newlines (validated), so the joins are unambiguous.
        parts = (self.method, self.key, str(self.expires), self.content_type, str(self.size or ""))
        return "\n".join(parts).encode()


class UrlSigner:
    """Signs and verifies media origin requests; never exposes the derived key."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), SIGNING_LABEL, hashlib.sha256).digest()

    def sign(self, request: SignedRequest) -> str:
        """URL-safe base64 HMAC of the request's canonical form."""
        mac = hmac.new(self._key, request.canonical(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def verify(self, request: SignedRequest, signature: str) -> bool:
        """Constant-time comparison with the expected signature."""
        return hmac.compare_digest(self.sign(request).encode(), signature.encode())
