"""What a dashboard shows: tables of shares and comparisons, marked for disclosure.

Every dashboard reads its numbers through one interface, :class:`Results`, so
the same page works on two sources:

:class:`LiveResults`
    computed from a loaded survey (the synthetic sample, the files named by
    ``KS3_SURVEY_FILES``, or files uploaded in the page). The pupil rows are
    read once, into :class:`analysis.measures.SurveyAggregates`; every table
    after that is computed from those aggregates and kept, so changing a
    filter only picks rows of a table already computed.
a publication bundle
    (:mod:`dashboards.bundle`, when ``KS3_BUNDLE`` names one): tables
    computed and protected beforehand by ``python -m analysis publish``, with
    no pupil row anywhere.

Tables come in the tidy shapes of :mod:`analysis.measures` (group columns,
then :data:`~analysis.measures.SHARE_COLUMNS` or
:data:`~analysis.measures.COMPARISON_COLUMNS`). Every row carries
``suppressed``: ``""`` when it may be shown, ``"c"`` (confidential: too few
pupils) or ``"u"`` (low base: under 30 pupils or 3 schools), and its hidden
numbers are NaN, so a chart cannot draw them by mistake; it marks them
instead (:func:`marker`).

Live tables are marked by the primary rules (:func:`mark_shares`,
:func:`mark_comparisons`): enough for a researcher's or a school's own
screen, where nobody is trying to subtract one figure from another. Published
bundles are protected in full, with secondary suppression
(:func:`analysis.measures.summary_tables`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import disclosure, measures, schema, settings

#: Environment variable naming a publication bundle (a folder) to show instead of survey files.
BUNDLE_VARIABLE = settings.BUNDLE
#: The groups a dashboard may filter on or split by, in the order tables list them.
GROUPS: tuple[str, ...] = tuple(schema.GROUP_COLUMNS)
#: The standard comparisons: measure -> the group columns its table is broken down by.
COMPARISONS: dict[str, tuple[str, ...]] = {
    "gender_gap": ("wave", "year_group"),
    "ethnicity_gap": ("wave", "year_group"),
    "gender_gap_change_years": ("wave",),
    "ethnicity_gap_change_years": ("wave",),
    "gender_gap_change_waves": ("year_group",),
    "ethnicity_gap_change_waves": ("year_group",),
    "change_waves": ("year_group",),
    "cohort": (),
}
_SHARE_HIDDEN = ("count", "share", "se", "ci_low", "ci_high", "deff", "n_eff")
_COMPARISON_HIDDEN = (
    "share_first",
    "share_second",
    "estimate_pp",
    "se_pp",
    "ci_low_pp",
    "ci_high_pp",
    "t",
    "p_value",
    "q_value",
)


def marker(row: Mapping) -> str:
    """What a chart writes in place of a hidden figure: ``"c"``, ``"u"`` or ``""``."""
    value = row.get("suppressed", "") if hasattr(row, "get") else ""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def legend_note(rules: disclosure.DisclosureRules = disclosure.DisclosureRules()) -> str:
    """One sentence explaining ``c`` and ``u`` for a chart's footnote (HTML)."""
    return (
        f"<b>c</b>: hidden to protect confidentiality (fewer than {rules.min_count:g} "
        f"pupils gave, or did not give, the answer). <b>u</b>: not shown, the base is "
        f"under {rules.min_base:g} pupils or under {rules.min_schools} schools, too few "
        "for a reliable figure."
    )


def mark_shares(
    frame: pd.DataFrame, rules: disclosure.DisclosureRules = disclosure.DisclosureRules()
) -> pd.DataFrame:
    """Share-shaped rows marked by the primary rules, hidden numbers set to NaN.

    A row is ``c`` when its base, its count or its complement (base - count)
    is under ``rules.min_count``; otherwise ``u`` when its base is under
    ``rules.min_base`` pupils or it comes from fewer than ``rules.min_schools``
    schools. Bases are unweighted pupils (``n_pupils``) where the table has
    them. A ``c`` or ``u`` row has ``count``, ``share``, its interval and
    design figures set to NaN; a base under ``min_count`` is hidden too.
    A base of 0 (nobody in the group answered) is left as it is: there is no
    share to hide.
    """
    out = frame.copy()
    n = out["n"].astype(float).to_numpy()
    base = out["n_pupils"].astype(float).to_numpy() if "n_pupils" in out else n
    count = out["count"].astype(float).to_numpy()
    share = np.divide(count, n, out=np.full_like(count, np.nan), where=n > 0)
    count_pupils = share * base  # the count on the unweighted base
    schools = out["n_schools"].astype(float).to_numpy() if "n_schools" in out else np.inf
    some = base > 0
    with np.errstate(invalid="ignore"):
        base_hidden, conf, _, low = disclosure.primary_rule(base, count_pupils, schools, rules)
    conf &= some
    low &= some & ~conf
    hide = _mark(out, conf, low, _SHARE_HIDDEN)
    if "rank" in out:
        out["rank"] = out["rank"].astype(float).mask(hide)
    for c in ("n", "n_pupils"):
        if c in out:
            out[c] = out[c].astype(float).mask(some & base_hidden)
    return out


