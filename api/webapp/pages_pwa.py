"""The manager app installable on a phone's home screen (PWA, issue #9): the web app manifest
and the service worker, both public (an install prompt comes before any sign-in).

The worker is served from /app/sw.js rather than /app/static/ because a worker's scope is at
most the folder it is served from, and it must cover the pages under /app/.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from api.webapp.rendering import STATIC_DIR, PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

THEME_COLOUR = "#1f4e79"  # as base.html's theme-color
MANIFEST: dict[str, Any] = {
    "name": "Signage Manager",
    "short_name": "Signage",
    "description": "Screens, content and schedules of your venues.",
    "id": "/app/",
    "start_url": "/app/",
    "scope": "/app/",
    "display": "standalone",
    "theme_color": THEME_COLOUR,
    "background_color": "#fafafa",
    "icons": [
        {"src": "/app/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/app/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/app/static/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}
# Both change only with a deploy; browsers re-check the worker themselves on every navigation.
MANIFEST_CACHE = "public, max-age=3600"


@router.get("/app/manifest.webmanifest")
def web_manifest() -> Response:
    return JSONResponse(
        MANIFEST,
        media_type="application/manifest+json",
        headers={"Cache-Control": MANIFEST_CACHE},
    )


@router.get("/app/sw.js")
def service_worker() -> Response:
    """no-cache: a new worker reaches phones on their next visit after a deploy."""
    return FileResponse(
        STATIC_DIR / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )
