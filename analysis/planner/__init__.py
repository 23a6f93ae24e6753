"""The STEM Planner: a key stage's STEM activity over a school year, as a clock-face.

- :mod:`.model`: key-stage settings, events and plans, checked when made;
- :mod:`.files`: plans as JSON (``schema_version`` 1) and CSV;
- :mod:`.balance`: how evenly a plan spreads over subjects, years and the year;
- :mod:`.figure`: the clock-face (plotly) and a printable page of the plan;
- :mod:`.evidence`: what the survey's results say next to the plan.

No widgets here; :mod:`dashboards.planner` wires these to a page.
"""

from .files import (
    PlanFileError,
    load_plan,
    plan_from_csv,
    plan_from_json,
    plan_to_csv,
    plan_to_json,
    read_plan,
    save_plan,
)
from .model import Event, FieldProblem, KeyStage, Plan, PlanValueError

__all__ = [
    "Event",
    "FieldProblem",
    "KeyStage",
    "Plan",
    "PlanFileError",
    "PlanValueError",
    "load_plan",
    "plan_from_csv",
    "plan_from_json",
    "plan_to_csv",
    "plan_to_json",
    "read_plan",
    "save_plan",
]
