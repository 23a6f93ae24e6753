"""What a STEM lead's pack says: the school's data, chosen findings, plan, review, next steps.

:func:`make_pack` gathers everything the slides (:mod:`.slides`) and the
printable report (:mod:`.report`) draw, so the two say the same thing. Its
input, :class:`SchoolData`, is the My school page's own disclosure-controlled
tables (one per block, every wave and year group), so nothing the page hides
can reach the pack: the pack reads only ``share``, ``ci_low``, ``ci_high``,
``n`` and ``n_schools`` of rows whose ``suppressed`` is empty, and says the
hidden ones are hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analysis import disclosure

from . import findings as found

#: How many findings a pack shows when none are chosen.
DEFAULT_FINDINGS = 6


class PackError(ValueError):
    """A pack cannot be made as asked (an unknown finding id, a school with no rows)."""


@dataclass
class SchoolData:
    """One school's My school tables and the words that go with them.

    Attributes
    ----------
    school_id : str
        The school as the page names it (an id, or a bundle's pseudonym).
    name : str
        How the pack says it: ``"School S13"``.
    tables : dict of block key to DataFrame
        The page's protected table per block (``dashboards.my_school.COLUMNS``),
        every wave and year group.
    survey_text : str
        Who was surveyed in all, pupils rounded: ``"Wave 1 (2008): about 4,070
        pupils in 27 schools; …"``.
    source : str
        Where the data come from (file names, or "the synthetic sample").
    rules : DisclosureRules
    """

    school_id: str
    name: str
    tables: dict[str, pd.DataFrame]
    survey_text: str
    source: str
    rules: disclosure.DisclosureRules = field(default_factory=disclosure.DisclosureRules)


@dataclass
class Pack:
    """Everything a pack shows (see :func:`make_pack`)."""

    school: SchoolData
    candidates: pd.DataFrame
    chosen: pd.DataFrame
    changes: pd.DataFrame
    hidden: pd.DataFrame
    bases: pd.DataFrame
    plan: object | None = None
    balance: object | None = None
    review: object | None = None
    framework: object | None = None
    scores: object | None = None
    next_steps: list[str] = field(default_factory=list)
    made_on: date = field(default_factory=date.today)


def bases(school: SchoolData) -> pd.DataFrame:
    """Who was surveyed, by wave and year group, from the page's shown bases.

    Columns ``wave, year_group, school_pupils, other_pupils, n_schools``: the
    largest shown base over the questions (pupils who answered), NaN where
    every base of the school is hidden or the school has no pupils there.
    """
    frames = [t for t in school.tables.values() if len(t)]
    if not frames:
        return pd.DataFrame(
            columns=["wave", "year_group", "school_pupils", "other_pupils", "n_schools"]
        )
    t = pd.concat(frames, ignore_index=True)
    this = t[t["school"] == disclosure.THIS_SCHOOL]
    other = t[t["school"] == disclosure.OTHER_SCHOOLS]
    keys = ["wave", "year_group"]
    out = (
        this.groupby(keys)["n"]
        .max()
        .rename("school_pupils")
        .to_frame()
        .join(other.groupby(keys)["n"].max().rename("other_pupils"), how="outer")
        .join(other.groupby(keys)["n_schools"].max().rename("n_schools"), how="outer")
        .reset_index()
    )
    out = out[out["school_pupils"].fillna(0) > 0].reset_index(drop=True)
    return out


def choose(
    candidates: pd.DataFrame, ids: Sequence[str] | None, n: int = DEFAULT_FINDINGS
) -> pd.DataFrame:
    """The findings the pack shows: those named by ``ids`` (in that order), or the
    ``n`` strongest clear ones (see :mod:`.findings`)."""
    if ids:
        known = dict(zip(candidates["id"], range(len(candidates))))
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise PackError(
                f"no finding {', '.join(unknown)} for this school; list them with "
                "--list-findings (ids such as " + ", ".join(list(known)[:3]) + ")."
            )
        return candidates.iloc[[known[i] for i in ids]].reset_index(drop=True)
    return candidates[candidates["clear"].astype(bool)].head(n).reset_index(drop=True)


def next_steps(pack: Pack) -> list[str]:
    """A few plain next steps from what the pack found (findings, plan, review)."""
    steps = []
    clear = pack.chosen["clear"].astype(bool)
    lower = pack.chosen[clear & (pack.chosen["difference_pp"] < 0)]
    for r in lower.head(2).itertuples():
        steps.append(
            f"Ask year {r.year_group} pupils and their teachers why fewer of them "
            f"{found.what_text(r.block, r.label)} than in the other schools "
            f"({found.points(r.difference_pp)} lower), and plan activity for it."
        )
    higher = pack.chosen[clear & (pack.chosen["difference_pp"] > 0)]
    if len(higher):
        r = higher.iloc[0]
        steps.append(
            f"Keep what works: more of year {r.year_group} "
            f"{found.what_text(r.block, r.label)} than in the other schools; share how "
            "with colleagues."
        )
    if pack.balance is not None:
        steps += [f"STEM plan: {w}" for w in pack.balance.warnings[:3]]
    if pack.scores is not None:
        themes = pack.scores.themes
        if len(themes):
            weak = themes.sort_values("score", kind="stable").iloc[0]
            steps.append(
                f"STEM review: {weak.title} is the weakest theme "
                f"({weak.score:.0%} of its actions in place); agree who leads its "
                "next action and by when."
            )
    steps.append("Survey the same year groups again next year to see whether things change.")
    return steps


def make_pack(
    school: SchoolData,
    *,
    finding_ids: Sequence[str] | None = None,
    n_findings: int = DEFAULT_FINDINGS,
    plan=None,
    review=None,
    framework=None,
    made_on: date | None = None,
) -> Pack:
    """Gather a pack (see the module notes).

    Parameters
    ----------
    school : SchoolData
    finding_ids : sequence of str, optional
        The findings to show, by id (:func:`analysis.pack.findings.school_findings`);
        by default the ``n_findings`` strongest clear ones.
    plan : analysis.planner.Plan, optional
        The school's STEM plan (its clock-face and balance); by default the
        review's linked plan, if any.
    review : analysis.manager.review.Review, optional
        The school's STEM review (the hexagon and the action plan).
    framework : analysis.manager.framework.Framework, optional
        The review's framework (the default one if not given).
    """
    if not any(len(t) for t in school.tables.values()):
        raise PackError(f"{school.name} has no figures in these data.")
    candidates = found.school_findings(school.tables, school.name)
    pack = Pack(
        school=school,
        candidates=candidates,
        chosen=choose(candidates, finding_ids, n_findings),
        changes=found.change_findings(school.tables, school.name),
        hidden=found.hidden_rows(school.tables, school.name, school.rules),
        bases=bases(school),
        made_on=made_on or date.today(),
    )
    if review is not None:
        from analysis.manager.framework import configured_framework
        from analysis.manager.review import scores

        framework = framework or configured_framework()
        pack.review, pack.framework = review, framework
        pack.scores = scores(review, framework)
        if plan is None:
            plan = review.plan
    if plan is not None:
        from analysis.planner.balance import balance

        pack.plan, pack.balance = plan, balance(plan)
    pack.next_steps = next_steps(pack)
    return pack


def findings_listing(candidates: pd.DataFrame) -> str:
    """The candidate findings as lines ``id  ±d points [low, high]  clear  sentence``."""
    lines = []
    for r in candidates.itertuples():
        lines.append(
            f"{r.id:32s} {r.difference_pp:+5.0f} points "
            f"[{r.low_pp:+.0f}, {r.high_pp:+.0f}] "
            f"{'clear   ' if r.clear else 'unclear '} {r.sentence}"
        )
    return "\n".join(lines)
