"""The project's own exceptions: each speaks to the person who brought the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``rows`` are row numbers as a person sees them when opening the file: in
    CSV and Excel files row 1 is the header and row 2 the first pupil; in SPSS,
    Stata and Parquet files the first pupil is case 1. At most a few (the first 5).
    """

    file: str
    what: str
    todo: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    n_rows: int = 0  # how many rows in all have this problem

    def __str__(self) -> str:
        where = [self.file]
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = (
                f" and {self.n_rows - len(self.rows)} more" if self.n_rows > len(self.rows) else ""
            )
            where.append(f"row{'s' if self.n_rows > 1 else ''} {shown}{more}")
        return f"{': '.join(where)}: {self.what} {self.todo}".strip()


class SurveyDataError(ValueError):
    """An input file (or codebook) cannot be used as it is.

    ``problems`` lists everything found, so a person can fix it all at once.
    """

    def __init__(self, problems: Sequence[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return f"{len(self.problems)} problems:\n" + "\n".join(f"- {p}" for p in self.problems)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.file for p in self.problems))


class IdentifyingDataError(SurveyDataError):
    """The file holds a column that identifies pupils; it is refused whole."""


def display_name(path: str | Path) -> str:
    return Path(path).name
