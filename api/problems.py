"""application/problem+json for every error (§27.2), mapped from domain errors in one place."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from signage import errors
from signage.db.integrity import duplicate_error

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://signage.example/errors/"

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFoundError: 404,
    errors.AuthenticationError: 401,
    errors.PermissionDeniedError: 403,
    errors.ConflictError: 409,
    errors.ValidationFailedError: 422,
    errors.PreconditionRequiredError: 428,
    errors.PreconditionFailedError: 412,
    errors.RateLimitedError: 429,
    errors.ServiceUnavailableError: 503,
}

# Codes for errors raised by the framework itself (routing, parsing).
CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_FAILED",
    428: "PRECONDITION_REQUIRED",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


# The database is down, restarting or unreachable (OperationalError, InterfaceError: also a
# connection lost mid-query, a statement timeout, a deadlock), or every pooled connection is
# busy (the pool's TimeoutError). The same request may well succeed in a moment, so these are
# a 503 with Retry-After, which players and load balancers back off from, never a 500
# (issue 13 item 4). Anything that degrades instead of failing catches these.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
)
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> errors.ServiceUnavailableError | None:
    """The 503 to answer for `exc` if it means the database cannot serve right now, else None."""
    if isinstance(exc, PoolTimeoutError):
        detail = "The service is busy; retry shortly."
    elif isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        detail = "The database is unavailable right now; retry shortly."
    else:
        return None
    return errors.ServiceUnavailableError(detail, retry_after_seconds=DATABASE_RETRY_AFTER_SECONDS)


# -- the contract: which statuses a route can answer, documented from the tables above -----------

Kind = type[errors.DomainError] | int  # a domain error, or an HTTP-level status (400, 413...)
Declared = TypeVar("Declared", bound=Callable[..., Any])

_KINDS_BY_CALLABLE: dict[Callable[..., Any], frozenset[int]] = {}


def status_of(kind: Kind) -> int:
    """The HTTP status of an error type (or a status given as such)."""
    if isinstance(kind, int):
        return kind
    return next((status for t, status in STATUS_BY_ERROR.items() if issubclass(kind, t)), 400)


def raises(*kinds: Kind) -> Callable[[Declared], Declared]:
    """Declare the errors a route handler or dependency can raise, so the OpenAPI document
    (api/openapi.py) lists each as a problem response of every route that uses it."""

    def declare(target: Declared) -> Declared:
        known = _KINDS_BY_CALLABLE.get(target, frozenset())
        _KINDS_BY_CALLABLE[target] = known | {status_of(k) for k in kinds}
        return target

    return declare


def declared_statuses(target: Callable[..., Any] | None) -> frozenset[int]:
    """The problem statuses a dependency or handler declared with @raises."""
    return _KINDS_BY_CALLABLE.get(target, frozenset()) if target is not None else frozenset()


def _string(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


# The §27.2 payload `problem_body` builds; optional members appear only when they apply.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "The §27.2 error payload, served as application/problem+json.",
    "required": ["type", "title", "status", "code", "detail", "instance", "requestId"],
    "properties": {
        "type": _string("A URI naming the error code"),
        "title": _string("The HTTP status phrase"),
        "status": {"type": "integer"},
        "code": _string("Stable error code: NOT_FOUND, CONFLICT, RATE_LIMITED, ..."),
        "detail": _string("What went wrong, for people"),
        "instance": _string("The request path"),
        "requestId": {"type": ["string", "null"], "description": "As in X-Request-Id"},
        "errors": {
            "type": "array",
            "description": "400, 409 and 422: each field at fault",
            "items": {
                "type": "object",
                "required": ["location", "message"],
                "properties": {
                    "location": _string("Where: body.name, query.limit, ..."),
                    "message": _string("What is wrong there"),
                    "type": _string("Machine-readable kind, when known"),
                },
            },
        },
        "currentEtag": _string("412: the current ETag to reload from"),
        "retryAfterSeconds": {"type": "integer", "description": "429 and 503: as Retry-After"},
        "context": {"type": "object", "description": "More about the error, e.g. {field}"},
    },
}
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"
_RETRY_AFTER = {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
_HEADERS_BY_STATUS: dict[int, dict[str, dict[str, Any]]] = {
    401: {"WWW-Authenticate": {"description": "Bearer realm", "schema": {"type": "string"}}},
    412: {"ETag": {"description": "The current ETag", "schema": {"type": "string"}}},
    429: {"Retry-After": {**_RETRY_AFTER, "required": True}},
    503: {"Retry-After": _RETRY_AFTER},
}
_WHEN: dict[int, str] = {
    400: "The body is not JSON.",
    401: "No valid bearer token of the right kind (user or device).",
    403: "The caller's role is too low for this action.",
    404: "Not found, or not visible to the caller (another tenant, no role at the venue).",
    409: "Conflicts with the current state (e.g. a name already in use; `errors` names it).",
    412: "If-Match does not match the current ETag (`currentEtag`).",
    413: "The request body is too large.",
    422: "The request is not valid (`errors` lists each field).",
    428: "If-Match is required.",
    429: "Too many requests (`Retry-After`, `retryAfterSeconds`).",
    503: "Temporarily unavailable (e.g. the database cannot be reached); retry later.",
}


def problem_response_object(status: int) -> dict[str, Any]:
    """The OpenAPI response object of an error status: the shared Problem as problem+json."""
    return {
        "description": f"{HTTPStatus(status).phrase}. {_WHEN.get(status, '')}".strip(),
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        "headers": dict(_HEADERS_BY_STATUS.get(status, {})),
    }


class ProblemError(Exception):
    """Raised by the API layer itself for HTTP-only failures (bad header, body too large)."""

    def __init__(self, status: int, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or CODE_BY_STATUS.get(status, "ERROR")
        self.extra = extra


def problem_body(
    status: int, code: str, detail: str, *, instance: str, request_id: str | None, **extra: Any
) -> dict[str, Any]:
    """The §27.2 error payload; optional members (errors, currentEtag, ...) only when set."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": instance,
        "requestId": request_id,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response (§27)."""
    body = problem_body(
        status,
        code,
        detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        **extra,
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(exc: errors.DomainError) -> int:
    """The HTTP status a domain error maps to."""
    for error_type, status in STATUS_BY_ERROR.items():
        if isinstance(exc, error_type):
            return status
    return 400


# The path's last segment when it acts on the resource read at the path before it.
_ACTIONS_ON_READ_RESOURCE = re.compile(r"/(publish|rollback|items|reorder)$")


def etag_source(path: str) -> str:
    """The GET whose `ETag` an `If-Match` on `path` must carry: the resource itself, its
    playlist for publish/rollback/items/reorder, the venue's schedule set for slot changes."""
    if "/scheduleset" in path:
        return path[: path.index("/scheduleset") + len("/scheduleset")]
    return _ACTIONS_ON_READ_RESOURCE.sub("", path)


