"""Who may import whom (../shared/DESIGN.md "Packages and who may import whom"), checked on the
source so a crossing fails the suite instead of waiting for a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package (folder) -> module prefixes it must never import
FORBIDDEN = {
    "signage": ("api", "pipelines", "player", "fastapi", "starlette", "dagster"),
    "warehouse": ("api", "pipelines", "player", "fastapi", "dagster"),
    "api/webapp": ("api.routes",),
    # a route module takes what it shares with others from api (scopes, views, calls), never
    # from another route module (issue 14 item 2)
    "api/routes": ("api.routes",),
    "player": ("signage", "api", "pipelines", "warehouse"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def crosses(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in forbidden)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_what_the_design_forbids(package: str) -> None:
    crossings = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imported_modules(path)
        if crosses(module, FORBIDDEN[package])
    ]
    assert not crossings, "\n".join(crossings)
