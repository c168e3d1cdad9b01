"""application/problem+json for every error (§27.2), mapped from domain errors in one place."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from signage import errors
from signage.db.integrity import duplicate_error

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
    for error_type, status in STATUS_BY_ERROR.items():
        if isinstance(exc, error_type):
            return status
    return 400


def _domain_error_response(request: Request, exc: errors.DomainError) -> JSONResponse:
    status = status_for(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if exc.context:
        extra["context"] = exc.context
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

    async def on_pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            request,
            503,
            "SERVICE_UNAVAILABLE",
            "The service is busy; retry shortly.",
            headers={"Retry-After": "5"},
            retryAfterSeconds=5,
        )

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
        return problem_response(
            request, 422, "VALIDATION_FAILED", "The request is not valid.", errors=found
        )

    app.add_exception_handler(errors.DomainError, on_domain_error)
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(PoolTimeoutError, on_pool_exhausted)
    app.add_exception_handler(DataError, on_unstorable_value)
    app.add_exception_handler(IntegrityError, on_integrity_error)
