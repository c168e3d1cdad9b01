"""Operations alerts (§21, §29.4.10): rules over telemetry facts, reconciled into the `alerts`
table so that alerts open, stay deduplicated and resolve by themselves.

- `rules`, `versions`, `reconcile`: the pure core (time is an argument, no I/O).
- `facts`, `store`, `evaluation`: the thin database shell a Dagster sensor calls every minute.
- `queries`, `dashboard`: the read side behind the ops endpoints.
"""
