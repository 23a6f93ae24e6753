"""The STEM Manager: a school's self-review across six themes, and its action plan.

- :mod:`.framework`: themes → objectives → actions → resources, read from
  ``framework.yml`` (or a network's own file) and checked;
- :mod:`.review`: a dated review (a status per action, owner, date, evidence,
  next step), its scores and the progress between reviews;
- :mod:`.files`: reviews as JSON (``schema_version`` 1) and CSV; the action plan;
- :mod:`.figure`: the hexagon (plotly) and its text summary;
- :mod:`.links`: what the school's STEM plan and the survey say to the review.

No widgets here; :mod:`dashboards.manager` wires these to a page.
"""
