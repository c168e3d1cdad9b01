"""`python -m player` / `signage-player`: run the player against an API (§33.3.1)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType

from player import host
from player.app import Player
from player.clock import SystemClock
from player.config import DEFAULT_SCREEN_SIZE, PlayerConfig
from player.media_backend import VlcBackend


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="signage-player", description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="token, manifests, cache")
    parser.add_argument("--api-url", required=True, help="e.g. https://api.example.com")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument("--headless", action="store_true", help="dummy video/audio outputs")
    parser.add_argument("--cache-budget-bytes", type=int, default=None)
    parser.add_argument(
        "--screen-size",
        type=screen_size,
        default=None,
        help="WIDTHxHEIGHT of the output for the player's own slides; default: asked of the"
        " display (xrandr or the kernel), 1920x1080 when headless or unknown",
    )
    parser.add_argument(
        "--orientation",
        choices=["LANDSCAPE", "PORTRAIT"],
        default="LANDSCAPE",
        help="how the screen is mounted until a manifest's settings say (§27.8.1)",
    )
    return parser.parse_args(argv)


def screen_size(text: str) -> tuple[int, int]:
    """`1920x1080` -> (1920, 1080); at least 320x240, at most 16384 a side."""
    match = re.fullmatch(r"(\d{3,5})[xX](\d{3,5})", text.strip())
    if not match or not (320 <= int(match[1]) <= 16384 and 240 <= int(match[2]) <= 16384):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1920x1080, not {text!r}")
    return int(match[1]), int(match[2])


def output_size(args: argparse.Namespace) -> tuple[tuple[int, int], str]:
    """The slides' size and where it came from: the option, the display, or the default
    (the dummy video output of --headless has no size)."""
    if args.screen_size is not None:
        return args.screen_size, "--screen-size"
    detected = None if args.headless else host.detect_output_size(os.environ)
    return detected or (DEFAULT_SCREEN_SIZE, "default")


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT; REBOOT_APP re-executes this process in place."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("player").setLevel(args.log_level)
    size, size_source = output_size(args)
    logging.getLogger("player").info("slides drawn at %dx%d (%s)", *size, size_source)
    config = PlayerConfig(
        data_dir=args.data_dir,
        api_url=args.api_url,
        screen_size=size,
        orientation=args.orientation,
    )
    if args.cache_budget_bytes is not None:
        config = replace(config, cache_budget_bytes=args.cache_budget_bytes)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        backend = VlcBackend(headless=args.headless)
    except (ImportError, OSError, NotImplementedError, RuntimeError) as exc:
        logging.getLogger("player").error("libVLC is not usable: %s", exc)
        return 2
    player = Player(config, backend, SystemClock())
    player.run(stop)
    if player.restart_requested and not stop.is_set():
        logging.getLogger("player").info("restarting (REBOOT_APP)")
        arguments = sys.argv[1:] if argv is None else argv
        # Our own interpreter with our own arguments: a fresh process, same pid for supervisors.
        os.execv(sys.executable, [sys.executable, "-m", "player", *arguments])  # noqa: S606
    return 0


if __name__ == "__main__":
    sys.exit(main())
