"""A session-wide shelf of real media files, each made on first use and then reused.

Tests ask for a sample by name (`media_samples.path("vp9_mp4")`) and must not modify it; copy it
first if a test needs to change the bytes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tests.support import media_factory as make

Recipe = Callable[[Path], Path]


def _copy_then(name: str, change: Callable[[Path], Path]) -> Callable[[MediaSamples, Path], Path]:
    """A recipe that copies another sample and changes the copy."""

    def recipe(samples: MediaSamples, path: Path) -> Path:
        shutil.copyfile(samples.path(name), path)
        return change(path)

    return recipe


RECIPES: dict[str, tuple[str, Callable[[MediaSamples, Path], Path]]] = {
    # Accepted (§6, §14).
    "jpeg": ("jpg", lambda _, p: make.make_jpeg(p, 320, 180)),
    "png": ("png", lambda _, p: make.make_png(p, 320, 180)),
    "full_hd_jpeg": ("jpg", lambda _, p: make.make_jpeg(p, 1920, 1080)),
    "mp4": ("mp4", lambda _, p: make.make_mp4(p)),
    "faststart_mp4": ("mp4", lambda _, p: make.make_mp4(p, faststart=True)),
    "silent_mp4": ("mp4", lambda _, p: make.make_mp4(p, audio_codec=None)),
    # One §13.2 reason each.
    "webm": ("webm", lambda _, p: make.make_webm(p)),
    "vp9_mp4": ("mp4", lambda _, p: make.make_mp4(p, video_codec="vp9")),
    "mpeg4_mp4": ("mp4", lambda _, p: make.make_mp4(p, video_codec="mpeg4")),
    "mp3_audio_mp4": ("mp4", lambda _, p: make.make_mp4(p, audio_codec="mp3")),
    "uhd_png": ("png", lambda _, p: make.make_png(p, 3840, 2160)),
    "bomb_png": ("png", lambda _, p: make.make_png_bomb(p, 30_000, 30_000)),
    "long_mp4": (
        "mp4",
        lambda _, p: make.make_mp4(p, width=32, height=18, seconds=121, fps=1, audio_codec=None),
    ),
    "high_bitrate_mp4": (
        "mp4",
        lambda _, p: make.make_mp4(p, width=320, height=180, fps=10, bitrate=16_000_000),
    ),
    "fps60_mp4": ("mp4", lambda _, p: make.make_mp4(p, fps=60)),
    "two_mb_jpeg": ("jpg", lambda _, p: make.make_jpeg(p, 320, 180, target_bytes=2 * 1024 * 1024)),
    "truncated_mp4": ("mp4", _copy_then("mp4", lambda p: make.truncate(p, 0.5))),
    "truncated_faststart_mp4": (
        "mp4",
        _copy_then("faststart_mp4", lambda p: make.truncate(p, 0.6)),
    ),
    "truncated_png": ("png", _copy_then("uhd_png", lambda p: make.truncate(p, 0.5))),
    "undecodable_mp4": ("mp4", _copy_then("faststart_mp4", make.blank_mp4_samples)),
    "text": ("txt", lambda _, p: _write_text(p)),
}


def _write_text(path: Path) -> Path:
    path.write_text("Quarterly menu: soup, bread, coffee.\n")
    return path


class MediaSamples:
    """Named sample files under one directory, generated lazily and kept for the session."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        extension, recipe = RECIPES[name]
        target = self.directory / f"{name}.{extension}"
        if not target.exists():
            recipe(self, target)
        return target

    def copy(self, name: str, destination: Path) -> Path:
        """A private copy of a sample that a test may change."""
        return Path(shutil.copyfile(self.path(name), destination / self.path(name).name))
