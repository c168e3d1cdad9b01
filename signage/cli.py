"""The `signage` command: run the platform, migrate, seed, and provision tenants and users."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from signage.audit import AuditContext
from signage.backups import service as backups
from signage.backups.pgtools import PostgresToolsError
from signage.backups.planning import BackupManifest
from signage.config import MAX_DEMO_TELEMETRY_DAYS, Settings
from signage.db import migrate
from signage.db.embedded import EmbeddedPostgresError
from signage.db.engine import Database, DatabaseUnavailableError, database_url
from signage.enums import ActorType, TenantRole, TenantStatus
from signage.errors import DomainError
from signage.revocation_epochs import announce_credential_revocations
from signage.runtime import (
    DAGSTER_HOME,
    Child,
    EmbeddedPostgres,
    PlatformStartError,
    StopRequest,
    Supervised,
    console_script,
    exclusive_lock,
    python_module,
    require_free_port,
    supervise,
    wait_until_ready,
)
from signage.storage.base import ObjectStorage, StorageError, utc_now
from signage.tenancy import demo
from signage.tenancy.lifecycle import set_tenant_status
from signage.tenancy.provisioning import UserSpec, ensure_tenant, ensure_user

app = typer.Typer(help="Signage platform: run it, migrate it, seed it.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
storage_app = typer.Typer(help="The media object store.", no_args_is_help=True)
app.add_typer(storage_app, name="storage")
tenant_app = typer.Typer(help="A platform operator's tenant lifecycle.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")

backups_app = typer.Typer(help="Backups of the platform (issue 16).", no_args_is_help=True)
app.add_typer(backups_app, name="backups")

T = TypeVar("T")
EXPECTED_FAILURES = (
    DatabaseUnavailableError,
    migrate.MigrationFailedError,
    EmbeddedPostgresError,
    PlatformStartError,
    DomainError,
    ValidationError,
    backups.BackupError,
    PostgresToolsError,
    StorageError,
)


def _one_line_errors(action: Callable[[], T]) -> T:
    """Expected failures end the command with one clear line on stderr, not a traceback."""
    try:
        return action()
    except EXPECTED_FAILURES as exc:
        message = exc.detail if isinstance(exc, DomainError) else str(exc).splitlines()[0]
        typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from None


def _connect(settings: Settings) -> Database:
    database = Database.connect(database_url(settings), pool_size=2)
    database.check_reachable()
    return database


def _migrated(settings: Settings) -> Database:
    database = _connect(settings)
    migrate.upgrade(database.engine.url.render_as_string(hide_password=False))
    return database


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration up to head."""
    _one_line_errors(lambda: _migrated(Settings()).dispose())
    typer.echo("database is at head")


@storage_app.command("init")
def storage_init() -> None:
    """Create the S3 buckets (media, backups) when missing (the one-shot migrate service)."""
    settings = Settings()
    if not settings.uses_s3:
        typer.echo("media on local disk: nothing to create")
        return
    from signage.storage.s3 import S3Storage

    _one_line_errors(S3Storage.from_settings(settings).ensure_bucket)
    typer.echo(f"bucket {settings.s3_bucket} is there")
    if settings.backup_s3_bucket:
        store = backups.backup_store_from_settings(settings)
        assert isinstance(store, S3Storage)
        _one_line_errors(store.ensure_bucket)
        typer.echo(f"bucket {settings.backup_s3_bucket} is there (backups)")


@app.command("seed-demo")
def seed_demo(
    telemetry_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_DEMO_TELEMETRY_DAYS,
            help="also give the demo screens this many past days of heartbeats and events"
            " (default SIGNAGE_DEMO_TELEMETRY_DAYS, 0: none)",
        ),
    ] = None,
    telemetry_seed: Annotated[
        int, typer.Option(help="seed of the demo telemetry (the same seed and time, the same rows)")
    ] = demo.TELEMETRY_SEED,
) -> None:
    """Create the demo tenants, venues, users and content (idempotent); optionally telemetry."""

    def run() -> demo.DemoCredentials:
        settings = Settings()
        days = settings.demo_telemetry_days if telemetry_days is None else telemetry_days
        database = _migrated(settings)
        try:
            with database.unit_of_work() as session:
                credentials = demo.seed_demo(session, demo.demo_password(settings))
            _seed_content(database, settings)
            _seed_telemetry(database, settings, days, telemetry_seed)
            return credentials
        finally:
            database.dispose()

    credentials = _one_line_errors(run)
    _print_demo_users(credentials)


