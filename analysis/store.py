"""Where plans and reviews are kept: per owner, every saved version, never overwritten.

The STEM Planner's plans and the STEM Manager's reviews are documents a school
works on over months, often several colleagues at once. This store keeps them in
one SQLite file (enough for one machine; every write is one transaction, so a
crash never leaves half a document), with these promises:

* **Per owner.** Every document belongs to an ``owner``: a school on a hosted
  network (``"school:S05"``) or one browser on a person's own machine
  (``"browser:…"``). The store answers only for the owner it is asked about;
  *who may ask for which owner* is decided by the caller
  (:mod:`dashboards.identity`), never from a value a page sent.
* **Every version kept.** ``save`` adds a version; nothing is updated in place
  or deleted, so any earlier state can be restored (as a new version).
* **No silent lost edit.** ``save`` names the version the edit started from
  (``expected``). If someone saved another version since, it raises
  :class:`Conflict` carrying the newer version, and the caller asks the person
  what to do (keep theirs as a new version, or take the newer one).
* **Nothing of the server in what it returns**: no file path, only the owner,
  name, version number, time and who saved it.

Example
-------
>>> import tempfile, pathlib
>>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "store.sqlite")
>>> first = store.save("plan", "school:S05", "KS3 plan", {"events": []}, expected=None)
>>> first.version
1
>>> second = store.save("plan", "school:S05", "KS3 plan", {"events": [1]}, expected=1)
>>> store.latest("plan", "school:S05", "KS3 plan").document
{'events': [1]}
>>> try:
...     store.save("plan", "school:S05", "KS3 plan", {"events": [2]}, expected=1)
... except Conflict as c:
...     print("someone saved version", c.latest.version)
someone saved version 2
>>> store.latest("plan", "school:S06", "KS3 plan") is None
True
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import settings

#: Environment variable naming the store's file (default :func:`default_path`).
STORE_VARIABLE = settings.STORE
#: Document kinds the project keeps.
KINDS = ("plan", "review")
_OWNER = re.compile(r"^[a-z]+:[A-Za-z0-9_.@+-]{1,128}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    document TEXT NOT NULL,
    PRIMARY KEY (kind, owner, name, version)
);
"""


class StoreError(ValueError):
    """A request the store refuses (an unknown kind, a malformed owner or name)."""


@dataclass(frozen=True)
class Version:
    """One saved version of a document, without its content."""

    version: int
    saved_at: str  # ISO 8601, UTC
    saved_by: str
    note: str


@dataclass(frozen=True)
class Saved:
    """A saved version of a document, with its content."""

    kind: str
    owner: str
    name: str
    version: int
    saved_at: str
    saved_by: str
    note: str
    document: dict


class Conflict(Exception):
    """Someone saved a newer version since this edit started.

    ``latest`` is that newer version; nothing was written.
    """

    def __init__(self, latest: Saved, expected: int | None):
        self.latest = latest
        self.expected = expected
        who = f" by {latest.saved_by}" if latest.saved_by else ""
        super().__init__(
            f"'{latest.name}' was saved again{who} at {latest.saved_at} (version "
            f"{latest.version}) after this copy was opened (version {expected or 'none'}). "
            "Choose: keep yours as a new version, or open theirs."
        )


def default_path() -> Path:
    """The store's file: ``KS3_STORE`` or ``~/.ks3/store.sqlite``."""
    return settings.store_path()


def _check(kind: str, owner: str, name: str | None = None) -> None:
    if kind not in KINDS:
        raise StoreError(f"unknown kind of document {kind!r} (known: {', '.join(KINDS)}).")
    if not isinstance(owner, str) or not _OWNER.match(owner):
        raise StoreError(f"malformed owner {owner!r}: expected 'school:ID' or 'browser:KEY'.")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        raise StoreError("a document needs a name of 1 to 200 characters.")


