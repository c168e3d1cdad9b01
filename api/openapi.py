"""The OpenAPI document tells the whole truth (issue 21): every status a route can answer, each
error as the shared Problem in application/problem+json, and the headers clients rely on.

The error statuses come from api/problems.py (the table that maps errors to statuses) and are
derived per route from what it depends on: a body can be unparseable (400), too large (413) or
invalid (422); a path parameter names something that may not exist (404); an `If-Match` header
means 412/428; dependencies and handlers declare the rest with `@raises(...)` (authentication
401, authorization 403/404, rate limits 429, conflicts 409). Every /v1 route may answer 503.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import SecretStr

from api.problems import PROBLEM_SCHEMA, declared_statuses, problem_response_object
from signage.config import Environment, Settings

# A route answers with an ETag header on success when its handler is marked so.
_SENDS_ETAG: set[Any] = set()


def _header(description: str, kind: str = "integer") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


# Response headers, defined once under components/headers and referred to by name.
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": _header("Correlation id of the request (echoes a sane client one)", "string"),
    "X-RateLimit-Limit": _header("Requests allowed in the current window (§27.1)"),
    "X-RateLimit-Remaining": _header("Requests left in the current window"),
    "X-RateLimit-Reset": _header("UTC epoch seconds when the window resets"),
    "ETag": _header("Version of the resource, for If-Match", "string"),
}
_RATE_LIMIT = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
_BODY_STATUSES = frozenset({400, 413, 422})
_DEGRADES = 503  # the database may be unreachable (every /v1 route reads or writes it)


Handler = TypeVar("Handler")


def sends_etag(handler: Handler) -> Handler:
    """Mark a handler whose successful answer carries an ETag header (§27.1 concurrency)."""
    _SENDS_ETAG.add(handler)
    return handler


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, like FastAPI's own)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with every route's problem responses and the ETag headers."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {})
    shared_responses: dict[str, Any] = {}
    for route in _documented_routes(app):
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            _complete(operation, route, shared_responses)
    schemas = components.setdefault("schemas", {})
    for replaced in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, now a Problem
        schemas.pop(replaced, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["responses"] = shared_responses
    components["headers"] = HEADERS
    return document


def route_statuses(route: RouteContext) -> frozenset[int]:
    """Every error status the route can answer."""
    statuses: set[int] = set()
    for dependant in _walk(route.dependant):
        statuses |= declared_statuses(dependant.call)
        if dependant.body_params:
            statuses |= _BODY_STATUSES
        if dependant.query_params or dependant.header_params or dependant.path_params:
            statuses.add(422)
        if dependant.path_params:
            statuses.add(404)
        if any(p.alias.lower() == "if-match" for p in dependant.header_params):
            statuses |= {412, 428}
    if (route.path_format or "").startswith("/v1/"):
        statuses.add(_DEGRADES)
    return frozenset(statuses)


def _complete(operation: dict[str, Any], route: RouteContext, shared: dict[str, Any]) -> None:
    """Add the route's error responses (shared ones, by reference) and response headers."""
    statuses = route_statuses(route)
    rate_limited = 429 in statuses
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's own, in application/json
    for code, response in responses.items():  # the route's own: success, or like /readyz's 503
        etag = code.startswith(("2", "3")) and route.endpoint in _SENDS_ETAG
        response.setdefault("headers", {}).update(_header_refs(rate_limited, etag=etag))
    for status in sorted(statuses):
        name = HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")
        name += "RateLimited" if rate_limited and status != 429 else ""
        if name not in shared:
            shared[name] = problem_response_object(status)
            shared[name]["headers"].update(_header_refs(rate_limited, etag=False))
        responses[str(status)] = {"$ref": f"#/components/responses/{name}"}


def _header_refs(rate_limited: bool, *, etag: bool) -> dict[str, Any]:
    names = ["X-Request-Id", *(_RATE_LIMIT if rate_limited else ()), *(["ETag"] if etag else [])]
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _documented_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Each /v1 operation as FastAPI sees it once routers are included (their dependencies
    and prefixes applied)."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def render(document: dict[str, Any]) -> str:
    """The published form (docs/openapi.json): sorted keys and two-space indents, so every
    change to the contract is a small, stable diff in review."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def published_document() -> dict[str, Any]:
    """The document the app serves, built without connecting to anything."""
    from api.app import create_app  # the app imports this module

    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            environment=Environment.TEST,
            data_dir=Path(data_dir),
            database_url="postgresql://openapi@127.0.0.1:1/never-connected",
            jwt_secret=SecretStr("openapi-export-" + "x" * 40),
        )
        return create_app(settings).openapi()
