"""analysis.store: per-owner documents, every version kept, no silent lost edit."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.store import Conflict, Store, StoreError


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store.sqlite")


def test_versions_are_kept_and_restorable(store):
    for i in range(3):
        store.save("plan", "school:S01", "plan", {"i": i}, expected=i or None, saved_by="a")
    assert [v.version for v in store.versions("plan", "school:S01", "plan")] == [3, 2, 1]
    assert store.get("plan", "school:S01", "plan", 1).document == {"i": 0}
    assert store.latest("plan", "school:S01", "plan").document == {"i": 2}


def test_owners_never_see_each_other(store):
    store.save("plan", "school:S01", "plan", {"school": 1}, expected=None)
    store.save("plan", "school:S02", "plan", {"school": 2}, expected=None)
    assert store.latest("plan", "school:S01", "plan").document == {"school": 1}
    assert store.latest("plan", "school:S02", "plan").document == {"school": 2}
    assert store.names("plan", "school:S03") == []
    assert store.latest("review", "school:S01", "plan") is None
    assert store.owners("plan") == ["school:S01", "school:S02"]


def test_a_stale_edit_is_refused_and_nothing_written(store):
    store.save("review", "school:S01", "r", {"v": 1}, expected=None, saved_by="ann")
    store.save("review", "school:S01", "r", {"v": 2}, expected=1, saved_by="bob")
    with pytest.raises(Conflict) as info:
        store.save("review", "school:S01", "r", {"v": "ann's"}, expected=1, saved_by="ann")
    assert info.value.latest.version == 2 and info.value.latest.saved_by == "bob"
    assert "bob" in str(info.value)
    assert len(store.versions("review", "school:S01", "r")) == 2


@pytest.mark.parametrize("owner", ["S01", "school:", "school:../x", "school:a b", 5])
def test_malformed_owners_are_refused(store, owner):
    with pytest.raises(StoreError):
        store.latest("plan", owner, "plan")


def test_unknown_kind_is_refused(store):
    with pytest.raises(StoreError):
        store.save("secret", "school:S01", "x", {}, expected=None)


def _save_from(args):
    path, who = args
    try:
        Store(path).save("plan", "school:S01", "plan", {"by": who}, expected=1, saved_by=who)
        return who
    except Conflict:
        return None


def test_two_processes_saving_at_once_one_wins_one_is_told(tmp_path):
    path = tmp_path / "store.sqlite"
    Store(path).save("plan", "school:S01", "plan", {"by": "first"}, expected=None)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_save_from, [(path, "ann"), (path, "bob")])
    winners = [r for r in results if r]
    assert len(winners) == 1
    latest = Store(path).latest("plan", "school:S01", "plan")
    assert latest.version == 2 and latest.document == {"by": winners[0]}
    # the file is a plain SQLite database with every version in it
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert rows == 2


documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=8), documents, max_size=5))
def test_documents_round_trip(tmp_path_factory, doc):
    store = Store(tmp_path_factory.mktemp("s") / "store.sqlite")
    store.save("plan", "browser:abc", "p", doc, expected=None)
    assert store.latest("plan", "browser:abc", "p").document == doc
