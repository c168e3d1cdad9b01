"""Backup and restore times on the embedded defaults (issue 16 item 4): the demo platform
(`signage seed-demo`: tenants, users, ingested images and a video, published schedules) is
backed up with `signage backups run`, its database, media and warehouse are deleted, and
`signage restore` brings them back into a fresh embedded server. Beside them, in the same run:
a no-op command (`signage db upgrade` at head), the fixed cost of starting the embedded server
and connecting, which every command pays.

    .venv/bin/python -m bench.backup_restore

RTO = the restore's time plus starting the platform; RPO = the schedule's interval (a day)
plus the backup's own time. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import print_comparison


def signage(data_dir: Path, *args: str) -> tuple[float, str]:
    """Run one `signage` command on `data_dir`; (seconds, stdout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env.update(
        SIGNAGE_DATA_DIR=str(data_dir),
        SIGNAGE_JWT_SECRET="bench-secret-" + "x" * 40,  # kept outside backups, like production
        SIGNAGE_DEMO_PASSWORD="bench-password-1",
    )
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "signage"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.monotonic() - started, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-br-", dir="/tmp") as scratch:
        data_dir = Path(scratch)
        signage(data_dir, "seed-demo")
        baseline, _ = signage(data_dir, "db", "upgrade")
        backup_seconds, summary = signage(data_dir, "backups", "run")
        print(summary.rstrip())
        backup_id = summary.split()[0]
        for state in ("postgres", "media", "warehouse"):
            shutil.rmtree(data_dir / state, ignore_errors=True)
        restore_seconds, _ = signage(data_dir, "restore", backup_id)
        stored = sum(p.stat().st_size for p in (data_dir / "backups").rglob("*") if p.is_file())
        print(f"backup store: {stored / 1e6:.1f} MB")
        print_comparison("backup (signage backups run)", backup_seconds, baseline, "s", "no-op")
        print_comparison("restore (signage restore)", restore_seconds, baseline, "s", "no-op")


if __name__ == "__main__":
    main()