def precondition_required(path: str) -> tuple[str, dict[str, str]]:
    """A 428's detail and context: which header to send and where its value comes from
    (issue 15 item 12), so a client written to §27.1 alone learns what to do."""
    source = f"GET {etag_source(path)}"
    detail = (
        f"This change needs an If-Match header: send If-Match with the ETag header from "
        f"{source} (after a 412, the currentEtag it returns)."
    )
    return detail, {"header": "If-Match", "etagFrom": source}


def _domain_error_response(request: Request, exc: errors.DomainError) -> JSONResponse:
    status = status_for(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if exc.context:
        extra["context"] = exc.context
    if isinstance(exc, errors.PreconditionRequiredError):
        detail, extra["context"] = precondition_required(request.url.path)
        exc = errors.PreconditionRequiredError(detail)
    if isinstance(exc, errors.ValidationFailedError | errors.DuplicateError) and exc.errors:
        extra["errors"] = exc.errors
    if isinstance(exc, errors.PreconditionFailedError):
        extra["currentEtag"] = exc.current_etag
        headers["ETag"] = exc.current_etag
    if isinstance(exc, errors.AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="signage"'
    if isinstance(exc, errors.RateLimitedError | errors.ServiceUnavailableError):
        extra["retryAfterSeconds"] = exc.retry_after_seconds
        headers["Retry-After"] = str(exc.retry_after_seconds)
    return problem_response(request, status, exc.code, exc.detail, headers=headers, **extra)


# Where a client finds a required value that §27 does not name (issue 15 item 12).
_ROLLBACK_BODY = 'a JSON body {"toVersion": n}, n a published version from GET .../versions'
_MISSING_VALUE_SOURCES = {
    "query.pairingSecret": "pairingSecret: the one POST /v1/devices/pairing/start returned "
    "with this pairingId",
    "body.toVersion": "toVersion: the published version to restore (GET .../versions lists them)",
}


def _what_to_send(path: str, found: list[dict[str, Any]]) -> str:
    """' Send ...' naming each missing value and where it comes from, or ''."""
    missing = [e["location"] for e in found if e["type"] == "missing"]
    hints = [
        _ROLLBACK_BODY
        if location == "body" and path.endswith("/rollback")
        else _MISSING_VALUE_SOURCES.get(location, location)
        for location in missing
    ]
    return f" Send {'; '.join(hints)}." if hints else ""


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "location": ".".join(str(p) for p in err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Answer domain errors and HTTP errors as problem+json, once for the whole app."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, errors.DomainError)
        return _domain_error_response(request, exc)

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(request, exc.status, exc.code, exc.detail, **exc.extra)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).description
        if status == 404 and detail == "Not Found":
            detail = f"No route matches {request.method} {request.url.path}."
        return problem_response(
            request, status, CODE_BY_STATUS.get(status, "ERROR"), detail, headers=exc.headers
        )

    async def on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        unavailable = database_unavailable(exc)
        assert unavailable is not None
        # One line, no traceback: in an outage every request lands here.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
        return _domain_error_response(request, unavailable)

    async def on_unstorable_value(request: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL's "data exception" class (SQLSTATE 22): a value the request carried that
        # the database cannot hold (a NUL character, a number out of range), not our fault.
        return problem_response(
            request,
            422,
            "VALIDATION_FAILED",
            "A value in the request cannot be stored (for example a NUL character or a number"
            " out of range).",
        )

    async def on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
        # A unique value taken by another row, wherever the write flushed (even at commit):
        # a 409 naming the field. Anything else breaking the schema is our bug: a 500.
        assert isinstance(exc, IntegrityError)
        duplicate = duplicate_error(exc)
        if duplicate is None:
            raise exc
        return _domain_error_response(request, duplicate)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        found = _validation_errors(exc)
        # A body that is not JSON at all is a 400; JSON of the wrong shape is a 422.
        if any(e["type"] == "json_invalid" for e in found):
            return problem_response(
                request, 400, "BAD_REQUEST", "The request body is not valid JSON.", errors=found
            )
        detail = "The request is not valid." + _what_to_send(request.url.path, found)
        return problem_response(request, 422, "VALIDATION_FAILED", detail, errors=found)

    app.add_exception_handler(errors.DomainError, on_domain_error)
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    for error_type in DATABASE_UNAVAILABLE_ERRORS:
        app.add_exception_handler(error_type, on_database_unavailable)
    app.add_exception_handler(DataError, on_unstorable_value)
    app.add_exception_handler(IntegrityError, on_integrity_error)