def _mark(
    out: pd.DataFrame, conf: np.ndarray, low: np.ndarray, hidden: Sequence[str]
) -> np.ndarray:
    """Set ``suppressed`` (``c`` where ``conf``, else ``u`` where ``low``, else what
    it was) and NaN the ``hidden`` columns of every marked row, in place; returns
    which rows are marked."""
    previous = (
        out["suppressed"].fillna("").astype(str).to_numpy()
        if "suppressed" in out
        else np.full(len(out), "", dtype=object)
    )
    out["suppressed"] = np.where(
        conf, disclosure.CONFIDENTIAL, np.where(low, disclosure.LOW_RELIABILITY, previous)
    )
    hide = out["suppressed"].to_numpy() != ""
    for c in hidden:
        if c in out:
            out[c] = out[c].astype(float).mask(hide)
    return hide


def mark_comparisons(
    frame: pd.DataFrame,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
    hidden_parts: np.ndarray | None = None,
) -> pd.DataFrame:
    """Comparison-shaped rows marked by the primary rules, hidden numbers NaN.

    A gap, change or cohort difference is computed from two shares
    (``share_first`` of ``n_first`` pupils, ``share_second`` of ``n_second``):
    it is ``c`` when either share's count or complement is under
    ``rules.min_count`` pupils, else ``u`` when either base is under
    ``rules.min_base`` or fewer than ``rules.min_schools`` schools contribute.
    For a change of a gap, whose parts are two gaps, pass ``hidden_parts``
    (True where a part is hidden; :meth:`LiveResults.comparisons` computes it
    from the gaps) instead: the bases are still checked.
    """
    out = frame.copy()
    n1 = out["n_first"].astype(float).to_numpy()
    n2 = out["n_second"].astype(float).to_numpy()
    schools = out["n_schools"].astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        # the smaller base decides the base rules (and the schools rule)
        smaller_hidden, _, _, low = disclosure.primary_rule(
            np.minimum(n1, n2), np.nan, schools, rules
        )
        if hidden_parts is None:
            conf = np.zeros(len(out), dtype=bool)
            for s, n in (("share_first", n1), ("share_second", n2)):
                count = out[s].astype(float).to_numpy() * n
                conf |= disclosure.primary_rule(n, count, schools, rules)[1]
        else:  # a change of gaps: its parts' marks are given, the bases checked here
            conf = np.asarray(hidden_parts, dtype=bool) | smaller_hidden
    low &= ~conf
    hide = _mark(out, conf, low, _COMPARISON_HIDDEN)
    if "significant_fdr" in out:
        out["significant_fdr"] = out["significant_fdr"].astype(object).mask(hide, "")
    return out


def check_comparison(measure: str, schools: str) -> None:
    """Refuse a comparison that is not one of :data:`COMPARISONS`, or schools
    other than ``"all"`` / ``"common"`` (a crafted request must not reach the
    analysis)."""
    if measure not in COMPARISONS:
        raise ValueError(
            f"unknown comparison {measure!r}; comparisons are {', '.join(COMPARISONS)}"
        )
    if schools not in ("all", "common"):
        raise ValueError(f"schools={schools!r}: 'all' or 'common'")


def ordered(columns: Iterable[str]) -> list[str]:
    """Group columns in the tables' order (wave, year group, gender, ethnicity, school)."""
    columns = set(columns)
    unknown = columns - set(measures.BREAKDOWN_COLUMNS)
    if unknown:
        raise ValueError(
            f"unknown group column(s) {sorted(unknown)}; groups are "
            f"{', '.join(measures.BREAKDOWN_COLUMNS)}"
        )
    return [c for c in measures.BREAKDOWN_COLUMNS if c in columns]


