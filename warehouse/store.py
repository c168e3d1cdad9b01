"""Writing partitions: whole-file replacement through a temporary file and a rename."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime

import polars as pl
import pyarrow.parquet as pq

from warehouse.layout import WarehouseLayout


def write_partition(
    layout: WarehouseLayout, table: str, hour: datetime, frame: pl.DataFrame
) -> int:
    """Replace the partition of `table` for `hour` with `frame`; returns the row count.
    Re-running an hour (a backfill) rewrites the same file, so loads are idempotent."""
    target = layout.partition_file(table, hour)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".parquet.tmp")
    os.close(descriptor)
    try:
        pq.write_table(frame.to_arrow(), temporary, compression="zstd")
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return frame.height
