from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from signage.config import Environment, InsecureSettingsError, Settings


def test_defaults_are_the_embedded_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "JWT_SECRET", "DATA_DIR"):
        monkeypatch.delenv(f"SIGNAGE_{name}", raising=False)
    settings = Settings()
    assert settings.data_dir == Path("./var")
    assert (settings.api_port, settings.dagster_port) == (8000, 3000)
    assert settings.database_url is None
    assert settings.redis_url is None
    assert not settings.uses_s3


def test_settings_read_the_signage_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNAGE_API_PORT", "9100")
    monkeypatch.setenv("SIGNAGE_REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = Settings()
    assert settings.api_port == 9100
    assert settings.redis_url == "redis://127.0.0.1:6379/3"


def test_unset_jwt_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.jwt_secret_value()
    assert len(first) >= 48
    assert Settings(data_dir=tmp_path).jwt_secret_value() == first
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600


def test_production_refuses_a_known_default_secret() -> None:
    with pytest.raises(ValidationError, match="known default"):
        Settings(environment=Environment.PRODUCTION, jwt_secret=SecretStr("changeme"))


def test_production_refuses_to_generate_a_secret(tmp_path: Path) -> None:
    settings = Settings(environment=Environment.PRODUCTION, data_dir=tmp_path)
    with pytest.raises(InsecureSettingsError):
        settings.jwt_secret_value()
