"""A bare Starlette app answering 204 to any POST and a constant 304 to any GET: the load
generator's ceiling in benchmarks (bench.telemetry, bench.manifest)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def accept(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


async def not_modified(request: Request) -> Response:
    return Response(status_code=304, headers={"ETag": '"constant"'})


app = Starlette(
    routes=[
        Route("/{path:path}", accept, methods=["POST"]),
        Route("/{path:path}", not_modified, methods=["GET"]),
    ]
)
