"""What a name people type and screens show may be (venues, devices, groups, playlists,
takeovers): the one owner of the bound the /v1 schema and the web app's forms both apply."""

from __future__ import annotations

DISPLAY_NAME_MAX = 200  # characters, after trimming; the columns are String(200)
