"""The process uvicorn serves (api.main.app_from_env) keeps its start-up heap out of the
garbage collector's full passes (issue 18: those passes were the heartbeats' p99)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = (
    "import gc; from api.main import app_from_env; app_from_env(); "
    "print(gc.get_freeze_count(), *gc.get_threshold())"
)


def test_the_served_app_freezes_its_start_up_heap_and_collects_rarely(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SIGNAGE_DATABASE_URL": database_url,
        "SIGNAGE_JWT_SECRET": "served-process-" + "x" * 40,
        "SIGNAGE_DATA_DIR": str(tmp_path),
        "SIGNAGE_ENVIRONMENT": "test",
    }
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    frozen, *thresholds = (int(word) for word in probe.stdout.split())
    assert frozen > 10_000  # the modules, the app and its routes
    assert thresholds == [20_000, 20, 20]