@app.command("create-tenant")
def create_tenant(
    name: str, timezone: Annotated[str, typer.Option(help="IANA default timezone")] = "UTC"
) -> None:
    """Create a tenant (or show the existing one of that name)."""

    def run() -> str:
        database = _connect(Settings())
        try:
            with database.unit_of_work() as session:
                return str(ensure_tenant(session, name, timezone).id)
        finally:
            database.dispose()

    typer.echo(f"tenant {name}: {_one_line_errors(run)}")


@app.command("create-user")
def create_user(
    tenant: Annotated[str, typer.Option(help="tenant name")],
    email: Annotated[str, typer.Option()],
    display_name: Annotated[str, typer.Option()],
    admin: Annotated[bool, typer.Option(help="make the user a TENANT_ADMIN")] = False,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)] = "",
) -> None:
    """Create a user in a tenant (the tenant must exist)."""

    def run() -> str:
        database = _connect(Settings())
        try:
            with database.unit_of_work() as session:
                owner = ensure_tenant(session, tenant)
                roles = (TenantRole.TENANT_ADMIN,) if admin else ()
                spec = UserSpec(email, display_name, tenant_roles=roles)
                return str(ensure_user(session, owner, spec, password).id)
        finally:
            database.dispose()

    typer.echo(f"user {email}: {_one_line_errors(run)}")


@app.command("up")
def up(
    dagster: Annotated[
        bool, typer.Option(help="also start the Dagster webserver and daemon")
    ] = True,
) -> None:
    """Run the whole platform on this machine: database, migrations, demo, API and Dagster."""
    settings = _one_line_errors(Settings)
    _one_line_errors(lambda: _run_platform(settings, with_dagster=dagster))


def _seed_content(database: Database, settings: Settings) -> None:
    """The demo's media, playlists and schedule; the first run encodes a clip (a few seconds)."""
    from signage.storage.factory import storage_from_settings
    from signage.tenancy.demo_content import seed_demo_content

    typer.echo("demo content: checking (the first run makes and ingests media) ...")
    created = seed_demo_content(database, storage_from_settings(settings), settings, utc_now)
    typer.echo("demo content: created" if created else "demo content: already there")


def _seed_telemetry(
    database: Database, settings: Settings, days: int, seed: int = demo.TELEMETRY_SEED
) -> None:
    """The demo screens' past `days` of telemetry (issue 18 item 4), when asked for."""
    if days <= 0:
        return
    from signage.tenancy.demo_telemetry import seed_demo_telemetry

    now = utc_now()
    seeded = seed_demo_telemetry(database, now, days, seed)
    if seeded.stored is None:
        typer.echo("demo telemetry: the demo screens already have telemetry, nothing written")
        return
    stored = seeded.stored
    typer.echo(
        f"demo telemetry: {stored.heartbeats:,} heartbeats and {stored.events:,} events over"
        f" {len(stored.days)} days for {seeded.screens} demo screens"
        f" ({seeded.screens_created} created)"
    )
    typer.echo("  for the notebooks, backfill the warehouse once Dagster runs:")
    for command in warehouse_backfill_commands(settings, now, days):
        typer.echo(f"  {command}")


