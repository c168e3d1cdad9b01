"""`python -m player` / `signage-player`: run the player against an API (§33.3.1)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType

from player.app import Player, PlayerConfig
from player.clock import SystemClock
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT; REBOOT_APP re-executes this process in place."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("player").setLevel(args.log_level)
    config = PlayerConfig(data_dir=args.data_dir, api_url=args.api_url)
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
