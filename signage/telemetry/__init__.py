"""Telemetry ingestion (§17, §27.8.2, §27.8.3, §29.4.9)."""
