"""My school's "Make a pack": the school's findings, plan and review as slides and a report.

:func:`school_data` hands :mod:`analysis.pack` the page's own protected tables
(:meth:`dashboards.my_school.MySchool.school_block`, one per block), so the
pack shows exactly what the page may show. The command line
(``python -m analysis pack``) makes the same :class:`~dashboards.my_school.MySchool`
and calls the same function.
"""

from __future__ import annotations

from analysis.pack.content import SchoolData

from .my_school import MySchool, school_name


def survey_text(results) -> str:
    """Who was surveyed in all, pupils rounded to 10 (a bundle: its manifest's words)."""
    if getattr(results, "survey", None) is not None:
        from analysis.publish import source_text

        return source_text(results.survey.table)
    return str(getattr(results, "manifest", {}).get("source", ""))


def source_words(results) -> str:
    """Where the figures come from: the files' names, or the publication's title."""
    survey = getattr(results, "survey", None)
    if survey is not None:
        from pathlib import Path

        return ", ".join(Path(f).name for f in survey.files)
    return str(getattr(results, "manifest", {}).get("title", "a publication bundle"))


def school_data(view: MySchool, school_id: str) -> SchoolData:
    """One school's protected My school tables, every block, wave and year group."""
    if school_id not in view.schools:
        raise ValueError(f"no school '{school_id}' in these data; schools are "
                         f"{', '.join(view.schools[:10])}{' …' if len(view.schools) > 10 else ''}")
    tables = {b.key: view.school_block(school_id, b.key) for b in view.blocks}
    return SchoolData(school_id=school_id, name=school_name(school_id), tables=tables,
                      survey_text=survey_text(view.results),
                      source=source_words(view.results), rules=view.rules)
