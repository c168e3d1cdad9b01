"""Password hashing with argon2id (§25.2). Parameters follow OWASP's password storage guidance
(m=19 MiB, t=2, p=1) and old hashes are upgraded on the next successful login.

One e-mail may hold accounts in several tenants (issue 13). Login must then cost the same
however many there are, or its duration would tell whether an address exists in another
tenant: accounts of one address share their salt (`hash_password(..., like=...)`), so
`matching` checks the password against all of them with one argon2 computation.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import hash_secret

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)

# Verified against when the e-mail is unknown, so both paths cost the same (no enumeration).
_DUMMY_HASH = HASHER.hash("not-a-real-password-but-same-cost")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str, *, like: str | None = None) -> str:
    """A new hash; `like`, another account's hash, lends its salt (the same e-mail's accounts)."""
    return HASHER.hash(password, salt=_salt_of(like) if like else None)


def matching(stored_hashes: Sequence[str], password: str) -> list[bool]:
    """Which stored hashes `password` opens. Hashes that share salt and parameters are checked
    with one computation; with none at all, the dummy's work is done, so the cost does not say
    how many accounts there are."""
    if not stored_hashes:
        verify_password(None, password)
        return []
    computed: dict[str, str | None] = {}
    answers = []
    for stored in stored_hashes:
        key = stored.rsplit("$", 1)[0]  # everything but the hash: algorithm, parameters, salt
        if key not in computed:
            computed[key] = _recompute(stored, password)
        recomputed = computed[key]
        answers.append(recomputed is not None and hmac.compare_digest(recomputed, stored))
    return answers


def _salt_of(stored_hash: str) -> bytes:
    encoded = stored_hash.split("$")[4]  # $argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def _recompute(stored_hash: str, password: str) -> str | None:
    """The hash `password` would have with `stored_hash`'s salt and parameters."""
    try:
        parameters = extract_parameters(stored_hash)
        salt = _salt_of(stored_hash)
    except (InvalidHashError, IndexError, ValueError):
        return None
    return hash_secret(
        password.encode(),
        salt,
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost,
        parallelism=parameters.parallelism,
        hash_len=parameters.hash_len,
        type=parameters.type,
        version=parameters.version,
    ).decode("ascii")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash, does the same work and says no."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a stored hash uses weaker parameters than today's, so a login should re-hash."""
    return HASHER.check_needs_rehash(stored_hash)
