"""Schedule resolver micro-benchmark (§31.7: < 5 ms average per request).

A venue with 500 published slots. Two devices: a typical one (two groups and a couple of
device slots, ~45 of the 500 apply) and a worst case where all 500 target its group. For each:
- cold: compile_schedule + resolve per call, as with no schedule cache;
- cached: resolve_compiled on a schedule compiled once, at random instants over a week.
Prints figures and ratios; asserts nothing about time.

Run: .venv/bin/python bench/resolver.py
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bench.report import print_comparison, summarise
from signage.enums import OverrideTargetType, SlotTargetType
from signage.scheduling import (
    DeviceContext,
    OverrideRule,
    SlotRule,
    compile_schedule,
    resolve,
    resolve_compiled,
)

SLOT_COUNT = 500
GROUP_COUNT = 12
BUDGET_MS = 5.0  # §31.7
TARGET_MS = 0.5  # this module's own goal per call
WEEK_START = datetime(2026, 10, 19, tzinfo=UTC)  # includes the London fall-back Sunday


def venue_slots(rng: random.Random, groups: list[str], devices: list[str]) -> list[SlotRule]:
    """500 slots: most on groups, some on devices, random windows, days, priorities."""
    slots = []
    for index in range(SLOT_COUNT):
        on_device = rng.random() < 0.2
        slots.append(
            SlotRule(
                slot_id=f"slot-{index:04d}",
                target_type=SlotTargetType.DEVICE if on_device else SlotTargetType.GROUP,
                target_id=rng.choice(devices if on_device else groups),
                playlist_id=f"pl-{rng.randrange(40)}",
                days_of_week_mask=rng.randint(1, 127),
                start_minutes=rng.randrange(0, 1440, 15),
                end_minutes=rng.randrange(0, 1440, 15),
                priority=rng.randrange(5),
                updated_at_utc=WEEK_START - timedelta(minutes=rng.randrange(100_000)),
                enabled=rng.random() < 0.95,
            )
        )
    return slots


def venue_overrides() -> list[OverrideRule]:
    starts = WEEK_START + timedelta(days=2)
    return [
        OverrideRule(
            override_id=f"ovr-{index}",
            target_type=OverrideTargetType.VENUE,
            target_id="venue",
            playlist_id="pl-urgent",
            starts_at_utc=starts + timedelta(days=index),
            created_at_utc=WEEK_START,
            ends_at_utc=starts + timedelta(days=index, hours=1),
        )
        for index in range(3)
    ]


def per_call_ms(call: Callable[[datetime], object], instants: list[datetime]) -> dict[str, float]:
    samples = []
    for instant in instants:
        began = time.perf_counter()
        call(instant)
        samples.append(time.perf_counter() - began)
    return summarise(samples)


def bench_device(
    label: str, context: DeviceContext, slots: list[SlotRule], rng: random.Random
) -> None:
    overrides = venue_overrides()
    week_seconds = int(timedelta(days=7).total_seconds())
    instants = [WEEK_START + timedelta(seconds=rng.randrange(week_seconds)) for _ in range(20_000)]
    compiled = compile_schedule(context, slots)
    print(f"\n{label}: {len(compiled.ranked_slots)} of {len(slots)} slots apply")

    cold = per_call_ms(lambda now: resolve(context, slots, overrides, now), instants[:300])
    cached = per_call_ms(lambda now: resolve_compiled(compiled, overrides, now), instants)
    for name, stats in (("cold (compile + resolve)", cold), ("cached (resolve_compiled)", cached)):
        print(f"  {name}: median {stats['median_ms']:.4f} ms, p99 {stats['p99_ms']:.4f} ms")
        print_comparison(f"  {name} median", stats["median_ms"], BUDGET_MS, "ms", "§31.7 budget")
        print_comparison(f"  {name} median", stats["median_ms"], TARGET_MS, "ms", "0.5 ms goal")


def main() -> None:
    rng = random.Random(31)  # fixed seed: comparable runs
    groups = [f"group-{index}" for index in range(GROUP_COUNT)]
    devices = [f"device-{index}" for index in range(50)]
    slots = venue_slots(rng, groups, devices)
    typical = DeviceContext(
        device_id=devices[0],
        venue_id="venue",
        tenant_timezone="UTC",
        group_ids=(groups[0], groups[1]),
        venue_timezone="Europe/London",
        venue_fallback_playlist_id="pl-fallback",
    )
    print(f"resolver benchmark: venue with {SLOT_COUNT} slots, week of {WEEK_START:%Y-%m-%d}")
    bench_device("typical device", typical, slots, rng)
    everything_mine = [
        replace(slot, target_type=SlotTargetType.GROUP, target_id=groups[0]) for slot in slots
    ]
    bench_device("worst case device", typical, everything_mine, rng)


if __name__ == "__main__":
    main()
