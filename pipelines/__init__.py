"""Dagster pipelines: ingestion, publishing snapshots, telemetry rollups, alerts and retention."""
