"""A STEM lead's pack: one school's findings, STEM plan and review as slides and a report.

- :mod:`.findings`: the school against the other schools (and its change between
  waves against theirs), from the My school page's protected tables, as plain
  sentences with intervals, strongest first;
- :mod:`.content`: what a pack says (:func:`make_pack`), shared by slides and report;
- :mod:`.shapes`: the clock-face and the hexagon as polygons (native slide shapes, SVG);
- :mod:`.slides`: the PowerPoint file (python-pptx), native charts and shapes, speaker notes;
- :mod:`.report`: the printable HTML report, and its PDF where a Chromium is found.

No widgets here; ``dashboards.pack_panel`` makes a pack from the My school page.
"""

from .content import Pack, PackError, SchoolData, make_pack

__all__ = ["Pack", "PackError", "SchoolData", "make_pack"]
