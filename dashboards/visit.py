"""A visitor's own survey files, kept for their whole visit: every research page
of that browser shows them until the visitor closes or replaces them.

When a visitor uploads files on a research page (:mod:`dashboards.upload`), the
page frame (:mod:`dashboards.shell`) keeps them here, on the server only, in a
folder of the visitor's own; every research page that visitor opens afterwards
reads them back once the visitor has arrived (:func:`dashboards.identity.on_arrival`,
never at Voilà's preheat) and shows them in place of the server's data. Pressing
"Close these files" deletes them.

Whose files
-----------
:func:`visit_key` names the visitor: ``browser:KEY`` on a personal server (the
browser's own random key, :mod:`dashboards.identity`), ``user:NAME`` for a
user signed in to a network's hub (one person, not their school: colleagues of
one school never see each other's uploads). Nothing the page sends besides the
browser's key chooses the folder, and the folder is named by a hash of the key,
so no key or file name ever becomes a path.

Where
-----
Under :func:`visits_dir` (``KS3_VISITS``, or ``~/.ks3/visits``), one folder a
visitor, readable by the server's account only (mode 0700, files 0600). A
visit's folder holds ``visit.json`` (the files' own names, in upload order,
and which one is the codebook) and the files' bytes, each named by the
SHA-256 of its content. Saving writes the new bytes first, then replaces
``visit.json`` in one step (:func:`os.replace`), then removes bytes no longer
named: a page reading at the same moment gets the old files or the new ones,
never a mixture. Two pages saving or closing at once take turns (a lock on
the visit: ``fcntl.flock`` on Linux and macOS, ``msvcrt.locking`` on Windows,
released by the system if a server dies holding it), so one never deletes the
other's bytes. No path is shown on any page.

How long
--------
Files stay :func:`analysis.settings.visit_hours` hours (``KS3_VISIT_HOURS``,
default 24) after their visitor last used them: every page that reads them back
marks the visit used (the time of ``visit.json``), and so does saving. Whenever
any visitor arrives (a page reading its visitor's files, the home page's
notice), visits unused for longer are deleted (:func:`expire`), each under its
own lock and only if, once the lock is held, it is still unused: a visit a page
is saving or has just read is never removed. The upload panel and the home page
say how long files are kept (:func:`lifetime_words`).

>>> kept = VisitFiles("browser:" + "0" * 32, root=tmp)          # doctest: +SKIP
>>> kept.save([("wave1.csv", b"...")], ("codebook.yml", b"..."))  # doctest: +SKIP
>>> kept.read()                                                  # doctest: +SKIP
Upload(files=(('wave1.csv', b'...'),), codebook=('codebook.yml', b'...'))
>>> kept.close()                                                 # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis import settings

from .identity import Visitor

#: Names the folder holding every visitor's kept files.
VISITS_VARIABLE = settings.VISITS
#: A visit's list of files (the only file of a visit not named by a hash).
MANIFEST = "visit.json"

try:  # Linux, macOS
    import fcntl as _fcntl

    _msvcrt = None
except ImportError:  # pragma: no cover - Windows
    _fcntl = None
    import msvcrt as _msvcrt


def _lock(handle: int) -> None:
    """Wait for, then hold, an exclusive lock on the open file ``handle``."""
    if _fcntl is not None:
        _fcntl.flock(handle, _fcntl.LOCK_EX)
        return
    while True:  # Windows: LK_LOCK tries for 10 seconds, then raises; try again
        try:
            _msvcrt.locking(handle, _msvcrt.LK_LOCK, 1)
            return
        except OSError:
            continue


def _unlock(handle: int) -> None:
    """Release :func:`_lock` (closing the file releases it too)."""
    if _fcntl is not None:
        _fcntl.flock(handle, _fcntl.LOCK_UN)
    else:
        os.lseek(handle, 0, os.SEEK_SET)
        _msvcrt.locking(handle, _msvcrt.LK_UNLCK, 1)


def lifetime_words(hours: float | None = None) -> str:
    """How long kept files stay, in a sentence for a page.

    >>> lifetime_words(24)
    'They are deleted from the server 24 hours after you last open a page with them.'
    >>> lifetime_words(1.5)
    'They are deleted from the server 1.5 hours after you last open a page with them.'
    """
    if hours is None:
        try:
            hours = settings.visit_hours()
        except ValueError as error:  # the server's setting, not the visitor's doing
            print(f"kept visit files: {error}", file=sys.__stderr__)
            return "They are kept until you close them (the server's setting of how long is wrong)."
    amount = f"{hours:g} hour{'' if hours == 1 else 's'}"
    return f"They are deleted from the server {amount} after you last open a page with them."


def expire(root: Path | None = None, hours: float | None = None, now: float | None = None) -> int:
    """Delete every visit under ``root`` not used for ``hours`` (default
    :func:`analysis.settings.visit_hours`); how many were deleted.

    A visit's last use is the time of its ``visit.json`` (a folder without one,
    left by a save that failed, counts from the folder's own time). Each is
    checked again while holding its lock, so a visit saved or read meanwhile stays.
    """
    root = visits_dir() if root is None else Path(root)
    hours = settings.visit_hours() if hours is None else hours
    now = time.time() if now is None else now
    removed = 0
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except FileNotFoundError:
        return 0
    for folder in folders:
        kept = VisitFiles.__new__(VisitFiles)
        kept.root, kept.folder = root, folder
        if kept.last_used() > now - hours * 3600:
            continue
        with kept._turn():
            if folder.exists() and kept.last_used() <= now - hours * 3600:
                shutil.rmtree(folder, ignore_errors=True)
                # a page waiting on this lock file sees it gone and takes a new one
                (root / f".{folder.name}.lock").unlink(missing_ok=True)
                removed += 1
    return removed


def _expire_quietly(root: Path | None) -> None:
    """:func:`expire`, for a page: a failure is logged, never shown to the visitor."""
    try:
        expire(root)
    except (OSError, ValueError) as error:
        print(f"kept visit files: could not delete old visits: {error}", file=sys.__stderr__)


def visits_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of every visitor's kept files: ``KS3_VISITS`` or ``~/.ks3/visits``."""
    return settings.visits_path(environ)


