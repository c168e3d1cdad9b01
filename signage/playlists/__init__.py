"""Playlists: drafts, publishing and rollback (§6, §15, §26.7)."""
