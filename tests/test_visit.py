"""dashboards.visit: a visitor's uploaded files kept for their visit, on the server only,
one private folder a visitor; and the page frame that shows them on every page."""

from __future__ import annotations

import html
import json
import os
import stat
import time
from pathlib import Path

import pytest
from test_upload import CODEBOOK, EXPORT, upload_value

from analysis import load, settings
from dashboards import data, identity, results, shell, subjects, visit

ANN = identity.browser_visitor("a" * 32)
BEN = identity.browser_visitor("b" * 32)
WAVE_1 = ("wave1.csv", b"pupil_id,school_id,wave,year_group\nP1,S1,1,7\n")
WAVE_2 = ("wave2.csv", b"pupil_id,school_id,wave,year_group\nP1,S1,2,9\n")
BOOK = ("book.yml", b"columns: {}\n")


def kept_for(visitor, root: Path) -> visit.VisitFiles:
    return visit.VisitFiles(visit.visit_key(visitor), root)


def test_kept_files_read_back_as_uploaded_in_order_with_their_codebook(tmp_path):
    kept = kept_for(ANN, tmp_path)
    assert kept.read() is None and not kept.kept
    kept.save([WAVE_2, WAVE_1], BOOK)
    assert kept.kept
    again = kept_for(ANN, tmp_path).read()  # a second page of the same visitor
    assert again.files == (WAVE_2, WAVE_1) and again.codebook == BOOK
    assert again.names == ("wave2.csv", "wave1.csv")


def test_one_visitors_files_are_never_anothers(tmp_path):
    kept_for(ANN, tmp_path).save([WAVE_1])
    assert kept_for(BEN, tmp_path).read() is None
    kept_for(BEN, tmp_path).save([WAVE_2])
    assert kept_for(ANN, tmp_path).read().files == (WAVE_1,)
    assert kept_for(BEN, tmp_path).read().files == (WAVE_2,)
    kept_for(BEN, tmp_path).close()
    assert kept_for(ANN, tmp_path).read().files == (WAVE_1,)


def test_colleagues_of_one_school_on_a_hub_have_visits_of_their_own(tmp_path):
    ann = identity.visitor_from_groups("ann", ["school-S05", "role-school-lead"])
    cat = identity.visitor_from_groups("cat", ["school-S05"])
    assert ann.owner == cat.owner == "school:S05"  # their plans are the school's ...
    assert visit.visit_key(ann) != visit.visit_key(cat)  # ... their uploads their own
    kept_for(ann, tmp_path).save([WAVE_1])
    assert kept_for(cat, tmp_path).read() is None


def test_replacing_keeps_only_the_new_files(tmp_path):
    kept = kept_for(ANN, tmp_path)
    kept.save([WAVE_1, WAVE_2], BOOK)
    kept.save([WAVE_2])
    assert kept.read() == visit.Upload((WAVE_2,), None)
    # nothing of the first upload is left on disk
    on_disk = b"".join(p.read_bytes() for p in kept.folder.iterdir() if p.name != visit.MANIFEST)
    assert on_disk == WAVE_2[1]


def test_closing_deletes_every_file(tmp_path):
    kept = kept_for(ANN, tmp_path)
    kept.save([WAVE_1], BOOK)
    assert kept.close() is True
    assert not kept.folder.exists() and kept.read() is None
    assert kept.close() is False


def test_files_are_private_to_the_servers_account_and_named_by_no_key_or_file_name(tmp_path):
    kept = kept_for(ANN, tmp_path / "visits")
    evil = ("../../etc/passwd", b"x")
    kept.save([evil, WAVE_1], BOOK)
    assert stat.S_IMODE(kept.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "visits").stat().st_mode) == 0o700
    for path in kept.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    every_path = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")]
    assert all("a" * 32 not in p and "passwd" not in p and "wave1" not in p for p in every_path), (
        every_path
    )
    assert kept.read().files[0] == evil  # a name is only ever data


