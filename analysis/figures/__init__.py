"""Every chart of the project, drawn from the tidy result shapes.

One place to change a chart's look for every dashboard page, the downloads and
the static site:

- :mod:`~analysis.figures.style`: the palette, the font, each group's colour and label;
- :mod:`~analysis.figures.text`: the base n in words (one formatter), footer lines;
- :mod:`~analysis.figures.hidden`: hidden figures drawn as hidden, and why;
- :mod:`~analysis.figures.shares`: shares with their intervals (ranked dots,
  diverging bars of the four answers, the qualification aimed for), the one
  ranking of items (:func:`~analysis.figures.shares.rank_items`);
- :mod:`~analysis.figures.comparisons`: gaps, changes of gaps, changes between waves
  and the cohort, with intervals and significance marks;
- :mod:`~analysis.figures.school`: one school against the other schools.

The Planner's clock-face and the Manager's hexagon are drawn in
:mod:`analysis.planner.figure` and :mod:`analysis.manager.figure`, in the same style.
No widgets here: a function takes a table and returns a plotly figure.
"""
