from __future__ import annotations

import logging
import uuid

import pytest

from api.ingestion_launcher import DagsterLauncher
from tests.support.redis_server import free_port


def test_an_unreachable_dagster_is_logged_and_left_to_the_sensor(
    caplog: pytest.LogCaptureFixture,
) -> None:
    launcher = DagsterLauncher("127.0.0.1", free_port(), timeout_seconds=2)
    with caplog.at_level(logging.WARNING, logger="api.ingestion_launcher"):
        launcher.launch(uuid.uuid4())  # must not raise
    assert "the sensor will start it" in caplog.text
