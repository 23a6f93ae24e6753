"""A folder holding only a publication bundle's manifest, complete enough for
:func:`dashboards.bundle.read_manifest` (the server and the hub read no table)."""

from __future__ import annotations

import json
from pathlib import Path

from analysis import publish


def manifest_only_bundle(folder: Path, school: dict | None = None) -> Path:
    files = {publish.SHARES: "0" * 64, publish.COMPARISONS: "0" * 64}
    if school:
        files[publish.SCHOOL] = "0" * 64
    folder.mkdir(parents=True, exist_ok=True)
    (folder / publish.MANIFEST).write_text(
        json.dumps(
            {
                "format": publish.FORMAT,
                "bundle_version": publish.BUNDLE_VERSION,
                "rules": {"min_count": 10, "min_base": 30, "min_schools": 3},
                "files": files,
                "title": "A test bundle",
                "source": "No survey.",
                "blocks": [],
                "created": "2026-12-02T00:00:00+00:00",
                "school": school,
            }
        )
    )
    return folder