@dataclass(frozen=True)
class WaveSchools:
    """How many schools the data shown hold in each wave, in all and in both waves:
    what every sentence about schools and waves is written from (never from the
    sample's 27 and 19).

    Attributes
    ----------
    per_wave : dict
        Wave -> schools with pupils in it.
    total : int
        Schools in all (any wave).
    both : int
        Schools surveyed in every one of two waves (0 with one wave).
    """

    per_wave: Mapping[int, int]
    total: int
    both: int

    @property
    def all_in_both(self) -> bool:
        """Two waves, and every school is in both."""
        return len(self.per_wave) >= 2 and self.both == self.total

    def in_both_words(self) -> str:
        """After a count of both waves' schools together: ``"all in both waves"`` or
        ``"19 of them in both waves"`` (``"none in both waves"``)."""
        if self.all_in_both:
            return "all in both waves"
        return f"{self.both or 'none'} of them in both waves"

    def like_for_like(self) -> str:
        """What comparing the waves in all schools means here (plain text)."""
        if len(self.per_wave) < 2:
            return ""
        if self.all_in_both:
            return (
                f"All {self.total} schools were surveyed in both waves, so all schools "
                "and like for like are the same schools."
            )
        (w1, n1), (w2, n2) = list(sorted(self.per_wave.items()))[:2]
        more = ("fewer" if n2 < n1 else "more") if n1 != n2 else "as many"
        return (
            f"Wave {w2} surveyed {more} schools than wave {w1} ({n2} against {n1}; "
            f"{self.both or 'none'} in both waves), so a change between waves in all "
            "schools mixes a change in answers with a change in which schools answered: "
            "choose only the schools surveyed in both waves to compare like with like. "
            "Every chart's title says which schools it uses."
        )


