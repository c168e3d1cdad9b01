"""Relational system of record (§26): typed models, engine/session, migrations, embedded server."""
