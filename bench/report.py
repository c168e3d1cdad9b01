"""Printing benchmark figures the same way everywhere: a figure, its baseline, the ratio."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def summarise(samples_seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_seconds)
    p99_index = max(0, round(0.99 * len(ordered)) - 1)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[p99_index] * 1000,
        "n": float(len(ordered)),
    }


def print_comparison(
    name: str, figure: float, baseline: float, unit: str, baseline_name: str
) -> None:
    """One line: the measured figure, the baseline measured in the same run, and their ratio."""
    ratio = figure / baseline if baseline else float("inf")
    print(
        f"{name}: {figure:,.3f} {unit}  |  {baseline_name}: {baseline:,.3f} {unit}"
        f"  |  ratio {ratio:.2f}x"
    )
