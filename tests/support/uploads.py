"""Uploading a real file the way the phone app does: declare, PUT to storage, complete."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from signage.content.ingestion import INGESTION_CHANNEL, ingest_asset
from signage.db.engine import Database
from signage.enums import AssetStatus
from signage.media.rules import MediaLimits
from tests.support.clock import FakeClock


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def declare(
    client: TestClient,
    url: str,
    headers: dict[str, str],
    path: Path,
    content_type: str,
    **overrides,
):
    body = {
        "fileName": path.name,
        "contentType": content_type,
        "fileSizeBytes": path.stat().st_size,
        "checksumSha256": sha256_of(path),
        **overrides,
    }
    return client.post(f"{url}/uploads", json=body, headers=headers)


def put_file(client: TestClient, upload: dict, path: Path, **header_overrides):
    """PUT the bytes to the signed URL (the app's media origin), with the given headers."""
    parts = urlsplit(upload["uploadUrl"])
    headers = {**upload["uploadHeaders"], **header_overrides}
    return client.put(f"{parts.path}?{parts.query}", content=path.read_bytes(), headers=headers)


def upload(
    client: TestClient, url: str, headers: dict[str, str], path: Path, content_type: str
) -> dict:
    """Declare, PUT and complete; returns the completed asset (PROCESSING)."""
    return completed_upload(client, url, headers, path, content_type)[1]


def completed_upload(
    client: TestClient, url: str, headers: dict[str, str], path: Path, content_type: str
) -> tuple[dict, dict]:
    """Declare, PUT and complete; returns the upload session (with its URL) and the asset."""
    started = declare(client, url, headers, path, content_type)
    assert started.status_code == 201, started.text
    session = started.json()
    assert put_file(client, session, path).status_code in (200, 201, 204)
    done = client.post(f"{url}/uploads/{session['uploadId']}/complete", headers=headers)
    assert done.status_code == 200, done.text
    return session, done.json()


def ingest(app: FastAPI, database: Database, asset_id: str, clock: FakeClock) -> AssetStatus | None:
    """Run ingestion for one asset as the pipeline's op does, on the app's storage."""
    context = app.state.context
    return ingest_asset(
        database,
        context.storage,
        uuid.UUID(asset_id),
        limits=MediaLimits.from_settings(context.settings),
        clock=clock,
    )


class IngestionAnnouncements:
    """LISTENs where the ingestion worker does (PostgreSQL NOTIFY on INGESTION_CHANNEL) and
    tells which assets were announced to it, in order; the worker itself is exercised by
    tests/pipelines and bench/ingest against a real Dagster instance."""

    def __init__(self, database_url: str) -> None:
        libpq_url = make_url(database_url).set(drivername="postgresql")
        self._connection = psycopg.connect(
            libpq_url.render_as_string(hide_password=False), autocommit=True
        )
        self._connection.execute(f"LISTEN {INGESTION_CHANNEL}")
        self._seen: list[str] = []

    @property
    def launched(self) -> list[str]:
        """Asset ids announced so far (reads what arrived, waiting a few ms for stragglers)."""
        self._seen += [n.payload for n in self._connection.notifies(timeout=0.05)]
        return list(self._seen)

    def close(self) -> None:
        self._connection.close()
