"""`python -m conformance [--player web|vlc|both] [--fast] [--scenario NAME ...]`: runs the
scenarios against each player and prints one table per player; exits 1 when any failed."""

from __future__ import annotations

import argparse
import logging
import sys

from conformance import scenarios
from conformance.adapter import PlayerAdapter
from conformance.runner import run, table


def adapter(name: str) -> PlayerAdapter:
    if name == "web":
        from conformance.web import WebPlayerAdapter

        return WebPlayerAdapter()
    from conformance.vlc import VlcPlayerAdapter

    return VlcPlayerAdapter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    parser.add_argument("--player", choices=["web", "vlc", "both"], default="both")
    parser.add_argument("--fast", action="store_true", help="only the subset `make test` runs")
    parser.add_argument(
        "--scenario", action="append", default=[], help="run only these (repeatable)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    chosen = scenarios.FAST if args.fast else scenarios.ALL
    if args.scenario:
        chosen = tuple(s for s in scenarios.ALL if s.__name__ in {"pairs_by_code", *args.scenario})
    failed = 0
    for name in ["web", "vlc"] if args.player == "both" else [args.player]:
        outcomes = run(adapter(name), chosen)
        print(table(name, outcomes), flush=True)
        failed += sum(not o.passed for o in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