def warehouse_backfill_commands(settings: Settings, now: datetime, days: int) -> list[str]:
    """The Dagster backfills that copy and roll up the past `days` of telemetry: the hours
    and days that have ended (docs/operations.md, *Telemetry warehouse*)."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first = hour - timedelta(days=days)
    environment = (
        f"DAGSTER_HOME={DAGSTER_HOME}"
        f" SIGNAGE_DAGSTER_STORAGE_DIR={settings.resolved_data_dir / 'dagster'}"
    )
    backfill = " ".join(
        console_script("dagster", "job", "backfill", "-w", str(DAGSTER_HOME / "workspace.yaml"))
    )
    last_hour, last_day = hour - timedelta(hours=1), hour.date() - timedelta(days=1)
    return [
        f"{environment} {backfill} -j telemetry_hourly --from {first:%Y-%m-%d-%H:%M}"
        f" --to {last_hour:%Y-%m-%d-%H:%M} --noprompt",
        f"{environment} {backfill} -j telemetry_daily --from {first:%Y-%m-%d}"
        f" --to {last_day:%Y-%m-%d} --noprompt",
    ]


def _run_platform(settings: Settings, *, with_dagster: bool) -> None:
    stop = StopRequest()
    stop.install()  # from here on, Ctrl-C finishes the current step and stops cleanly
    with exclusive_lock(settings.resolved_data_dir / "signage-up.lock"):
        require_free_port(settings.api_host, settings.api_port, "API", "SIGNAGE_API_PORT")
        if with_dagster:
            require_free_port(
                settings.dagster_host, settings.dagster_port, "Dagster UI", "SIGNAGE_DAGSTER_PORT"
            )
        database = _migrated(settings)
        with database.unit_of_work() as session:
            credentials = demo.seed_demo(session, demo.demo_password(settings))
        _seed_content(database, settings)
        _seed_telemetry(database, settings, settings.demo_telemetry_days)
        url = database.engine.url.render_as_string(hide_password=False)
        database.dispose()
        env = _child_env(settings, url)
        children = child_processes(settings, env, with_dagster=with_dagster)
        if with_dagster:
            _prepare_dagster_storage(env)
        try:
            for child in children:
                if stop.requested:
                    break
                child.start()
            wait_until_ready(f"{settings.api_base_url}/readyz", children, stop)
            if not stop.requested:
                _print_banner(settings, credentials, url, with_dagster=with_dagster)
            supervise([*_database_process(settings), *children], stop, report=typer.echo)
            typer.echo("\nstopping...")
        finally:
            for child in reversed(children):
                child.stop()


def child_processes(settings: Settings, env: dict[str, str], *, with_dagster: bool) -> list[Child]:
    """The processes `signage up` supervises (API, and Dagster unless told not), with their logs."""
    logs = settings.logs_dir
    children = [
        Child(
            "API",
            python_module(
                "uvicorn",
                "--factory",
                "api.main:app_from_env",
                "--host",
                settings.api_host,
                "--port",
                str(settings.api_port),
                "--no-access-log",
            ),
            logs / "api.log",
            env,
        )
    ]
    if with_dagster:
        workspace = str(DAGSTER_HOME / "workspace.yaml")
        children += [
            Child(
                "Dagster webserver",
                python_module(
                    "dagster_webserver",
                    "-h",
                    settings.dagster_host,  # no login: loopback unless told otherwise
                    "-p",
                    str(settings.dagster_port),
                    "-w",
                    workspace,
                ),
                logs / "dagster-webserver.log",
                env,
            ),
            Child(
                "Dagster daemon",
                console_script("dagster-daemon", "run", "-w", workspace),
                logs / "dagster-daemon.log",
                env,
            ),
            # Completed uploads are ingested here, in a warm process, as Dagster runs (issue 18).
            Child(
                "Dagster ingestion worker",
                python_module("pipelines.ingestion_worker"),
                logs / "dagster-ingestion-worker.log",
                env,
            ),
        ]
    return children


def _database_process(settings: Settings) -> list[Supervised]:
    """The embedded server is ours to keep running; a configured database is not."""
    return [] if settings.database_url else [EmbeddedPostgres(settings.postgres_dir)]


def _prepare_dagster_storage(env: dict[str, str]) -> None:
    """Create or migrate the Dagster instance's SQLite storage before its processes start: the
    webserver and the daemon starting together on a fresh data dir race to create it, and
    the loser's schedule storage fails its Alembic check (seen on a loaded machine)."""
    typer.echo("dagster storage: preparing ...")
    command = console_script("dagster", "instance", "migrate")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise PlatformStartError(f"cannot prepare the Dagster storage: {last}")


def _child_env(settings: Settings, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SIGNAGE_DATABASE_URL=url,  # children join the server this process started
        SIGNAGE_DATA_DIR=str(settings.resolved_data_dir),
        DAGSTER_HOME=str(DAGSTER_HOME),
        SIGNAGE_DAGSTER_STORAGE_DIR=str(settings.resolved_data_dir / "dagster"),
    )
    return env


