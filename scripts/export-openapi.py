"""Write the OpenAPI document the app serves to docs/openapi.json (or the path given): the
published /v1 contract (issue 21). Run it as `make openapi` whenever the contract changes, and
record the change in docs/api-changelog.md; tests/api/test_openapi_document.py fails until the
committed file matches what the app serves."""

from __future__ import annotations

import sys
from pathlib import Path

from api.openapi import published_document, render

PUBLISHED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"

if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PUBLISHED
    target.write_text(render(published_document()), encoding="utf-8")
    print(f"wrote {target}")
