"""What `signage up` runs and prints (issue 13, item 10): the Dagster webserver, which has no
login, binds to loopback unless told otherwise; the banner says where the database is."""

from __future__ import annotations

from pathlib import Path

from signage.cli import child_processes, database_location
from signage.config import Settings


def webserver_host(settings: Settings) -> str:
    children = {child.name: child for child in child_processes(settings, {}, with_dagster=True)}
    argv = children["Dagster webserver"].argv
    return argv[argv.index("-h") + 1]


def api_host(settings: Settings) -> str:
    (api,) = child_processes(settings, {}, with_dagster=False)
    return api.argv[api.argv.index("--host") + 1]


def test_dagster_stays_on_loopback_when_the_api_is_exposed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_host="0.0.0.0")  # noqa: S104 (the point)
    assert api_host(settings) == "0.0.0.0"  # noqa: S104
    assert webserver_host(settings) == "127.0.0.1"


def test_dagster_binds_where_the_operator_says(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, dagster_host="10.0.0.5")
    assert webserver_host(settings) == "10.0.0.5"
    assert api_host(settings) == "127.0.0.1"


def test_the_banner_shows_the_embedded_socket_directory() -> None:
    url = "postgresql+psycopg://postgres:@/signage?host=/srv/signage/var/postgres"
    assert database_location(url) == (
        "socket dir /srv/signage/var/postgres, user postgres, database signage"
    )


def test_the_banner_shows_a_configured_database_without_its_password() -> None:
    url = "postgresql+psycopg://signage:s3cret@db.internal:5432/signage"
    shown = database_location(url)
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://signage:***@db.internal:5432/signage"