def test_a_damaged_list_of_files_is_said_not_guessed(tmp_path):
    kept = kept_for(ANN, tmp_path)
    kept.save([WAVE_1])
    (kept.folder / visit.MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="kept files of this visit cannot be read"):
        kept.read()
    manifest = {"files": [{"role": "survey", "name": "w.csv", "blob": "0" * 64}]}
    (kept.folder / visit.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert kept.read() is None  # its bytes are gone (closed meanwhile): nothing kept


def test_where_visits_are_kept(tmp_path):
    assert visit.visits_dir({"KS3_VISITS": str(tmp_path)}) == tmp_path
    assert visit.visits_dir({}) == Path.home() / ".ks3" / "visits"


# -- the page frame: an upload on one page is shown by the visitor's other pages -------


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


def framed(sample, root) -> shell.DashboardPage:
    return shell.DashboardPage(results.LiveResults(sample), subjects.make, visits_root=root)


def upload_export(page: shell.DashboardPage) -> bool:
    page.upload.files.value = upload_value((EXPORT.name, EXPORT.read_bytes()))
    page.upload.codebook.value = upload_value((CODEBOOK.name, CODEBOOK.read_bytes()))
    return page.upload.use_files()


def test_an_upload_is_shown_by_every_page_of_that_visitor_only(sample, tmp_path):
    first = framed(sample, tmp_path)
    first.arrive(ANN)
    assert upload_export(first)
    assert "Every research page you open in this browser" in first.upload.message.value
    assert first.upload.close.layout.display is None  # "Close these files" offered

    expected = load.load_survey([EXPORT], codebook=CODEBOOK)  # independently, from disk
    second = framed(sample, tmp_path)  # another page, opened later in the same browser
    assert not second.results.uploaded  # before the visitor arrives: the server's data
    second.arrive(ANN)
    assert second.results.uploaded
    assert len(second.results.survey.table) == len(expected.table)
    note = second.note.children[0].value
    assert "example_export.csv" in note
    schools = expected.table.groupby("wave")["school_id"].nunique()
    for wave, n in schools.items():
        assert (
            f"wave {wave}: {(expected.table['wave'] == wave).sum():,} pupils in {n} schools" in note
        )
    assert expected.notes and all(html.escape(n) in note for n in expected.notes)
    assert str(tmp_path) not in note and str(tmp_path) not in second.upload.message.value

    other = framed(sample, tmp_path)  # another browser
    other.arrive(BEN)
    assert not other.results.uploaded and other.results.survey is sample


def test_a_bad_file_keeps_the_shown_and_the_kept_files(sample, tmp_path):
    page = framed(sample, tmp_path)
    page.arrive(ANN)
    assert upload_export(page)
    shown = page.results
    page.upload.files.value = upload_value(("bad.csv", b"name,score\nAlice,3\n"))
    page.upload.codebook.value = ()
    assert page.upload.use_files() is False
    assert "These files could not be used" in page.upload.message.value
    assert page.results is shown
    assert kept_for(ANN, tmp_path).read().names == (EXPORT.name,)


def test_closing_deletes_the_files_and_shows_the_servers_data_again(sample, tmp_path):
    page = framed(sample, tmp_path)
    page.arrive(ANN)
    assert upload_export(page)
    page.upload.close_files()
    assert not page.results.uploaded and page.results.survey is sample
    assert "deleted from the server" in page.upload.message.value
    assert page.upload.close.layout.display == "none"
    assert kept_for(ANN, tmp_path).read() is None
    later = framed(sample, tmp_path)
    later.arrive(ANN)
    assert not later.results.uploaded


def test_kept_files_that_no_longer_read_are_said_and_can_be_closed(sample, tmp_path):
    kept_for(ANN, tmp_path).save([("bad.csv", b"name,score\nAlice,3\n")])
    page = framed(sample, tmp_path)
    page.arrive(ANN)
    assert not page.results.uploaded
    assert "uploaded earlier in this visit could not be used" in page.upload.message.value
    assert page.upload.close.layout.display is None
    page.upload.close_files()
    assert kept_for(ANN, tmp_path).read() is None


def test_the_home_page_names_the_visitors_kept_files(tmp_path, monkeypatch):
    from dashboards import home

    assert visit.kept_notice(ANN, tmp_path) == []
    kept_for(ANN, tmp_path).save([("my <survey>.csv", b"x")])
    (notice,) = visit.kept_notice(ANN, tmp_path)
    assert "my &lt;survey&gt;.csv" in notice.value and "Close these files" in notice.value
    assert visit.kept_notice(BEN, tmp_path) == []
    monkeypatch.setenv(visit.VISITS_VARIABLE, str(tmp_path))
    built = home.build()
    (arrival,) = [w for w in built.children if isinstance(w, identity.Arrival)]
    assert not any("my &lt;survey&gt;.csv" in getattr(w, "value", "") for w in built.children)
    arrival.arrive("a" * 32)  # the browser of ANN has drawn the page
    shown = [c.value for w in built.children for c in getattr(w, "children", ())]
    assert any("my &lt;survey&gt;.csv" in v for v in shown)


def test_a_page_that_cannot_show_the_kept_files_says_so_and_keeps_them(sample, tmp_path):
    clubs = b"pupil_id,school_id,wave,year_group,club_science\n" + b"".join(
        f"P{i},S{i % 3},1,7,{i % 2}\n".encode() for i in range(60)
    )
    kept_for(ANN, tmp_path).save([("clubs_only.csv", clubs)])
    page = framed(sample, tmp_path)  # Subjects: no question of it in the file
    page.arrive(ANN)
    assert not page.results.uploaded
    message = page.upload.message.value
    assert "This page cannot show the files you uploaded earlier" in message
    assert "clubs_only.csv: has no answers to the questions of this dashboard" in message
    assert kept_for(ANN, tmp_path).read().names == ("clubs_only.csv",)


def test_a_page_saving_waits_while_another_page_of_the_visit_saves_or_closes(tmp_path):
    import threading

    first, second = kept_for(ANN, tmp_path), kept_for(ANN, tmp_path)  # two pages
    with first._turn():  # the first page is between writing its bytes and its list
        waiting = threading.Thread(target=second.save, args=([WAVE_2],))
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive()  # the second waits its turn ...
        assert second.read() is None
    waiting.join()
    assert first.read().files == (WAVE_2,)  # ... then saves whole
    other = kept_for(BEN, tmp_path)
    with first._turn():  # another visitor's visit has a lock of its own
        other.save([WAVE_1])
    assert other.read().files == (WAVE_1,)


DAY = 24 * 3600


def age(kept: visit.VisitFiles, seconds: float) -> None:
    """Make a visit last used ``seconds`` ago (its visit.json's time)."""
    then = time.time() - seconds
    os.utime(kept.folder / visit.MANIFEST, (then, then))


def test_visits_unused_longer_than_the_setting_are_deleted_and_others_kept(tmp_path):
    old, recent = kept_for(ANN, tmp_path), kept_for(BEN, tmp_path)
    old.save([WAVE_1], BOOK)
    recent.save([WAVE_2])
    age(old, DAY + 60)
    age(recent, DAY - 60)
    assert visit.expire(tmp_path, hours=24) == 1
    assert old.read() is None and not old.folder.exists()
    assert recent.read().files == (WAVE_2,)
    assert visit.expire(tmp_path, hours=24) == 0
    assert visit.expire(tmp_path / "none yet", hours=24) == 0  # no visit ever kept


def test_reading_marks_a_visit_used(tmp_path):
    kept = kept_for(ANN, tmp_path)
    kept.save([WAVE_1])
    age(kept, DAY + 60)
    assert kept_for(ANN, tmp_path).read().files == (WAVE_1,)  # a page of the visit reads it
    assert visit.expire(tmp_path, hours=24) == 0
    assert kept.read().files == (WAVE_1,)


def test_the_setting_says_how_long_and_a_visitor_arriving_deletes_old_visits(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.VISIT_HOURS, "2")
    old = kept_for(BEN, tmp_path)
    old.save([WAVE_2])
    age(old, 3 * 3600)
    mine = visit.VisitFiles.arriving(visit.visit_key(ANN), tmp_path)
    assert not old.folder.exists() and mine.read() is None
    mine.save([WAVE_1])
    (notice,) = visit.kept_notice(ANN, tmp_path)
    assert "deleted from the server 2 hours after you last open a page with them" in notice.value
    monkeypatch.setenv(settings.VISIT_HOURS, "soon")  # a wrong setting is said, not guessed
    assert "setting of how long is wrong" in visit.lifetime_words()
    with pytest.raises(ValueError, match="KS3_VISIT_HOURS is 'soon'"):
        visit.expire(tmp_path)
    monkeypatch.delenv(settings.VISIT_HOURS)
    assert settings.visit_hours() == 24
    assert visit.VisitFiles.arriving(visit.visit_key(ANN), tmp_path).read().files == (WAVE_1,)


def test_a_visit_being_saved_is_never_deleted(tmp_path):
    import threading

    kept = kept_for(ANN, tmp_path)
    kept.save([WAVE_1])
    age(kept, DAY + 60)
    removed = []
    with kept._turn():  # a page of the visit is saving ...
        sweeping = threading.Thread(target=lambda: removed.append(visit.expire(tmp_path, hours=24)))
        sweeping.start()
        sweeping.join(timeout=1.0)
        assert sweeping.is_alive()  # ... so the sweep waits for the visit's lock
        kept._save([WAVE_2], None)
    sweeping.join()
    assert removed == [0]  # checked again under the lock: just used, so kept
    assert kept.read().files == (WAVE_2,)


class FakeMsvcrt:
    """Windows' msvcrt.locking on this machine: one lock per locked file, by inode;
    LK_LOCK gives up after a while with OSError, as Windows' does after 10 seconds."""

    LK_LOCK, LK_UNLCK = 1, 0

    def __init__(self):
        import threading

        self.locks, self.guard, self.calls = {}, threading.Lock(), []

    def locking(self, handle, mode, nbytes):
        import threading

        self.calls.append(mode)
        with self.guard:
            lock = self.locks.setdefault(os.fstat(handle).st_ino, threading.Lock())
        if mode == self.LK_UNLCK:
            lock.release()
        elif not lock.acquire(timeout=0.2):
            raise OSError("Resource deadlock would occur")


def test_locking_without_fcntl_uses_msvcrt_and_still_takes_turns(tmp_path, monkeypatch):
    import threading

    fake = FakeMsvcrt()
    monkeypatch.setattr(visit, "_fcntl", None)
    monkeypatch.setattr(visit, "_msvcrt", fake)
    first, second = kept_for(ANN, tmp_path), kept_for(ANN, tmp_path)
    with first._turn():
        waiting = threading.Thread(target=second.save, args=([WAVE_2],))
        waiting.start()
        waiting.join(timeout=1.0)  # past several of LK_LOCK's give-ups
        assert waiting.is_alive() and second.read() is None
    waiting.join()
    assert first.read().files == (WAVE_2,)
    assert fake.calls.count(FakeMsvcrt.LK_UNLCK) == 2 and fake.calls.count(FakeMsvcrt.LK_LOCK) > 2
