"""The per-user session epoch of access tokens (issue 13 item 7): the pure rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from signage.auth.sessions import token_is_current
from signage.auth.tokens import (
    SESSION_EPOCH_CLAIM,
    SigningKey,
    decode_access_token,
    issue_access_token,
)
from signage.errors import AuthenticationError

KEY = SigningKey("unit-test-secret-" + "x" * 40, "signage-test", "signage-api-test")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def access_token(session_epoch: int) -> str:
    token, _ = issue_access_token(
        KEY,
        user_id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        tenant_roles=frozenset(),
        venue_roles={},
        capabilities=frozenset(),
        session_epoch=session_epoch,
        now=NOW,
        lifetime=timedelta(minutes=15),
    )
    return token


def with_epoch_claim(token: str, value: object) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    if value is None:
        del claims[SESSION_EPOCH_CLAIM]
    else:
        claims[SESSION_EPOCH_CLAIM] = value
    return jwt.encode(claims, KEY.secret, algorithm="HS256")


def test_a_token_stands_only_under_its_users_current_epoch() -> None:
    assert token_is_current(3, 3)
    assert not token_is_current(2, 3)  # issued before a revocation
    assert not token_is_current(3, None)  # the user is gone or disabled


def test_the_epoch_travels_in_the_token() -> None:
    assert decode_access_token(KEY, access_token(7), NOW).session_epoch == 7


def test_a_token_from_before_the_claim_existed_reads_as_epoch_zero() -> None:
    legacy = with_epoch_claim(access_token(0), None)
    assert decode_access_token(KEY, legacy, NOW).session_epoch == 0


@pytest.mark.parametrize("value", ["7", 7.0, True, [7]])
def test_an_epoch_that_is_not_an_integer_is_malformed(value: object) -> None:
    with pytest.raises(AuthenticationError):
        decode_access_token(KEY, with_epoch_claim(access_token(0), value), NOW)
