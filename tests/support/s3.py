"""S3 for tests: moto's server on a loopback port, started once per session.

moto serves presigned PUT and GET like S3 but does not check signatures; signature behaviour is
tested against the local media origin instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from signage.config import Environment, Settings
from signage.storage.s3 import S3Storage
from tests.support.redis_server import free_port

TEST_CREDENTIAL = "testing"


@contextmanager
def moto_server() -> Iterator[str]:
    """A running ThreadedMotoServer; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_settings_for(endpoint: str, data_dir: Path, **overrides: object) -> Settings:
    """Settings pointing at `endpoint` with a fresh bucket name, so tests never share objects."""
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "data_dir": data_dir,
        "jwt_secret": SecretStr("s3-test-secret-" + "x" * 40),
        "s3_endpoint": endpoint,
        "s3_bucket": f"media-{uuid.uuid4().hex[:16]}",
        "s3_access_key_id": TEST_CREDENTIAL,
        "s3_secret_access_key": SecretStr(TEST_CREDENTIAL),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 endpoint, shared by the whole session."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_settings(s3_endpoint: str, tmp_path: Path) -> Settings:
    return s3_settings_for(s3_endpoint, tmp_path / "var")


@pytest.fixture
def s3_storage(s3_settings: Settings) -> S3Storage:
    """An `S3Storage` on its own new bucket."""
    storage = S3Storage.from_settings(s3_settings)
    storage.ensure_bucket()
    return storage
