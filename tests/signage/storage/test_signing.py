from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest

from signage.storage.signing import SignedRequest, UrlSigner

SECRET = "platform-secret-" + "y" * 32
UPLOAD = SignedRequest("PUT", "t/assets/a/original.mp4", 1_900_000_000, "video/mp4", 1234)


def test_a_signature_verifies_for_exactly_the_signed_request() -> None:
    signer = UrlSigner(SECRET)
    signature = signer.sign(UPLOAD)
    assert signer.verify(UPLOAD, signature)


@pytest.mark.parametrize(
    "changed",
    [
        replace(UPLOAD, method="GET"),
        replace(UPLOAD, key="t/assets/b/original.mp4"),
        replace(UPLOAD, expires=UPLOAD.expires + 1),
        replace(UPLOAD, content_type="image/png"),
        replace(UPLOAD, size=1235),
    ],
)
def test_changing_any_signed_part_breaks_the_signature(changed: SignedRequest) -> None:
    signer = UrlSigner(SECRET)
    assert not signer.verify(changed, signer.sign(UPLOAD))


def test_another_secret_cannot_verify() -> None:
    assert not UrlSigner("other-" + SECRET).verify(UPLOAD, UrlSigner(SECRET).sign(UPLOAD))


def test_the_signing_key_is_separated_from_the_raw_secret() -> None:
    # A MAC made directly with the platform secret (as a token library would) must not pass.
    raw = hmac.new(SECRET.encode(), UPLOAD.canonical(), hashlib.sha256).hexdigest()
    assert not UrlSigner(SECRET).verify(UPLOAD, raw)
    assert UrlSigner(SECRET).sign(UPLOAD) != raw


def test_garbage_signatures_are_rejected_not_errors() -> None:
    assert not UrlSigner(SECRET).verify(UPLOAD, "ünïcode-and-junk")