class Results:
    """The tables a dashboard reads. Subclasses: :class:`LiveResults`,
    :class:`dashboards.bundle.BundleResults`.

    Attributes
    ----------
    published : bool
        True for a publication bundle: the page is public and read-only (no
        upload, no school-level view unless the bundle has one).
    rules : analysis.disclosure.DisclosureRules
        The thresholds the tables were marked or protected with.
    has_distributions : bool
        Whether :meth:`shares` carries the four-point distributions
        (``measure == "distribution"``) and the qualification-aim categories
        (``measure == "aim"``) besides the shares agreeing.
    """

    published: bool = False
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules()
    has_distributions: bool = True

    # -- to implement -----------------------------------------------------

    def shares(self, by: Sequence[str] = (), blocks: Sequence[str] | None = None) -> pd.DataFrame:
        """Share rows (and distribution/aim rows if :attr:`has_distributions`)
        of every item of ``blocks`` (default: all), broken down by ``by``
        (any of :data:`GROUPS`), all schools, marked. Group columns come
        first, in :func:`ordered` order."""
        raise NotImplementedError

    def comparisons(
        self, measure: str, blocks: Sequence[str] | None = None, schools: str = "all"
    ) -> pd.DataFrame:
        """The standard comparison ``measure`` (a key of :data:`COMPARISONS`),
        broken down by ``COMPARISONS[measure]``, for ``schools`` ``"all"`` or
        ``"common"`` (schools surveyed in both waves; only for
        ``change_waves``, ``cohort`` and the ``…_change_waves`` gap changes),
        marked. Benjamini-Hochberg is over each block of the table."""
        raise NotImplementedError

    def levels(self, column: str) -> list:
        """The values of a group column present in the data, in code order."""
        raise NotImplementedError

    def note(self):
        """An HTML widget saying which data the page shows."""
        raise NotImplementedError

    def school_ids(self) -> list[str]:
        """Schools a "My school" view may show (none for a bundle without one)."""
        return []

    @property
    def code_notes(self) -> tuple[str, ...]:
        """What the codebook's codes did to answers (a scale's middle answer kept
        out, answers coded as not answered), for every download of a table
        (:func:`dashboards.downloads.with_code_notes`)."""
        return ()

    # -- shared -----------------------------------------------------------

    def wave_schools(self) -> WaveSchools:
        """Schools in each wave, in all and in both waves, from the tables themselves:
        the most schools behind any share of a wave (of all pupils), and of the
        like-for-like comparison between waves."""
        if getattr(self, "_wave_schools", None) is None:
            by_wave = self.shares(["wave"])
            per_wave = {
                int(w): int(n)
                for w, n in by_wave.groupby("wave", observed=True)["n_schools"]
                .max()
                .dropna()
                .items()
            }
            total = self.shares(())["n_schools"].max()
            both = 0
            if len(per_wave) >= 2:
                common = self.comparisons("change_waves", schools="common")["n_schools"].max()
                both = int(common) if pd.notna(common) else 0
            self._wave_schools = WaveSchools(per_wave, int(total) if pd.notna(total) else 0, both)
        return self._wave_schools

    def blocks(self) -> list[schema.Block]:
        """The survey's blocks this source has figures for, in questionnaire order."""
        present = set(self.shares((), None)["block"].astype(str))
        return [b for b in schema.blocks() if b.key in present]

    def view(
        self,
        split: Sequence[str] = (),
        where: Mapping[str, object] | None = None,
        blocks: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows for the groups in ``split``, among the pupils chosen by ``where``.

        ``where`` maps group columns to one value each (``{"gender": "girl",
        "wave": 2}``); the rows come from the table by ``split`` ∪ ``where``
        (computed once and kept), filtered, with the ``where`` columns kept
        so a download says which pupils a figure describes.

        >>> r.view(["year_group"], {"gender": "girl"}, ["favourite"])  # doctest: +SKIP
        """
        where = dict(where or {})
        by = ordered([*split, *where])
        table = self.shares(by, blocks)
        keep = np.ones(len(table), dtype=bool)
        for column, value in where.items():
            keep &= (table[column].astype(object) == value).to_numpy()
        return table[keep].reset_index(drop=True)


class LiveResults(Results):
    """Tables computed from a loaded survey, once each, then kept.

    Parameters
    ----------
    survey : analysis.load.Survey
        A loaded survey (``table``, ``files``, ``notes``).
    rules : DisclosureRules
        Thresholds for :func:`mark_shares` / :func:`mark_comparisons`.
    uploaded : bool
        The survey came from files uploaded in the page (said in :meth:`note`).
    """

    published = False

    def __init__(
        self,
        survey,
        rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
        *,
        uploaded: bool = False,
    ):
        self.survey = survey
        self.rules = rules
        self.uploaded = uploaded
        self.aggregates = measures.SurveyAggregates(survey.table)
        self._shares: dict[tuple, pd.DataFrame] = {}
        self._comparisons: dict[tuple, pd.DataFrame] = {}

    def shares(self, by: Sequence[str] = (), blocks: Sequence[str] | None = None) -> pd.DataFrame:
        by = tuple(ordered(by))
        if by not in self._shares:
            agg = self.aggregates
            frame = pd.concat([agg.shares(list(by)), agg.distribution(list(by))], ignore_index=True)
            self._shares[by] = mark_shares(frame, self.rules)
        table = self._shares[by]
        if blocks is not None:
            table = table[table["block"].isin(list(blocks))].reset_index(drop=True)
        return table

    def comparisons(
        self, measure: str, blocks: Sequence[str] | None = None, schools: str = "all"
    ) -> pd.DataFrame:
        check_comparison(measure, schools)
        key = (measure, schools)
        if key not in self._comparisons:
            self._comparisons[key] = self._compute(measure, schools)
        table = self._comparisons[key]
        if blocks is not None:
            table = table[table["block"].isin(list(blocks))].reset_index(drop=True)
        return table

    def _compute(self, measure: str, schools: str) -> pd.DataFrame:
        agg, by = self.aggregates, list(COMPARISONS[measure])
        compare = measure.split("_")[0]
        if measure.endswith("_gap"):
            return mark_comparisons(agg.gaps(by, compare=compare, schools=schools), self.rules)
        if "_gap_change_" in measure:
            across = "year_group" if measure.endswith("_years") else "wave"
            r = agg.gap_change(by, compare=compare, across=across, schools=schools)
            # a change of a gap is hidden when either gap is: the gaps by the
            # same groups and the level compared
            gaps = self.comparisons(f"{compare}_gap", schools=schools)
            hidden = gaps["suppressed"].astype(str) == disclosure.CONFIDENTIAL
            keys = [*by, "item"]
            bad = set(map(tuple, gaps.loc[hidden, keys].astype(object).to_numpy().tolist()))
            parts = np.array(
                [tuple(k) in bad for k in r[keys].astype(object).to_numpy().tolist()], dtype=bool
            )
            return mark_comparisons(r, self.rules, hidden_parts=parts)
        if measure == "change_waves":
            return mark_comparisons(agg.change(by, across="wave", schools=schools), self.rules)
        if measure == "cohort":
            return mark_comparisons(agg.cohort(by, schools=schools), self.rules)
        raise AssertionError(measure)

    def levels(self, column: str) -> list:
        cells = self.aggregates.cells
        if column not in cells:
            return []
        values = cells[column].dropna()
        return sorted(pd.unique(values.astype(object)).tolist(), key=lambda v: (str(type(v)), v))

    def school_ids(self) -> list[str]:
        return [str(s) for s in self.levels("school_id")]

    def note(self):
        from . import page

        return page.source_note(self.survey, uploaded=self.uploaded)

    @property
    def code_notes(self) -> tuple[str, ...]:
        return tuple(getattr(self.survey, "code_notes", ()))


def describe(where: Mapping[str, object]) -> str:
    """Plain words for a filter: ``{"gender": "girl", "wave": 2}`` -> ``"girls, wave 2"``.

    Empty: ``"all pupils"``. Values are written with the survey's labels.
    """
    if not where:
        return "all pupils"
    groups = schema.groups()
    words = []
    for column in ordered(where):
        value = where[column]
        if column == "school_id":
            words.append(f"school {value}")
            continue
        label = groups[column].values.get(value, str(value))
        if column == "wave":
            words.append(f"wave {value}")
        elif column == "year_group":
            words.append(f"year {value}")
        else:
            words.append(str(label))
    return html.unescape(", ".join(words))
