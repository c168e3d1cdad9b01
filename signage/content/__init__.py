"""The content library: assets, direct-to-storage uploads and their ingestion (§6, §13, §14)."""
