"""Scheduling: the pure schedule resolver (§7, §30, §31). See `resolver` for the rules."""

from signage.scheduling.model import (
    Decision,
    DeviceContext,
    FallbackSource,
    OverrideRule,
    Resolution,
    ResolutionReason,
    RuleId,
    SlotRule,
    TimelineInterval,
)
from signage.scheduling.resolver import (
    MAX_TIMELINE_WINDOW,
    MAX_VALIDITY,
    CompiledSchedule,
    compile_schedule,
    effective_timezone,
    next_check_seconds,
    resolve,
    resolve_compiled,
    timeline,
    timeline_compiled,
)

__all__ = [
    "MAX_TIMELINE_WINDOW",
    "MAX_VALIDITY",
    "CompiledSchedule",
    "Decision",
    "DeviceContext",
    "FallbackSource",
    "OverrideRule",
    "Resolution",
    "ResolutionReason",
    "RuleId",
    "SlotRule",
    "TimelineInterval",
    "compile_schedule",
    "effective_timezone",
    "next_check_seconds",
    "resolve",
    "resolve_compiled",
    "timeline",
    "timeline_compiled",
]
