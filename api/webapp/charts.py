"""Small inline SVG charts for the dashboard and venue pages (issue 17 item 4): uptime per day
and failures per day over the last 30 days. No library and no JavaScript: bars scale to the
width of the page (a phone's 390 px included), each with a <title> for its exact value, and the
chart carries a one-line summary for screen readers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from warehouse.layout import WarehouseLayout
from warehouse.trends import ErrorPoint, UptimePoint, error_trend, last_days, uptime_trend

DAYS = 30
WIDTH, HEIGHT = 300, 80
LOW_UPTIME_PCT = 90.0  # bars under this are drawn in the "off" colour
# Markup.format escapes every argument that is not Markup itself (titles, summaries).
RECT = Markup('<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>')
SVG = Markup(
    '<svg class="chart" viewBox="0 0 300 80" preserveAspectRatio="none"'
    ' role="img" aria-label="{}">{}</svg>'
)


@dataclass(frozen=True)
class Bar:
    value: float | None  # None: no data for the period
    title: str
    low: bool = False


def bar_chart(bars: Sequence[Bar], ceiling: float, summary: str) -> Markup:
    """Bars side by side from left (oldest) to right; an empty period is a thin grey stub."""
    step = WIDTH / max(len(bars), 1)
    shapes = []
    for index, bar in enumerate(bars):
        x = index * step + 0.5
        if bar.value is None:
            height, css = 2.0, "gap"
        else:
            height = max(1.0, HEIGHT * min(bar.value, ceiling) / ceiling) if bar.value else 1.0
            css = "bar low" if bar.low else "bar"
        shapes.append(
            RECT.format(
                css,
                f"{x:.2f}",
                f"{HEIGHT - height:.2f}",
                f"{step - 1:.2f}",
                f"{height:.2f}",
                bar.title,
            )
        )
    return SVG.format(summary, Markup("").join(shapes))


@dataclass(frozen=True)
class TrendCharts:
    uptime: Markup
    failures: Markup
    uptime_summary: str
    failures_summary: str
    first_day: datetime
    last_day: datetime


def trend_charts(
    layout: WarehouseLayout, tenant_id: str, venue_ids: Collection[str], now: datetime
) -> TrendCharts:
    start, end = last_days(now, DAYS)
    uptime = uptime_trend(layout, tenant_id, venue_ids, start, end, "day")
    errors = error_trend(layout, tenant_id, venue_ids, start, end, "day")
    uptime_summary = _uptime_summary(uptime)
    failures_summary = _failures_summary(errors)
    return TrendCharts(
        uptime=bar_chart([_uptime_bar(p) for p in uptime], 100.0, uptime_summary),
        failures=bar_chart(
            [_failure_bar(p) for p in errors],
            float(max((p.failures for p in errors), default=0) or 1),
            failures_summary,
        ),
        uptime_summary=uptime_summary,
        failures_summary=failures_summary,
        first_day=start,
        last_day=uptime[-1].period_start if uptime else start,
    )


def _uptime_bar(point: UptimePoint) -> Bar:
    day = f"{point.period_start:%d %b}"
    if point.uptime_pct is None:
        return Bar(None, f"{day}: no data")
    return Bar(
        point.uptime_pct, f"{day}: {point.uptime_pct:g} %", point.uptime_pct < LOW_UPTIME_PCT
    )


def _failure_bar(point: ErrorPoint) -> Bar:
    day = f"{point.period_start:%d %b}"
    return Bar(
        float(point.failures),
        f"{day}: {point.failures} failures, {point.error_events} error events",
        point.failures > 0,
    )


def _uptime_summary(points: Sequence[UptimePoint]) -> str:
    known = [p.uptime_pct for p in points if p.uptime_pct is not None]
    if not known:
        return f"No uptime figures for the last {DAYS} days yet."
    average = sum(known) / len(known)
    return f"Uptime over the last {DAYS} days: {average:.1f} % on average, lowest {min(known):g} %."


def _failures_summary(points: Sequence[ErrorPoint]) -> str:
    total = sum(p.failures for p in points)
    errors = sum(p.error_events for p in points)
    return (
        f"{total} playback, download and manifest failures"
        f" and {errors} error events in {DAYS} days."
    )
