"""Widget wiring for the Voilà dashboards in this folder.

The notebooks stay thin: each imports one module from here and calls it. The
statistics and figures live in :mod:`analysis`; this package only loads the
data once per kernel (:mod:`dashboards.data`), lays out widgets and turns
errors into plain messages (:mod:`dashboards.page`), and starts Voilà
(:mod:`dashboards.server`).
"""
