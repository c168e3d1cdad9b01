"""Typed domain errors. The domain raises these; the API maps each kind to one HTTP status
(§22, §27.2) in a single place, so no HTTP knowledge lives here."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected, user-facing failure. `code` is the stable §27.2 error code."""

    code = "DOMAIN_ERROR"

    def __init__(self, detail: str, *, context: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context or {}


class NotFoundError(DomainError):
    """Missing, or hidden by tenancy (§25.6): callers cannot tell the two apart."""

    code = "NOT_FOUND"


class AuthenticationError(DomainError):
    code = "UNAUTHORIZED"


class PermissionDeniedError(DomainError):
    code = "FORBIDDEN"


class RoleRequiredError(PermissionDeniedError):
    """A role too low: `needed` names the least role (or capability) that may, so a page can
    say "Only venue managers can publish" (issue 19 item 10); the wire answer is unchanged."""

    def __init__(self, detail: str, *, needed: str) -> None:
        super().__init__(detail)
        self.needed = needed


class ConflictError(DomainError):
    code = "CONFLICT"


class DuplicateError(ConflictError):
    """A value that must be unique is already taken (a unique constraint); `field` names it
    (camelCase, as the client sent it) and `errors` points at it like a validation error."""

    def __init__(self, detail: str, *, field: str | None) -> None:
        super().__init__(detail, context={"field": field} if field else None)
        self.field = field
        location = f"body.{field}" if field else "body"
        self.errors = [{"location": location, "message": "already in use", "type": "duplicate"}]


class ValidationFailedError(DomainError):
    """Input that is well-formed but breaks a rule (§27.10); `errors` lists what and where."""

    code = "VALIDATION_FAILED"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, context=context)
        self.errors = errors or []


class PreconditionRequiredError(DomainError):
    code = "PRECONDITION_REQUIRED"


class PreconditionFailedError(DomainError):
    code = "PRECONDITION_FAILED"

    def __init__(self, detail: str, *, current_etag: str) -> None:
        super().__init__(detail)
        self.current_etag = current_etag


class RateLimitedError(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailableError(DomainError):
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, detail: str, *, retry_after_seconds: int = 30) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
