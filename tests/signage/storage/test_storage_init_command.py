"""`signage storage init` (issue 16): the container topology's migrate service creates the
bucket the platform was configured with, once; on local disk there is nothing to create."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from signage.cli import app
from tests.support.s3 import TEST_CREDENTIAL


def test_it_creates_the_configured_bucket_and_is_idempotent(
    s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    backups = f"backups-{uuid.uuid4().hex[:12]}"
    for name, value in {
        "SIGNAGE_BACKUP_S3_BUCKET": backups,
        "SIGNAGE_DATA_DIR": str(tmp_path),
        "SIGNAGE_S3_ENDPOINT": s3_endpoint,
        "SIGNAGE_S3_BUCKET": bucket,
        "SIGNAGE_S3_ACCESS_KEY_ID": TEST_CREDENTIAL,
        "SIGNAGE_S3_SECRET_ACCESS_KEY": TEST_CREDENTIAL,
    }.items():
        monkeypatch.setenv(name, value)
    for _ in range(2):
        done = CliRunner().invoke(app, ["storage", "init"])
        assert done.exit_code == 0, done.output
        assert f"bucket {bucket} is there" in done.output
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=TEST_CREDENTIAL,
        aws_secret_access_key=TEST_CREDENTIAL,
    )
    assert {bucket, backups} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_on_local_disk_there_is_nothing_to_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SIGNAGE_S3_BUCKET", raising=False)
    done = CliRunner().invoke(app, ["storage", "init"])
    assert done.exit_code == 0
    assert "nothing to create" in done.output
