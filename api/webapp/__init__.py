"""The manager web app (issue #9): server-rendered pages under /app, htmx for live parts.

The pages call the same domain functions with the same authorization as the /v1 routes (see
docs/architecture.md, "The manager web app"); nothing here is in the OpenAPI schema.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from api.webapp import (
    pages_admin,
    pages_assets,
    pages_auth,
    pages_content,
    pages_device_settings,
    pages_devices,
    pages_groups,
    pages_ops,
    pages_playlists,
    pages_preview,
    pages_pwa,
    pages_schedule,
    pages_takeovers,
    pages_uploads,
)
from api.webapp.rendering import STATIC_DIR, PageRoute, error_page

STATIC_PATH = "/app/static"

router = APIRouter(route_class=PageRoute, include_in_schema=False)
for pages in (
    pages_auth,
    pages_devices,
    pages_device_settings,
    pages_groups,
    pages_content,
    pages_playlists,
    pages_preview,
    pages_schedule,
    pages_takeovers,
    pages_uploads,
    pages_ops,
    pages_assets,
    pages_pwa,
    pages_admin,
):
    router.include_router(pages.router)


@router.api_route("/app/{rest:path}", methods=["GET", "POST"])
def no_such_page(request: Request, rest: str) -> Response:
    """Any other address under /app: a page saying so, not problem+json."""
    return error_page(request, 404, "There is no such page.")


def install(app: FastAPI) -> None:
    """Static files first: the catch-all page above would otherwise answer for them."""
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="webapp-static")
    app.include_router(router)
