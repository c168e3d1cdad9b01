"""Entry point for uvicorn: `uvicorn --factory api.main:app_from_env`."""

from __future__ import annotations

import gc
import sys

from fastapi import FastAPI
from pydantic import ValidationError

from api.app import create_app
from signage.config import InsecureSettingsError, Settings
from signage.observability import configure_logging

# sysexits.h EX_CONFIG: a supervisor (compose, Kubernetes) shows it and does not hide it in a
# traceback (issue 16, "a missing or default secret in production").
EXIT_CONFIG = 78


def app_from_env() -> FastAPI:
    """The app configured from SIGNAGE_* settings (uvicorn's factory); a bad setting ends
    the process with one line naming it."""
    try:
        settings = Settings()
        configure_logging(settings.log_level)
        app = create_app(settings)
    except (InsecureSettingsError, ValidationError) as exc:
        print(f"refusing to start: {_first_line(exc)}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    # What start-up built lives as long as the process: frozen out of the collector's sight,
    # and collections made rarer, so a full one scans less and less often. Full collections
    # of the start-up heap stalled a whole batch of heartbeats now and then: p99 250-340 ms
    # with Python's defaults, 113-130 ms frozen, 38-48 ms frozen with these thresholds
    # (`python -m bench.telemetry --devices 6000 --wrk 10`, three runs each, issue 18).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        if not error["loc"]:  # a model check, whose message names its variables
            return str(error["msg"]).removeprefix("Value error, ")
        field = "SIGNAGE_" + "_".join(str(part) for part in error["loc"]).upper()
        return f"{field}: {error['msg']}"
    return str(exc).splitlines()[0]
