"""Tenants, venues, users and their roles (§4, §5, §26.3)."""
