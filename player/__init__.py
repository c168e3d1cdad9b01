"""The signage player: a python-vlc device app that speaks HTTP only (DESIGN.md)."""