def _print_banner(
    settings: Settings, credentials: demo.DemoCredentials, url: str, *, with_dagster: bool
) -> None:
    base = settings.api_base_url
    lines = [
        "",
        "Signage platform is up.",
        f"  API          {base}  (docs {base}/docs, ready {base}/readyz)",
        f"  Web app      {base}/app/  (sign in as a demo user)",
    ]
    if with_dagster:
        lines.append(f"  Dagster UI   http://{settings.dagster_host}:{settings.dagster_port}")
    lines += [
        f"  Database     {database_location(url)}",
        f"  Data dir     {settings.resolved_data_dir}",
        f"  Logs         {settings.logs_dir}",
    ]
    typer.echo("\n".join(lines))
    _print_demo_users(credentials)
    typer.echo("Press Ctrl-C to stop.")


def database_location(url: str) -> str:
    """Where to reach the database with psql or pg_dump (docs/operations.md, backups): the
    embedded server's socket directory, or the configured URL without its password."""
    parsed = make_url(url)
    socket_dir = parsed.query.get("host")
    if isinstance(socket_dir, str) and socket_dir.startswith("/"):
        return f"socket dir {socket_dir}, user {parsed.username}, database {parsed.database}"
    return parsed.render_as_string(hide_password=True)


def _print_demo_users(credentials: demo.DemoCredentials) -> None:
    typer.echo("Demo users (password: " + credentials.password + "):")
    for email in credentials.emails:
        typer.echo(f"  {email}")


if __name__ == "__main__":
    sys.exit(app())


OPERATOR = AuditContext(
    actor_type=ActorType.SYSTEM, actor_id=None, ip_address=None, request_id=None
)


@tenant_app.command("disable")
def disable_tenant(tenant: Annotated[str, typer.Argument(help="tenant name or id")]) -> None:
    """Disable a tenant: its users cannot sign in, its devices are refused; data is kept."""
    _set_tenant_status(tenant, TenantStatus.DISABLED)


@tenant_app.command("enable")
def enable_tenant(tenant: Annotated[str, typer.Argument(help="tenant name or id")]) -> None:
    """Re-enable a disabled tenant: its devices play again, its users may sign in."""
    _set_tenant_status(tenant, TenantStatus.ACTIVE)


def _set_tenant_status(reference: str, status: TenantStatus) -> None:
    def run() -> str:
        settings = Settings()
        database = _connect(settings)
        try:
            with database.unit_of_work() as session:
                tenant = set_tenant_status(session, reference, status, now=utc_now(), who=OPERATOR)
                name = tenant.name
            announce_credential_revocations(settings)  # after the commit, every replica
            return name
        finally:
            database.dispose()

    name = _one_line_errors(run)
    typer.echo(f"tenant {name}: {status.value}")


@backups_app.command("list")
def backups_list() -> None:
    """The complete backups in the backup store, newest first."""
    taken = _one_line_errors(lambda: backups.list_backups(_backup_store()))
    for manifest in taken:
        typer.echo("\n".join(backups.summarise(manifest)))
    if not taken:
        typer.echo("no backups yet")


@backups_app.command("run")
def backups_run() -> None:
    """Take a backup now, then prune to SIGNAGE_BACKUP_KEEP (what the Dagster job does)."""

    def run() -> tuple[BackupManifest, list[str]]:
        settings = Settings()
        store = backups.backup_store_from_settings(settings)
        manifest = backups.take_backup(backups.platform_from_settings(settings), store)
        return manifest, backups.prune_backups(store, settings.backup_keep)

    manifest, pruned = _one_line_errors(run)
    typer.echo("\n".join(backups.summarise(manifest)))
    typer.echo(f"pruned: {', '.join(pruned) or 'none'}")


@app.command("restore")
def restore(backup: Annotated[str, typer.Argument(help="a backup id from `backups list`")]) -> None:
    """Restore a backup into an empty database, media store and warehouse."""

    def run() -> BackupManifest:
        settings = Settings()
        store = backups.backup_store_from_settings(settings)
        return backups.restore_backup(backups.platform_from_settings(settings), store, backup)

    manifest = _one_line_errors(run)
    typer.echo(f"restored {manifest.backup_id}; the database is at head")


def _backup_store() -> ObjectStorage:
    return backups.backup_store_from_settings(Settings())
