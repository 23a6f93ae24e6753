"""dashboards.filters: the same filters on every dashboard, every value checked."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from dashboards import data, filters, results


@pytest.fixture(scope="module")
def live():
    return results.LiveResults(data.survey(data.DataSource(data.SAMPLE_FILES, None, True)))


def test_options_come_from_the_data(live):
    f = filters.Filters(live)
    assert list(f.dropdowns) == ["wave", "year_group", "gender", "ethnicity"]
    labels = [label for label, _ in f.dropdowns["gender"].options]
    assert labels == ["All", "Boys", "Girls"]  # codes in order; "other" is not offered alone
    assert f.value == {}


def test_changes_reach_the_dashboard(live):
    seen = []
    f = filters.Filters(live, ["wave", "gender"], on_change=seen.append)
    f.dropdowns["gender"].value = "girl"
    f.dropdowns["wave"].value = 2
    assert seen == [{"gender": "girl"}, {"wave": 2, "gender": "girl"}]
    assert f.describe() == "wave 2, Girls"


def test_set_refuses_unknown_values(live):
    f = filters.Filters(live)
    with pytest.raises(ValueError):
        f.set(gender="pupil 17")
    f.set(year_group=9)
    assert f.value == {"year_group": 9}


def test_a_forged_index_is_refused(live):
    seen = []
    f = filters.Filters(live, ["gender"], on_change=seen.append)
    dropdown = f.dropdowns["gender"]
    # what a crafted client sends over the widget protocol: an index out of range
    with pytest.raises(TraitError):
        dropdown.set_state({"index": 99})
    assert dropdown.value == filters.ALL and f.value == {} and seen == []


def test_a_value_outside_the_options_is_not_used(live):
    f = filters.Filters(live, ["gender"])
    dropdown = f.dropdowns["gender"]
    # should anything slip past the widget's own check, checked() does not use it
    dropdown._trait_values["value"] = "S01"
    assert f.value == {}
    assert "not offered" in f.problem
    assert dropdown.value == filters.ALL


def test_a_refused_value_calls_the_dashboard_once(live):
    seen = []
    f = filters.Filters(live, ["gender"], on_change=seen.append)
    dropdown = f.dropdowns["gender"]
    dropdown._trait_values["value"] = "S01"
    f._changed(None)  # as the observer would, for the forged value
    assert seen == [{}] and "not offered" in f.problem
