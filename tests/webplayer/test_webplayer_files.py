"""Where the browser player's files come from (issue 20, issue 16: an installed image names its
copy with SIGNAGE_WEBPLAYER_DIR), and an API whose copy is missing still starts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.webplayer import WEBPLAYER_DIR
from signage.config import Settings
from signage.db.engine import Database


def test_the_player_is_served_from_the_folder_the_settings_name(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>copy</title>")
    app = create_app(settings.model_copy(update={"webplayer_dir": tmp_path}), database=database)

    page = TestClient(app).get("/player/")

    assert page.status_code == 200
    assert "<title>copy</title>" in page.text


def test_without_the_players_files_the_api_starts_and_says_so(
    settings: Settings, database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere"
    with caplog.at_level(logging.WARNING, logger="api.webplayer"):
        app = create_app(settings.model_copy(update={"webplayer_dir": missing}), database=database)
    client = TestClient(app)

    assert client.get("/player/").status_code == 404
    assert client.get("/healthz").status_code == 200
    assert f"no index.html in {missing}" in caplog.text


def test_by_default_the_repositorys_folder_is_served() -> None:
    assert (WEBPLAYER_DIR / "index.html").is_file()
    assert Settings().webplayer_dir is None
