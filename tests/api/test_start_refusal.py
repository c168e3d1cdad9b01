"""Issue 16, bad input: in production a missing or well-known secret stops the API process at
start with one line naming the variable and exit status 78, not a traceback."""

from __future__ import annotations

import pytest

from api.main import EXIT_CONFIG, app_from_env


@pytest.mark.parametrize(
    ("secret", "named"),
    [
        (None, "SIGNAGE_JWT_SECRET must be set in production"),
        ("changeme", "SIGNAGE_JWT_SECRET is a known default"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret(
    secret: str | None,
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path,
) -> None:
    monkeypatch.setenv("SIGNAGE_ENVIRONMENT", "production")
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SIGNAGE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    if secret is None:
        monkeypatch.delenv("SIGNAGE_JWT_SECRET", raising=False)
    else:
        monkeypatch.setenv("SIGNAGE_JWT_SECRET", secret)
    with pytest.raises(SystemExit) as exited:
        app_from_env()
    assert exited.value.code == EXIT_CONFIG
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]


def test_a_malformed_setting_is_named_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNAGE_API_LIMIT_CONCURRENCY", "none")
    with pytest.raises(SystemExit):
        app_from_env()
    assert capsys.readouterr().err.startswith("refusing to start: SIGNAGE_API_LIMIT_CONCURRENCY")
