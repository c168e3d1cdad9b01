"""Access, refresh and device tokens (§25.3, §25.7).

Access and device tokens are HS256 JWTs; only that algorithm is accepted (no `alg: none`, no
key confusion), and issuer, audience, expiry and the token type are always checked. Refresh
tokens are opaque random strings stored only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from signage.config import Settings
from signage.enums import Capability, TenantRole, VenueRole
from signage.errors import AuthenticationError

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
DEVICE_TYPE = "device"
# Above this many venue roles the token says "resolve server-side" instead (§25.3 note).
MAX_INLINE_VENUE_ROLES = 50
SERVER_RESOLVED = "server"
# Extension to §25.3's claims: the user's session epoch the token was issued under.
SESSION_EPOCH_CLAIM = "sep"


@dataclass(frozen=True)
class SigningKey:
    secret: str
    issuer: str
    audience: str


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_roles: frozenset[TenantRole]
    # None when the token defers venue roles to the server (many venues).
    venue_roles: dict[uuid.UUID, VenueRole] | None
    capabilities: frozenset[Capability]
    token_id: str
    expires_at: datetime
    # The user's session epoch when the token was issued; an older one than the user's
    # current epoch means the token was revoked (issue 13 item 7).
    session_epoch: int = 0
    # The login (refresh-token family) the token was issued for; None in tokens issued before
    # the `sid` claim existed. The web app binds its CSRF tokens to it.
    session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class DeviceClaims:
    device_id: uuid.UUID
    venue_id: uuid.UUID
    tenant_id: uuid.UUID
    token_id: str
    expires_at: datetime


def issue_access_token(
    key: SigningKey,
    *,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    tenant_roles: frozenset[TenantRole],
    venue_roles: dict[uuid.UUID, VenueRole],
    capabilities: frozenset[Capability],
    session_epoch: int,
    now: datetime,
    lifetime: timedelta,
    session_id: uuid.UUID | None = None,
) -> tuple[str, datetime]:
    """A signed access JWT for the user and its expiry; venue roles inline unless there are too
    many."""
    expires_at = now + lifetime
    inline = len(venue_roles) <= MAX_INLINE_VENUE_ROLES
    claims: dict[str, Any] = {
        "typ": ACCESS_TYPE,
        "sub": str(user_id),
        "tid": str(tenant_id),
        "t_roles": sorted(tenant_roles),
        "v_roles": (
            [{"vid": str(v), "role": r.value} for v, r in sorted(venue_roles.items())]
            if inline
            else SERVER_RESOLVED
        ),
        "cap": sorted(capabilities),
        SESSION_EPOCH_CLAIM: session_epoch,
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    return _encode(key, claims, now, expires_at), expires_at


def issue_device_token(
    key: SigningKey,
    *,
    device_id: uuid.UUID,
    venue_id: uuid.UUID,
    tenant_id: uuid.UUID,
    now: datetime,
    lifetime: timedelta,
) -> tuple[str, datetime]:
    """A signed device JWT naming device, venue and tenant, and its expiry (§25.7)."""
    expires_at = now + lifetime
    claims = {
        "typ": DEVICE_TYPE,
        "did": str(device_id),
        "vid": str(venue_id),
        "tid": str(tenant_id),
    }
    return _encode(key, claims, now, expires_at), expires_at


def decode_access_token(key: SigningKey, token: str, now: datetime) -> AccessClaims:
    """The claims of a valid access token; AuthenticationError for anything else."""
    claims = _decode(key, token, now, expected_type=ACCESS_TYPE)
    try:
        venue_claim = claims["v_roles"]
        venue_roles = (
            None
            if venue_claim == SERVER_RESOLVED
            else {uuid.UUID(e["vid"]): VenueRole(e["role"]) for e in venue_claim}
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            tenant_id=uuid.UUID(claims["tid"]),
            tenant_roles=frozenset(TenantRole(r) for r in claims["t_roles"]),
            venue_roles=venue_roles,
            capabilities=frozenset(Capability(c) for c in claims["cap"]),
            token_id=claims["jti"],
            expires_at=_from_epoch(claims["exp"], now),
            session_epoch=_session_epoch(claims),
            session_id=uuid.UUID(claims["sid"]) if "sid" in claims else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AuthenticationError("The access token is malformed.") from exc


def _session_epoch(claims: dict[str, Any]) -> int:
    # Tokens from before the claim existed read as epoch 0, every user's epoch until its first
    # revocation, so an upgrade signs nobody out yet the first revocation still ends them.
    epoch = claims.get(SESSION_EPOCH_CLAIM, 0)
    if type(epoch) is not int:  # bool is an int subclass: refuse it too
        raise ValueError("the session epoch is not an integer")
    return epoch


def decode_device_token(key: SigningKey, token: str, now: datetime) -> DeviceClaims:
    """The claims of a valid device token; AuthenticationError for anything else."""
    claims = _decode(key, token, now, expected_type=DEVICE_TYPE)
    try:
        return DeviceClaims(
            device_id=uuid.UUID(claims["did"]),
            venue_id=uuid.UUID(claims["vid"]),
            tenant_id=uuid.UUID(claims["tid"]),
            token_id=claims["jti"],
            expires_at=_from_epoch(claims["exp"], now),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AuthenticationError("The device token is malformed.") from exc


def new_opaque_token() -> str:
    """A refresh token or pairing secret: 256 bits from the OS's CSPRNG."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """How opaque tokens are stored and looked up: never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def _encode(key: SigningKey, claims: dict[str, Any], now: datetime, expires_at: datetime) -> str:
    payload = {
        **claims,
        "iss": key.issuer,
        "aud": key.audience,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, key.secret, algorithm=ALGORITHM)


def _decode(key: SigningKey, token: str, now: datetime, *, expected_type: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.secret,
            algorithms=[ALGORITHM],
            audience=key.audience,
            issuer=key.issuer,
            # Time claims are checked against the injected clock below, not the machine's.
            options={
                "require": ["exp", "iat", "iss", "aud", "jti", "typ"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise AuthenticationError("The token is invalid.") from exc
    # Expiry is checked against the injected clock, not the machine's (time is a parameter).
    if claims["exp"] <= now.timestamp():
        raise AuthenticationError("The token has expired.")
    if claims["typ"] != expected_type:
        kind = "device" if claims["typ"] == DEVICE_TYPE else "user"
        raise AuthenticationError(f"A {kind} token cannot be used for this endpoint.")
    return claims


def _from_epoch(seconds: int, like: datetime) -> datetime:
    return datetime.fromtimestamp(seconds, like.tzinfo)


@dataclass(frozen=True)
class TokenPolicy:
    key: SigningKey
    access_lifetime: timedelta
    refresh_lifetime: timedelta
    device_lifetime: timedelta
    # How long before its end a device token is renewed (§25.7 rotating tokens).
    device_renewal_window: timedelta = timedelta(days=30)


def token_policy(settings: Settings) -> TokenPolicy:
    """Signing key and token lifetimes as the settings configure them."""
    return TokenPolicy(
        key=SigningKey(settings.jwt_secret_value(), settings.jwt_issuer, settings.jwt_audience),
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        refresh_lifetime=timedelta(days=settings.refresh_token_days),
        device_lifetime=timedelta(days=settings.device_token_days),
        # Never more than half the lifetime, so a fresh token is not itself due for renewal.
        device_renewal_window=timedelta(
            days=min(settings.device_token_renew_days, settings.device_token_days / 2)
        ),
    )
