"""DuckDB analytics warehouse: schema, loaders and named queries (DESIGN.md)."""
