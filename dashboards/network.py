"""The network lead's page: every member school's plan and review side by side.

Only a network's lead reaches it: on a network's hub (:mod:`dashboards.hub`)
only the lead's own server has the page, and the page itself asks who is
looking when they arrive (:func:`dashboards.identity.on_arrival`) and shows
anyone else (a school lead, a colleague, a researcher, anyone on a personal
server) a refusal, whatever their browser sends. The figures come from
:mod:`analysis.network`, read from the network's store (``KS3_STORE``) for
the member schools of the hub's ``network.json`` (``KS3_HUB_DIR``).

Everything is a table with a caption and header cells, under a few plain
sentences; there is no chart.
"""

from __future__ import annotations

import html
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from analysis import network, settings
from analysis.manager.framework import Framework, configured_framework
from analysis.store import Store

from . import identity, page

#: What anyone but the network lead sees.
REFUSAL = (
    "This page is for the network's lead only: it shows every member school's plans "
    "and reviews. Your own school's plans and reviews are in the STEM Planner and the "
    "STEM Manager."
)


def member_schools(environ=None) -> list[str] | None:
    """The member school ids of the hub's network (``KS3_HUB_DIR``); ``None`` off a hub."""
    folder = settings.named(settings.HUB_DIR, environ)
    if not folder:
        return None
    from .hub import read_network

    return sorted(read_network(Path(folder))["schools"])


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def table_html(
    rows: pd.DataFrame,
    columns: dict[str, str],
    caption: str,
    row_header: str,
    formats: dict[str, Callable] | None = None,
) -> str:
    """``rows`` as an accessible table: ``columns`` maps column → heading (in order),
    ``row_header``'s cells are row headers, ``formats`` turns values into text."""
    formats = formats or {}
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in columns.values())
    body = []
    for record in rows.to_dict("records"):
        cells = []
        for column in columns:
            value = record.get(column)
            text = (
                "–"
                if _missing(value)
                else html.escape(formats[column](value) if column in formats else str(value))
            )
            cells.append(
                f'<th scope="row">{text}</th>' if column == row_header else f"<td>{text}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="ks3-chart-text"><table><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _percent(value) -> str:
    return f"{value:.0%}"


def view_html(documents: list[network.SchoolDocuments], framework: Framework) -> str:
    """The whole view as HTML: summary, side by side, thin spots, themes, pairs."""
    if not documents:
        return (
            "<p>No member school yet: add schools with <code>scripts/hub add-school</code>"
            ", and their plans and reviews appear here once saved.</p>"
        )
    thin = network.thin_spots(documents)
    weakest = network.weakest_themes(network.theme_table(documents, framework))
    paired = network.pairs(network.pairings(documents, framework))
    sentences = network.summary(documents, framework, thin, weakest, paired)
    parts = [
        "<h2>In short</h2><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>"
    ]
    side = network.by_school(documents, framework)
    themes = [t.title for t in framework.themes]
    parts.append(
        "<h2>Side by side</h2>"
        + table_html(
            side,
            {
                "school": "School",
                "plan": "Plan",
                "pupil_events": "Pupil events",
                "careers_linked": "Careers-linked",
                "reviewed_on": "Reviewed on",
                "overall": "All themes",
                **{t: t for t in themes},
            },
            "Each school's latest plan and review (theme scores: share of actions in place)",
            "school",
            {
                "overall": _percent,
                **{t: _percent for t in themes},
                "pupil_events": lambda v: f"{int(v)}",
                "careers_linked": lambda v: f"{int(v)}",
            },
        )
    )
    if len(thin):
        top = thin[thin["dimension"] != "year_group_subject"]
        cells = thin[(thin["dimension"] == "year_group_subject") & thin["thin"]]
        columns = {
            "label": "Where",
            "schools_active": "Schools with activity",
            "schools_with_plan": "Schools with a plan",
            "events": "Events",
            "thin": "Thin",
        }
        yes = {"thin": lambda v: "thin" if v else ""}
        parts.append(
            "<h2>Where the network is thin</h2><p class='ks3-note'>Pupil activity in fewer "
            "than half of the schools with a plan is thin (teacher planning and CPD are not "
            "counted).</p>"
            + table_html(
                top,
                columns,
                "Schools with pupil activity by year group, subject and term",
                "label",
                yes,
            )
            + f"<details><summary>Thin year group and subject pairs ({len(cells)})</summary>"
            + table_html(
                cells,
                columns,
                "Year group and subject pairs with activity in fewer than half of the schools",
                "label",
                yes,
            )
            + "</details>"
        )
    if len(weakest):
        parts.append(
            "<h2>Themes, weakest first</h2>"
            + table_html(
                weakest,
                {
                    "title": "Theme",
                    "schools": "Schools reviewed",
                    "mean_score": "Mean score",
                    "lowest": "Lowest",
                    "highest": "Highest",
                    "schools_weak": f"Schools at {network.WEAK_SCORE:.0%} or less",
                },
                "Theme scores over the schools with a review",
                "title",
                {"mean_score": _percent, "lowest": _percent, "highest": _percent},
            )
        )
    if len(paired):
        parts.append(
            "<h2>Who might pair up</h2><p class='ks3-note'>A school strong where another is "
            f"weak: a theme score of {network.STRONG_SCORE:.0%} or more beside one of "
            f"{network.WEAK_SCORE:.0%} or less; a subject planned for every year group beside "
            "a plan without it.</p>"
            + table_html(
                paired,
                {"helper": "Could help", "helped": "School", "areas": "With", "reasons": "Why"},
                "Possible pairs, most in common first",
                "helper",
            )
        )
    problems = [f"{d.school}: {p}" for d in documents for p in d.problems]
    if problems:
        parts.append(
            "<h2>Not read</h2><ul>"
            + "".join(f"<li>{html.escape(p)}</li>" for p in problems)
            + "</ul>"
        )
    return "".join(parts)


def content_for(
    visitor: identity.Visitor,
    store: Store | None = None,
    schools: Iterable[str] | None = None,
    framework: Framework | None = None,
) -> widgets.Widget:
    """What ``visitor`` sees: the view for the network lead, a refusal for anyone else."""
    if visitor.role != "network_lead":
        return page.html_widget(
            f"<div class='ks3-problem'><h2>Not for you</h2><p>{html.escape(REFUSAL)}</p></div>"
        )
    store = store if store is not None else Store()
    framework = framework or configured_framework()
    schools = member_schools() if schools is None else list(schools)
    shown = widgets.HTML()
    refresh = widgets.Button(
        description="Read again",
        icon="refresh",
        tooltip="Read every school's latest plan and review again",
    )

    def draw(_=None) -> None:
        documents = network.member_documents(store, framework, schools)
        shown.value = page.html_widget(view_html(documents, framework)).value

    refresh.on_click(draw)
    draw()
    return widgets.VBox([refresh, shown])


def build() -> widgets.Widget:
    """The page: heading, then the view once the visitor is known (a refusal for anyone
    but the network lead)."""
    body = widgets.VBox([page.loading("Opening the network view…")])

    def arrived(visitor: identity.Visitor) -> None:
        try:
            body.children = [content_for(visitor)]
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            traceback.print_exc(file=sys.__stderr__)
            body.children = [page.unexpected_message()]

    heading = page.html_widget(
        '<p class="ks3-note"><a href="index.ipynb">← All dashboards</a></p>'
        "<h1>The network</h1><p>Every member school's latest STEM plan and STEM Manager "
        "review side by side: where the network is thin (year groups, subjects and terms "
        "with little activity across schools, the weakest themes) and which schools might "
        "pair up.</p>"
    )
    return widgets.VBox([heading, identity.on_arrival(arrived), body])


def main() -> None:
    """What the notebook runs."""
    page.show(build, "Opening the network view…")