def visit_key(visitor: Visitor) -> str:
    """Whose visit this is: ``user:NAME`` when signed in to a hub, else the browser's owner.

    >>> from dashboards.identity import browser_visitor, visitor_from_groups
    >>> visit_key(browser_visitor("a" * 32))
    'browser:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    >>> visit_key(visitor_from_groups("ann", ["school-S05"]))
    'user:ann'
    """
    return f"user:{visitor.user}" if visitor.signed_in else visitor.owner


@dataclass(frozen=True)
class Upload:
    """Files a visitor uploaded: ``(name, bytes)`` for each survey file, and the codebook."""

    files: tuple[tuple[str, bytes], ...]
    codebook: tuple[str, bytes] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.files)


def _private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (mode 0600) through a temporary file in the same folder."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class VisitFiles:
    """One visitor's kept upload.

    Parameters
    ----------
    key : str
        :func:`visit_key` of the visitor.
    root : Path, optional
        The folder of every visit (default :func:`visits_dir`).
    """

    def __init__(self, key: str, root: Path | None = None):
        if not isinstance(key, str) or not key:
            raise ValueError("a visit needs its visitor's key")
        self.root = visits_dir() if root is None else Path(root)
        self.folder = self.root / hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]

    @classmethod
    def arriving(cls, key: str, root: Path | None = None) -> VisitFiles:
        """The visit of a visitor who just arrived, after deleting visits unused for
        longer than files are kept (:func:`expire`)."""
        _expire_quietly(root)
        return cls(key, root)

    def last_used(self) -> float:
        """When this visit was last saved or read (seconds since the epoch; 0 if never)."""
        for path in (self.folder / MANIFEST, self.folder):
            try:
                return path.stat().st_mtime
            except FileNotFoundError:
                continue
        return 0.0

    def _mark_used(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.folder / MANIFEST)

    @property
    def kept(self) -> bool:
        """Whether this visitor has files kept."""
        return (self.folder / MANIFEST).is_file()

    @contextlib.contextmanager
    def _turn(self):
        """Hold this visit's lock (a file beside the visit's folder) while saving or closing."""
        _private_folder(self.root)
        path = self.root / f".{self.folder.name}.lock"
        while True:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                _lock(handle)
                try:
                    same = os.fstat(handle).st_ino == os.stat(path).st_ino
                except FileNotFoundError:
                    same = False
                if not same:  # expire() removed this lock file meanwhile: take the new one
                    continue
                try:
                    yield
                finally:
                    _unlock(handle)
                return
            finally:
                os.close(handle)

    def save(
        self, files: Sequence[tuple[str, bytes]], codebook: tuple[str, bytes] | None = None
    ) -> None:
        """Keep these files for the visit, replacing any kept before."""
        if not files:
            raise ValueError("no survey file to keep")
        with self._turn():
            self._save(files, codebook)

    def _save(self, files, codebook) -> None:
        _private_folder(self.folder)
        entries = []
        for role, (name, content) in [
            *(("survey", f) for f in files),
            *((("codebook", codebook),) if codebook else ()),
        ]:
            content = bytes(content)
            blob = hashlib.sha256(content).hexdigest()
            if not (self.folder / blob).is_file():
                _write_private(self.folder / blob, content)
            entries.append({"role": role, "name": str(name), "blob": blob})
        manifest = {
            "saved": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "files": entries,
        }
        _write_private(self.folder / MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
        named = {e["blob"] for e in entries} | {MANIFEST}
        for path in self.folder.iterdir():
            if path.name not in named and not path.name.startswith(".part-"):
                path.unlink(missing_ok=True)

    def read(self) -> Upload | None:
        """The kept files, or None when nothing is kept (or it was closed meanwhile).
        Reading marks the visit used (see "How long" above)."""
        self._mark_used()
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            files, codebook = [], None
            for entry in manifest["files"]:
                content = (self.folder / entry["blob"]).read_bytes()
                if entry["role"] == "codebook":
                    codebook = (entry["name"], content)
                else:
                    files.append((entry["name"], content))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as error:  # a damaged visit.json
            raise ValueError(f"the kept files of this visit cannot be read: {error}") from None
        return Upload(tuple(files), codebook) if files else None

    def close(self) -> bool:
        """Delete the kept files; True if there were any."""
        if not self.folder.exists():
            return False
        with self._turn():
            shutil.rmtree(self.folder, ignore_errors=True)
        return True


def kept_notice(visitor: Visitor, root: Path | None = None) -> list:
    """For the home page: a line naming the files this visitor keeps, if any (else none)."""
    import html

    from . import page

    try:
        kept = VisitFiles.arriving(visit_key(visitor), root).read()
    except (OSError, ValueError):
        return []
    if kept is None:
        return []
    names = ", ".join(html.escape(n) for n in kept.names)
    return [
        page.html_widget(
            f'<div class="ks3-source"><b>Your files</b>: {names}, which you uploaded in this '
            "visit. Every research page you open in this browser shows them, not the data "
            "above, until you close them (\u201cClose these files\u201d, at the foot of any "
            f"research page) or upload others. {lifetime_words()}</div>"
        )
    ]
