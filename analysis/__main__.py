"""Command line: ``python -m analysis COMMAND`` (also installed as ``ks3-survey``).

Commands
--------
check FILE... [--codebook F]
    Load and validate survey files; print what was read, or every problem found.
codebook-template FILE
    Print a starter codebook for a file with its own column names.
summary FILE... [--codebook F] --out DIR [--no-disclosure] [--blocks K,...] [--stated-only]
        [--pairs ITEM:OTHER,...]
    Write every table of every block (one CSV per table, one XLSX workbook with
    a sheet per block, and a README), disclosure-controlled unless told not to.
publish FILE... [--codebook F] --out DIR [--school ID] [--distributions] [--title T]
        [--all-pupils]
    Write a publication bundle: only the disclosure-controlled tables the public
    dashboards and the static site need, no pupil row or id (analysis.publish).
pack --school ID [FILE...] [--codebook F] --out DIR [--plan PLAN] [--review REVIEW]
        [--findings ID,...] [--list-findings] [--no-pdf]
    Write one school's pack for a staff meeting: slides (pack.pptx) and a printable
    report (report.html, and report.pdf where a Chromium is found), its figures
    protected exactly as on the My school page (analysis.pack).
make-sample [--out DIR] [--large N]
    Regenerate the synthetic sample (same seed, same bytes), or write a large file
    of N pupils for benchmarks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import SurveyDataError


def _load(args: argparse.Namespace):
    """The survey in ``args.files`` (with ``args.codebook``), or None after telling why."""
    from .load import load_survey

    try:
        return load_survey(args.files, codebook=args.codebook)
    except SurveyDataError as err:
        print(f"Could not use the file(s):\n{err}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    survey = _load(args)
    if survey is None:
        return 1
    t = survey.table
    print(f"Read {', '.join(survey.files)}: {len(t)} pupils in {t['school_id'].nunique()} schools.")
    for wave, part in t.groupby("wave", observed=True):
        years = ", ".join(str(y) for y in sorted(part["year_group"].dropna().unique()))
        print(
            f"  wave {wave}: {len(part)} pupils, {part['school_id'].nunique()} schools, "
            f"year groups {years}"
        )
    print("Question blocks: " + ", ".join(b.label for b in survey.blocks))
    for note in survey.notes:
        print(f"Note: {note}")
    return 0


def _codebook_template(args: argparse.Namespace) -> int:
    from .guess import codebook_template

    try:
        print(codebook_template(args.file), end="")
    except SurveyDataError as err:
        print(str(err), file=sys.stderr)
        return 1
    return 0


def _summary(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from . import export, measures, schema
    from .disclosure import DisclosureRules
    from .workbook import summary_workbook

    survey = _load(args)
    if survey is None:
        return 1
    blocks = None
    if args.blocks:
        blocks = [b.strip() for b in args.blocks.split(",") if b.strip()]
        known = [b.key for b in schema.blocks()]
        unknown = [b for b in blocks if b not in known]
        if unknown:
            print(
                f"--blocks: no block {', '.join(unknown)}; blocks are {', '.join(known)}",
                file=sys.stderr,
            )
            return 2
    pairs = []
    for pair in filter(None, (args.pairs or "").split(",")):
        item, _, by_item = pair.strip().partition(":")
        items = {i.column: i for i in schema.items()}
        if item not in items or by_item not in items or items[item].scale == "categorical":
            print(
                f"--pairs: '{pair}' is not ITEM:OTHER_ITEM with two survey items, the first "
                "a yes/no or agreement item (e.g. consider_science:enjoy_science)",
                file=sys.stderr,
            )
            return 2
        pairs.append((item, by_item))
    population = None
    if args.stated_only:
        from .publish import published_pupils

        survey, population = published_pupils(survey)
    try:
        aggregates = measures.SurveyAggregates(survey.table)
    except ValueError as err:
        print(f"Could not use the file(s): {err}", file=sys.stderr)
        return 1
    protect = not args.no_disclosure
    rules = DisclosureRules()
    # Auditing whole answer-code distributions is exact but slow today (minutes a
    # block): under disclosure control they are written only when asked for.
    distributions = args.distributions or not protect
    if not distributions:
        print(
            "Four-point and qualification-aim distributions left out (shares agreeing "
            "are written); add --distributions to include them (slow: minutes a block).",
            file=sys.stderr,
        )
    present = [
        b
        for b in aggregates.blocks
        if (blocks is None or b.key in blocks) and (distributions or b.scale != "categorical")
    ]
    with tqdm(total=len(present), desc="blocks", unit="block", file=sys.stderr) as bar:
        tables = measures.summary_tables(
            aggregates,
            protect=protect,
            rules=rules,
            blocks=[b.key for b in present],
            distributions=distributions,
            progress=lambda key: (bar.set_postfix_str(key), bar.update(1)),
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # protected: the linked pupils' figures audited with the summary's own cross-sections
    # of the same pupils (analysis.linked.audit_for_summary)
    followed = _linked_tables(survey, aggregates, tables, rules if protect else None)
    if pairs:
        from .related import pairs_table

        # protected: each pair audited with both items' all-pupils figures (related.protect_pairs)
        followed["related_items"] = pairs_table(
            survey.table, pairs, rules if protect else None, audited=protect
        )
    readme = _summary_readme(survey, tables, protect, rules, population, followed)
    (out / "README.md").write_text("\n".join(readme) + "\n", encoding="utf-8")
    written = []
    for key, parts in tables.items():
        for kind, table in parts.items():
            written.append(export.write_csv(table, out / f"{key}_{kind}.csv"))
    for name, table in followed.items():
        written.append(export.write_csv(table, out / f"{name}.csv"))
    workbook = summary_workbook(tables, readme, out / "summary.xlsx", extra=followed)
    note = "disclosure-controlled" if protect else "NOT disclosure-controlled (internal use only)"
    print(f"wrote {len(written)} CSV tables, {workbook.name} and README.md to {out} ({note})")
    if protect:
        print(_hidden_words(tables, stated_only=bool(args.stated_only)))
    return 0


def _hidden_words(tables, stated_only: bool) -> str:
    """How many share rows disclosure control hid, and what to do when it is most."""
    shares = [parts["shares"] for parts in tables.values() if "shares" in parts]
    rows = sum(len(t) for t in shares)
    hidden = sum(int((t["suppressed"].astype(str) != "").sum()) for t in shares)
    words = f"{hidden:,} of {rows:,} share rows are hidden (c or u)."
    if rows and hidden / rows > 0.5:
        words += (
            " That is most of them: small groups (few pupils or schools) force it."
            + (
                ""
                if stated_only
                else " --stated-only leaves out the pupils whose gender "
                "or ethnicity is 'other' or not stated, the usual cause."
            )
            + " For your own internal use only, --no-disclosure shows every figure."
        )
    return words


def _linked_tables(survey, aggregates, tables, rules) -> dict:
    """The linked pupils' tables (analysis.linked) of the blocks of ``tables``, or
    none if no pupil links; with disclosure ``rules``, audited with the protected
    ``tables`` (:func:`analysis.linked.audit_for_summary`)."""
    from . import linked

    if linked.link(survey.table).empty:
        return {}
    table = linked.block_columns(survey.table, list(tables))
    result = linked.transitions(table, aggregates.cohort(fdr=False))
    versus = linked.linked_vs_not(table)
    if rules is not None:
        result, versus = linked.audit_for_summary(
            table, result, versus, linked.summary_published(tables), rules
        )
    return {"linked_pupils": result, "linked_vs_not_linked": versus}


def _summary_readme(
    survey, tables, protect: bool, rules, population=None, followed=None
) -> list[str]:
    from . import measures, schema

    lines = [
        "# KS3 STEM attitude survey: summary tables",
        "",
        f"Made by `python -m analysis summary` from {', '.join(survey.files)} "
        f"({len(survey.table)} pupils).",
        "",
    ]
    if survey.notes:
        lines += [
            "## Notes on the data",
            "",
            "What loading the files said (see docs/codebook.md): how a codebook's codes "
            "changed answers (a scale's middle answer left out of the bases, answers "
            "coded as not answered, with how many), columns left out, blocks absent.",
            "",
        ]
        lines += [f"- {note}" for note in survey.notes] + [""]
    if population:
        lines += [
            f"Written with --stated-only: the tables describe {population}, so that "
            "nothing about the other pupils can be worked out from the gender and "
            "ethnicity tables and far fewer figures need hiding.",
            "",
        ]
    from .disclosure import INTERNAL_USE, PUBLICATION, regime_sentence

    if protect:
        lines += [
            "## Disclosure control: " + PUBLICATION,
            "",
            regime_sentence(PUBLICATION, rules),
            "",
            "These tables are disclosure-controlled (analysis.disclosure, GSS guidance): a "
            f"count, its complement (base minus count) or a base under {rules.min_count:g} "
            "pupils is hidden and marked `c`, with further cells hidden so that no hidden "
            "number can be worked out from the numbers shown (all tables of a block are "
            "protected together, with the tables of the schools surveyed in both waves "
            f"that like-for-like comparisons come from); a share with a base under "
            f"{rules.min_base:g} pupils or from fewer than {rules.min_schools} schools is "
            "not shown and marked `u` (from fewer schools, protected like `c`). "
            "A comparison (gap, change) is hidden when a share it is computed from is "
            "hidden; comparisons are given to a tenth of a percentage point and their "
            "false discovery rate is controlled over the comparisons shown. Hidden rows "
            "carry no flags. Tables by school are not published here (one school per cell). "
            "The research dashboards show figures for internal use and so show some that "
            "these tables hide.",
            "",
        ]
    else:
        lines += [
            "## NOT disclosure-controlled: " + INTERNAL_USE,
            "",
            "Written with --no-disclosure: small counts are shown and pupils may be "
            "identifiable. For the researcher's own internal use only: do not publish or "
            "share these files.",
            "",
        ]
    lines += [
        "## Tables",
        "",
        "Each block has `<block>_shares.csv` and `<block>_comparisons.csv`; in "
        "`summary.xlsx` they are the sheets `<block> shares` and `<block> compared`, with "
        "headers in words, after the sheet of key findings (every comparison significant "
        "after Benjamini-Hochberg control, in a sentence with its 95% interval) and this "
        "README.",
        "",
        "Shares: one row per breakdown, group and item (`breakdown` names the grouping; "
        "group columns it does not use are empty). `measure` = `share` (ticked, or agreed: "
        "3 or 4), `distribution` (share at each code 1-4, `category`) or `aim` (share of "
        "each qualification aimed for). `n` base (pupils who answered; weighted if the "
        "file has weights), `count`, `share` (0-1), `se` school-clustered standard error, "
        "`ci_low`-`ci_high` 95% Wilson interval on the effective sample size `n_eff`, "
        "`deff` design effect, `n_schools`, `rank` within group and block (1 = most "
        f"chosen), `low_base` base under {measures.MIN_BASE:g} pupils, `suppressed`.",
        "",
        "Comparisons (percentage points): gender gaps (boys - girls) and ethnicity gaps "
        "(other ethnic groups - white British) by wave and year group; how each gap "
        "changes from year 7 to year 9 and from wave 1 to wave 2 (for all schools and "
        "like for like); change between waves by "
        "year group for all schools and like for like (`schools` = `common`: only the "
        "schools surveyed in both waves); the cohort view (year 7 in wave 1 against year 9 "
        "in wave 2). `t` on schools - 1 degrees of freedom.",
        "",
        "Multiple testing: `q_value` and `significant_fdr` are Benjamini-Hochberg "
        "adjusted (false discovery rate 5%) over the family named in `fdr_family`: every "
        "test of one measure in one block. Judge a gap by its q-value, not its p-value, "
        "when looking across many items.",
        "",
        "Blocks: " + ", ".join(f"{schema.block(k).label} (`{k}`)" for k in tables),
    ]
    if followed and "linked_pupils" in followed:
        from . import linked

        lines += [
            "",
            "## Linked pupils",
            "",
            linked.summary_note(survey.table),
            "",
            "`linked_pupils.csv` (sheet `Linked pupils`): for every item, over the linked "
            "pupils who answered it both times (`n`): `yes_both` (yes, ticked or agreed, in "
            "year 7 and in year 9), `gained` (no, then yes), `lost` (yes, then no), `never`; "
            "`share_7`, `share_9` the linked pupils' shares; `change_pp` the paired change "
            "(share_9 - share_7 = (gained - lost) / n, percentage points) with its "
            "school-clustered standard error and 95% interval (schools of year 7, t on "
            "schools - 1 degrees of freedom); `cohort_pp` the cross-sectional cohort figure "
            "(all year 9 pupils of 2010 - all year 7 pupils of 2008, as in the comparisons) "
            "and `linked_minus_cohort_pp` how far the paired change is from it. Counts of "
            "pupils, unweighted.",
            "",
            "`linked_vs_not_linked.csv` (sheet `Linked vs not linked`): the year 7 pupils of "
            "2008 who linked against those who did not (left, absent in 2010, a new id), "
            "item by item, to judge whether the linked pupils are typical.",
        ]
        if protect:
            lines += [
                "",
                "Disclosure control: the linked pupils' figures are audited together with "
                "what the tables above publish of the same pupils (analysis.linked."
                "audit_for_summary): every pupil who answered an item in year 7 of 2008 or "
                "year 9 of 2010 counts once, in a transition cell, as a linked pupil who "
                "answered in year 7 only, as a year 7 pupil who did not link, or as another "
                "year 9 pupil; the transition cells, their base, the linked and not-linked "
                "year 7 counts and the two cross-sections (base and count yes) are sums of "
                "those, protected as one distribution by analysis.disclosure.protect. A "
                f"count, complement or base under {rules.min_count:g} pupils is hidden (c), "
                "and so is every cell that would give a hidden one back by subtraction; "
                f"shares on fewer than {rules.min_base:g} pupils or "
                f"{rules.min_schools} schools are not shown (u). Where a transition cell is "
                "hidden, the item's linked shares and paired change are hidden too; "
                "q-values are over the items shown. Where the tables above hide an item's "
                "year 7 (2008) or year 9 (2010) figure, nothing linked of that item is "
                "shown (it would narrow what they hide).",
            ]
    if followed and "related_items" in followed:
        lines += [
            "",
            "## Items related to each other",
            "",
            "`related_items.csv` (sheet `Related items`): for each pair asked for with "
            "--pairs ITEM:OTHER, ITEM's share (ticked, or agreed: 3 or 4) among the pupils "
            "who gave each answer to OTHER, with school-clustered 95% intervals, and a "
            "Rao-Scott first-order corrected chi-square of ITEM's share being the same "
            "whatever the answer (`rao_scott_F` on `df1`, `df2` degrees of freedom, "
            "`rao_scott_p`; `design_effect` the mean generalised design effect dividing "
            "Pearson's `pearson_chi2`). All pupils of the file; see analysis/related.py.",
        ] + (
            [
                "",
                "Disclosure control: each pair is audited with the figures published "
                "beside it (analysis.related.protect_pairs): ITEM's share among all pupils, "
                "with the pair's cells, the pupils who answered ITEM but not OTHER being a "
                "group of their own that is never shown; and OTHER's own answers against the "
                "pair's bases. A cell is hidden (c) or not shown (u) as in the tables above "
                f"(counts, complements and bases under {rules.min_count:g} pupils, bases under "
                f"{rules.min_base:g} pupils or from fewer than {rules.min_schools} schools), and "
                "so are the cells that would give a hidden one back. Where a figure already "
                "published above or OTHER's side would need hiding, the pair is hidden whole. "
                "The test is given only for a pair with no hidden cell.",
            ]
            if protect
            else []
        )
    return lines


def _publish(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from . import measures
    from .publish import DEFAULT_TITLE, build_bundle

    survey = _load(args)
    if survey is None:
        return 1
    if not args.distributions:
        print(
            "Four-point and qualification-aim distributions left out (shares agreeing "
            "are published); add --distributions to include them (slow: minutes a block).",
            file=sys.stderr,
        )
    try:
        present = measures.SurveyAggregates(survey.table).blocks
    except ValueError as err:
        print(f"Could not use the file(s): {err}", file=sys.stderr)
        return 1
    total = len([b for b in present if args.distributions or b.scale != "categorical"])
    try:
        with tqdm(total=total, desc="blocks", unit="block", file=sys.stderr) as bar:
            out = build_bundle(
                survey,
                args.out,
                school=args.school,
                school_label=args.school_label,
                requested_by=args.requested_by or "",
                distributions=args.distributions,
                title=args.title or DEFAULT_TITLE,
                stated_only=args.stated_only,
                progress=lambda key: (bar.set_postfix_str(key), bar.update(1)),
                withdraw_earlier=args.withdraw_earlier,
            )
    except SurveyDataError as err:
        print(f"Nothing was published:\n{err}", file=sys.stderr)
        return 1
    school = (
        f", with the view of school {args.school} as {args.school_label!r}" if args.school else ""
    )
    who = "every pupil"
    if args.stated_only:
        from .publish import population_difference, published_pupils

        median, largest = population_difference(survey, published_pupils(survey)[0])
        who = (
            "only the pupils who stated their gender (girl or boy) and ethnicity "
            "(--all-pupils publishes everyone, with far more figures hidden). Their "
            f"shares differ from every pupil's by {median:.2f} percentage points at the "
            f"median and {largest:.2f} at most (all pupils and each wave x year group; "
            "this comparison is not in the bundle)"
        )
    print(
        f"wrote the publication bundle to {out}{school} (disclosure-controlled; no pupil "
        f"rows or ids). It describes {who}."
    )
    return 0


def _pack(args: argparse.Namespace) -> int:
    from .pack import PackError, make_pack
    from .pack.content import findings_listing
    from .pack.report import write_pack

    try:
        from dashboards import data, my_school, pack_panel, results
    except ImportError as err:  # the dashboards extra is not installed
        print(
            f"pack needs the dashboards' packages ({err}): install the project with "
            "its [dashboards] extra.",
            file=sys.stderr,
        )
        return 1
    args.files = [*args.files, *(args.data or [])] or [str(f) for f in data.SAMPLE_FILES]
    survey = _load(args)
    if survey is None:
        return 1
    plan = review = None
    try:
        if args.review:
            from .manager.files import load_review
            from .manager.framework import configured_framework

            review = load_review(args.review, configured_framework())
        if args.plan:
            from .planner.files import load_plan

            plan = load_plan(args.plan)
    except SurveyDataError as err:
        print(f"Could not use the file:\n{err}", file=sys.stderr)
        return 1
    view = my_school.MySchool(results.LiveResults(survey))
    if str(args.school) not in view.schools:
        print(
            f"--school: no school '{args.school}' in {', '.join(survey.files)}; schools are "
            f"{', '.join(view.schools)}",
            file=sys.stderr,
        )
        return 2
    school = pack_panel.school_data(view, str(args.school))
    ids = [i.strip() for i in (args.findings or "").split(",") if i.strip()]
    try:
        pack = make_pack(school, finding_ids=ids or None, plan=plan, review=review)
    except PackError as err:
        print(f"--findings: {err}", file=sys.stderr)
        return 2
    if args.list_findings:
        print(findings_listing(pack.candidates))
        return 0
    if not args.out:
        print("pack: give --out DIR (or --list-findings)", file=sys.stderr)
        return 2
    try:
        written = write_pack(pack, args.out, pdf=not args.no_pdf)
    except (OSError, ValueError) as err:
        print(f"--out: could not write the pack: {err}", file=sys.stderr)
        return 1
    for key in ("pptx", "html", "pdf"):
        if key in written:
            print(f"Wrote {written[key]}")
    if "pdf_note" in written:
        print(written["pdf_note"], file=sys.stderr)
    return 0


def _make_sample(args: argparse.Namespace) -> int:
    from . import synthetic

    if args.large:
        # Benchmark files go to the git-ignored data/sample/large/ unless --out says otherwise.
        path = synthetic.write_large(
            Path(args.out) / f"ks3_survey_{args.large}.csv" if args.out else None,
            n_pupils=args.large,
        )
        print(f"wrote {path}")
    else:
        out = args.out or synthetic.SAMPLE_DIR
        synthetic.write_sample(out)
        print(f"wrote the sample to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="load and validate survey files")
    p.add_argument(
        "files", nargs="+", help="survey files (CSV, XLSX, SAV, DTA, Parquet), one a wave"
    )
    p.add_argument("--codebook", help="codebook YAML mapping your columns onto the survey's")
    p.set_defaults(run=_check)

    p = sub.add_parser("codebook-template", help="print a starter codebook for a file")
    p.add_argument("file")
    p.set_defaults(run=_codebook_template)

    p = sub.add_parser("summary", help="write every table of every block (CSV, XLSX)")
    p.add_argument("files", nargs="+", help="survey files, one a wave")
    p.add_argument("--codebook", help="codebook YAML mapping your columns onto the survey's")
    p.add_argument("--out", required=True, help="folder to write the tables into")
    p.add_argument(
        "--no-disclosure",
        action="store_true",
        help="skip disclosure control (a researcher's own internal use only)",
    )
    p.add_argument("--blocks", help="comma-separated block keys (default: every block)")
    p.add_argument(
        "--distributions",
        action="store_true",
        help="with disclosure control, also write the answer-code distributions "
        "(slow today: minutes a block)",
    )
    p.add_argument(
        "--stated-only",
        action="store_true",
        help="only the pupils who stated their gender (girl or boy) and ethnicity, "
        "as publication bundles do: far fewer figures hidden",
    )
    p.add_argument(
        "--pairs",
        metavar="ITEM:OTHER,...",
        help="items related to each other: each ITEM's share by the answer to "
        "OTHER, with a Rao-Scott test (e.g. consider_science:enjoy_science)",
    )
    p.set_defaults(run=_summary)

    p = sub.add_parser("publish", help="write a publication bundle for the public dashboards")
    p.add_argument("files", nargs="+", help="survey files, one a wave")
    p.add_argument("--codebook", help="codebook YAML mapping your columns onto the survey's")
    p.add_argument(
        "--out", required=True, help="the bundle's folder (new, empty, or a bundle to replace)"
    )
    p.add_argument(
        "--school",
        metavar="ID",
        help="publish the 'My school' view of this one school (under a pseudonym)",
    )
    p.add_argument(
        "--school-label",
        default="School A",
        help="the pseudonym the named school is shown as (default: School A)",
    )
    p.add_argument("--requested-by", help="who asked for the school's view (kept in the manifest)")
    p.add_argument(
        "--distributions",
        action="store_true",
        help="also publish answer-code distributions (slow: minutes a block)",
    )
    p.add_argument("--title", help="title of the publication, shown on the public pages")
    p.add_argument(
        "--withdraw-earlier",
        action="store_true",
        help="the earlier bundle of this survey describing other pupils was never "
        "released or has been taken down: publish this one instead",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument(
        "--stated-only",
        dest="stated_only",
        action="store_true",
        default=True,
        help="(the default) publish only the pupils who stated their gender "
        "(girl or boy) and ethnicity, so nothing about the others can be "
        "worked out and few figures need hiding (see docs/publishing.md)",
    )
    who.add_argument(
        "--all-pupils",
        dest="stated_only",
        action="store_false",
        help="publish every pupil: most gender and ethnicity figures are then "
        "hidden (about 80%% of share rows on the sample)",
    )
    p.set_defaults(run=_publish)

    p = sub.add_parser("pack", help="write one school's slides and printable report")
    p.add_argument("files", nargs="*", help="survey files, one a wave (default: the sample)")
    p.add_argument("--data", action="append", metavar="FILE", help="a survey file (repeatable)")
    p.add_argument("--codebook", help="codebook YAML mapping your columns onto the survey's")
    p.add_argument("--school", required=True, metavar="ID", help="the school's id in the files")
    p.add_argument("--out", help="folder to write pack.pptx, report.html and report.pdf into")
    p.add_argument("--plan", help="the school's STEM plan (JSON or CSV from the Planner)")
    p.add_argument("--review", help="the school's STEM review (JSON or CSV from the Manager)")
    p.add_argument(
        "--findings",
        metavar="ID,...",
        help="the findings to show, by id (see --list-findings); default: the strongest clear ones",
    )
    p.add_argument(
        "--list-findings",
        action="store_true",
        help="print every candidate finding with its id, strongest first, and stop",
    )
    p.add_argument("--no-pdf", action="store_true", help="do not try to print a PDF")
    p.set_defaults(run=_pack)

    p = sub.add_parser("make-sample", help="regenerate the synthetic sample")
    p.add_argument(
        "--out",
        help="folder to write to (default: data/sample/, or data/sample/large/ with --large)",
    )
    p.add_argument("--large", type=int, metavar="N", help="write a large file of N pupils instead")
    p.set_defaults(run=_make_sample)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
