"""The browser player (issue 20, `webplayer/`) served as static files at `/player/`.

Static files only at run time. Every file is `no-cache` (revalidated with its ETag, answered 304
when unchanged): a screen picks up a deploy at its next load, and the Service Worker at
`/player/sw.js` keeps the shell for offline starts, so HTTP caching adds nothing but staleness.
The worker's scope is its folder, `/player/`, which covers the whole app. Media never come from
here: the page downloads them from the manifest's signed URLs into Cache Storage.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# The repository's folder; an installed package (the container image) names its copy with
# SIGNAGE_WEBPLAYER_DIR (Settings.webplayer_dir).
WEBPLAYER_DIR = Path(__file__).resolve().parents[1] / "webplayer"
log = logging.getLogger(__name__)
MOUNT_PATH = "/player"
SHELL_CACHE_CONTROL = "no-cache"
# Media and API calls may be on other origins (a CDN, `?api=`), hence the open connect-src;
# media play from blob: URLs made from Cache Storage; the QR code is an inline SVG.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src *; img-src 'self' blob: data:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; worker-src 'self'; base-uri 'none'; form-action 'none'"
)
_NOT_SERVED = ("tests/", "README")  # the JS unit tests and notes stay in the repository


class PlayerFiles(StaticFiles):
    """StaticFiles with the player's caching and security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path.startswith(_NOT_SERVED):
            return Response(status_code=404)
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = SHELL_CACHE_CONTROL
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


def install(app: FastAPI, directory: Path | None = None) -> None:
    """Mount the player; `/player` without its slash redirects so relative URLs resolve. Without
    its files the API still starts (a screen's page is then a 404, never a dead API)."""
    directory = directory or WEBPLAYER_DIR
    if not (directory / "index.html").is_file():
        log.warning("the web player is not served: no index.html in %s", directory)
        return

    @app.get(MOUNT_PATH, include_in_schema=False)
    def player_root() -> RedirectResponse:
        return RedirectResponse(f"{MOUNT_PATH}/", status_code=308)

    app.mount(MOUNT_PATH, PlayerFiles(directory=directory, html=True), name="webplayer")
