"""Pytest fixtures for media and storage tests, as a plugin module the root conftest can list
in `pytest_plugins`; until then the packages that need them import them in their conftest."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from signage.config import Environment, Settings
from signage.storage.local import LocalStorage
from tests.support.clock import FakeClock
from tests.support.media_samples import MediaSamples
from tests.support.s3 import s3_endpoint, s3_settings, s3_storage

__all__ = [
    "local_storage",
    "media_clock",
    "media_samples",
    "media_settings",
    "s3_endpoint",
    "s3_settings",
    "s3_storage",
]


@pytest.fixture(scope="session")
def media_samples(tmp_path_factory: pytest.TempPathFactory) -> MediaSamples:
    """Real media files made on first use and shared by the session (do not modify them)."""
    return MediaSamples(tmp_path_factory.mktemp("media-samples"))


@pytest.fixture
def media_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def media_settings(tmp_path: Path) -> Settings:
    """Settings for local media only (no database is started for these)."""
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_path / "var",
        jwt_secret=SecretStr("media-test-secret-" + "x" * 40),
        public_base_url="http://testserver",
        max_upload_bytes=1024 * 1024,
    )


@pytest.fixture
def local_storage(media_settings: Settings, media_clock: FakeClock) -> LocalStorage:
    """A `LocalStorage` in this test's temp dir, on the test's fake clock."""
    return LocalStorage(
        media_settings.media_dir,
        public_base_url=media_settings.api_base_url,
        signing_secret=media_settings.jwt_secret_value(),
        max_object_bytes=media_settings.max_upload_bytes,
        clock=media_clock,
    )
