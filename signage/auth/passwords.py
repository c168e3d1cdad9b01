"""Password hashing with argon2id (§25.2). Parameters follow OWASP's password storage guidance
(m=19 MiB, t=2, p=1) and old hashes are upgraded on the next successful login."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)

# Verified against when the e-mail is unknown, so both paths cost the same (no enumeration).
_DUMMY_HASH = HASHER.hash("not-a-real-password-but-same-cost")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash, does the same work and says no."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
