"""A bare Starlette app answering 204 to any POST: the load generator's ceiling in benchmarks."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def accept(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


app = Starlette(routes=[Route("/{path:path}", accept, methods=["POST", "GET"])])