class Store:
    """Documents kept per owner in one SQLite file; see the module docstring.

    Safe to share between the threads of one process and between processes
    (SQLite's locking; each ``save`` is one ``BEGIN IMMEDIATE`` transaction).
    """

    def __init__(self, path: str | Path | None = None):
        self._path = Path(path) if path is not None else default_path()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    @staticmethod
    def _saved(row: sqlite3.Row) -> Saved:
        return Saved(
            row["kind"],
            row["owner"],
            row["name"],
            row["version"],
            row["saved_at"],
            row["saved_by"],
            row["note"],
            json.loads(row["document"]),
        )

    def save(
        self,
        kind: str,
        owner: str,
        name: str,
        document: dict,
        *,
        expected: int | None,
        saved_by: str = "",
        note: str = "",
    ) -> Saved:
        """Save ``document`` as the next version of ``name``.

        ``expected`` is the version this edit started from (``None`` for a
        document the person began afresh). Raises :class:`Conflict` if the
        latest saved version is another one; nothing is written then.
        """
        _check(kind, owner, name)
        text = json.dumps(document, ensure_ascii=False, sort_keys=True)
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT * FROM documents WHERE kind=? AND owner=? AND name=? "
                "ORDER BY version DESC LIMIT 1",
                (kind, owner, name),
            ).fetchone()
            latest = None if row is None else row["version"]
            if latest != expected:
                if row is None:  # the document was never saved: nothing to lose
                    latest = 0
                else:
                    raise Conflict(self._saved(row), expected)
            saved_at = datetime.now(UTC).isoformat(timespec="seconds")
            version = (latest or 0) + 1
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, owner, name, version, saved_at, saved_by, note, text),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Saved(kind, owner, name, version, saved_at, saved_by, note, json.loads(text))

    def latest(self, kind: str, owner: str, name: str) -> Saved | None:
        """The newest saved version of ``name``, or ``None``."""
        _check(kind, owner, name)
        row = (
            self._connect()
            .execute(
                "SELECT * FROM documents WHERE kind=? AND owner=? AND name=? "
                "ORDER BY version DESC LIMIT 1",
                (kind, owner, name),
            )
            .fetchone()
        )
        return None if row is None else self._saved(row)

    def get(self, kind: str, owner: str, name: str, version: int) -> Saved:
        """One saved version; ``KeyError`` if there is none."""
        _check(kind, owner, name)
        row = (
            self._connect()
            .execute(
                "SELECT * FROM documents WHERE kind=? AND owner=? AND name=? AND version=?",
                (kind, owner, name, int(version)),
            )
            .fetchone()
        )
        if row is None:
            raise KeyError(f"no version {version} of '{name}'")
        return self._saved(row)

    def versions(self, kind: str, owner: str, name: str) -> list[Version]:
        """Every saved version of ``name``, newest first."""
        _check(kind, owner, name)
        rows = (
            self._connect()
            .execute(
                "SELECT version, saved_at, saved_by, note FROM documents WHERE kind=? AND "
                "owner=? AND name=? ORDER BY version DESC",
                (kind, owner, name),
            )
            .fetchall()
        )
        return [Version(r["version"], r["saved_at"], r["saved_by"], r["note"]) for r in rows]

    def names(self, kind: str, owner: str) -> list[str]:
        """The owner's documents of ``kind``, most recently saved first."""
        _check(kind, owner)
        rows = (
            self._connect()
            .execute(
                "SELECT name, MAX(saved_at) AS last FROM documents WHERE kind=? AND owner=? "
                "GROUP BY name ORDER BY last DESC, name",
                (kind, owner),
            )
            .fetchall()
        )
        return [r["name"] for r in rows]

    def owners(self, kind: str) -> list[str]:
        """Every owner with a document of ``kind`` (for a network lead's view)."""
        if kind not in KINDS:
            raise StoreError(f"unknown kind of document {kind!r}.")
        rows = (
            self._connect()
            .execute("SELECT DISTINCT owner FROM documents WHERE kind=? ORDER BY owner", (kind,))
            .fetchall()
        )
        return [r["owner"] for r in rows]
