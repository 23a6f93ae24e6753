"""Filters that mean the same on every dashboard: wave, year group, gender, ethnicity.

A :class:`Filters` is a row of dropdowns, one per group column, each with
"All" and the groups present in the data. Its :attr:`~Filters.value` is the
``where`` of :meth:`dashboards.results.Results.view`: ``{column: value}`` for
every dropdown not on "All". A dashboard that splits its chart by a group
(year 7 against year 9, say) leaves that group out of its filters.

Every value is checked in Python before it is used: a browser (or a crafted
client speaking the widget protocol) can send any value, and a value not in
the options resets the filter to "All" and is reported instead of being used
(:meth:`Filters.checked`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets

from analysis import schema

from .results import GROUPS, Results, describe

ALL = "all"
#: The words on each dropdown.
TITLES = {
    "wave": "Wave",
    "year_group": "Year group",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "school_id": "School",
}


def option_label(column: str, value) -> str:
    """The survey's label for a group value (``"girl"`` -> ``"Girls"``)."""
    if column == "school_id":
        return f"School {value}"
    return str(schema.groups()[column].values.get(value, value))


class Filters:
    """Dropdowns for some of wave, year group, gender and ethnicity.

    Parameters
    ----------
    results : Results
        Where the options come from (:meth:`Results.levels`).
    columns : sequence of str
        The group columns to offer (default every one of :data:`GROUPS`).
    on_change : callable, optional
        Called with the new :attr:`value` after any valid change.

    Attributes
    ----------
    dropdowns : dict
        ``{column: ipywidgets.Dropdown}``.
    widget : ipywidgets.HBox
    problem : str
        The last refused value, in words ("" when none).
    """

    def __init__(
        self,
        results: Results,
        columns: Sequence[str] = GROUPS,
        on_change: Callable[[dict], None] | None = None,
    ):
        self.on_change = on_change
        self.problem = ""
        self._resetting = False
        self.dropdowns: dict[str, widgets.Dropdown] = {}
        for column in columns:
            levels = [v for v in results.levels(column) if not _is_other_gender(column, v)]
            if not levels:
                continue
            options = [("All", ALL)] + [(option_label(column, v), v) for v in levels]
            dropdown = widgets.Dropdown(
                options=options,
                value=ALL,
                description=TITLES.get(column, column),
                style={"description_width": "initial"},
                layout=widgets.Layout(width="auto", margin="0 1.2em 0 0"),
            )
            dropdown.observe(self._changed, names="value")
            self.dropdowns[column] = dropdown
        self.allowed = {c: {v for _, v in d.options} for c, d in self.dropdowns.items()}
        self.widget = widgets.HBox(
            list(self.dropdowns.values()), layout=widgets.Layout(flex_flow="row wrap")
        )

    @property
    def value(self) -> dict:
        """``{column: value}`` of every dropdown not on "All" (values checked)."""
        return self.checked()

    def checked(self) -> dict:
        """The filter's value; a value outside the options resets its dropdown to "All"."""
        where = {}
        for column, dropdown in self.dropdowns.items():
            value = dropdown.value
            if value not in self.allowed[column]:
                self.problem = f"{TITLES.get(column, column)}: that choice is not offered."
                self._resetting = True  # the reset is not a viewer's change
                try:
                    dropdown.value = ALL
                finally:
                    self._resetting = False
                continue
            if value != ALL:
                where[column] = value
        return where

    def set(self, **where) -> None:
        """Set several dropdowns at once (``set(gender="girl")``); unknown values raise."""
        for column, value in where.items():
            if column not in self.dropdowns or value not in self.allowed[column]:
                raise ValueError(f"no filter value {column}={value!r}")
        for column, value in where.items():
            self.dropdowns[column].value = value

    def describe(self) -> str:
        """The pupils chosen, in words: "all pupils", "Girls, wave 2"…"""
        return describe(self.value)

    def _changed(self, _change) -> None:
        if self._resetting:
            return
        where = self.checked()
        if self.on_change is not None:
            self.on_change(where)


def _is_other_gender(column: str, value) -> bool:
    # the contract's third gender code is too small a group to offer on its own
    return column == "gender" and value == "other"
