"""A folder holding only a publication bundle's manifest, complete enough for
:func:`dashboards.bundle.read_manifest` (the server and the hub read no table)."""

from __future__ import annotations

import json
from pathlib import Path

from analysis import manifest


def manifest_only_bundle(folder: Path, school: dict | None = None) -> Path:
    files = {manifest.SHARES: "0" * 64, manifest.COMPARISONS: "0" * 64}
    if school:
        files[manifest.SCHOOL] = "0" * 64
    folder.mkdir(parents=True, exist_ok=True)
    (folder / manifest.MANIFEST).write_text(
        json.dumps(
            {
                "format": manifest.FORMAT,
                "bundle_version": manifest.BUNDLE_VERSION,
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
