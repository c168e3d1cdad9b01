"""Every analyst notebook is saved without outputs and runs top to bottom against a seeded
warehouse (a synthetic fleet's day, rolled up), drawing its charts, for the tenant and period
injected after its "parameters" cell, as papermill would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.warehouse import fleet
from warehouse.layout import WarehouseLayout

REPOSITORY = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("*.ipynb"))
DAY = datetime(2026, 6, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[WarehouseLayout, str]:
    layout = WarehouseLayout(tmp_path_factory.mktemp("notebook-warehouse"))
    identities = fleet.synthetic_identities(24)
    start, minutes = DAY - timedelta(hours=1), 25 * 60
    outages = {0: [(100, 160)], 3: [(600, 640)], 5: [(1000, 1003)]}  # tenant 0, two venues
    fleet.write_into_warehouse(
        layout,
        fleet.heartbeat_frame(identities, start, minutes, outages),
        fleet.event_frame(identities, start, minutes, outages),
    )
    fleet.roll_up(layout, start, DAY + timedelta(days=1))
    fleet.write_publishing(layout, identities, DAY)
    return layout, identities[0].tenant_id


def test_the_notebooks_exist() -> None:
    assert {path.stem for path in NOTEBOOKS} >= {
        "device_health",
        "errors_and_downloads",
        "content_and_publishing",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_notebook_is_saved_clean_and_runs_on_a_seeded_warehouse(
    path: Path, seeded: tuple[WarehouseLayout, str]
) -> None:
    layout, tenant_id = seeded
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), "has outputs"
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell is parameters"

    injected = nbformat.v4.new_code_cell(
        f"tenant_id = {tenant_id!r}\n"
        f"period_start = {DAY.isoformat()!r}\n"
        f"period_end = {(DAY + timedelta(days=1)).isoformat()!r}\n"
        f"warehouse_root = {str(layout.root)!r}"
    )
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(notebook.cells.index(code[0]) + 1, injected)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPOSITORY)}},
    ).execute()

    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    charts = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(charts) >= 3, "the notebook drew fewer charts than it has"
    assert not [output for output in outputs if output.output_type == "error"]
