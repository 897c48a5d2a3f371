"""The planners' explorer: a Solara web app over the batch and comparison functions.

The logic, without any user interface (usable from a notebook): :mod:`sim.explore.library` (districts and
starting scenarios), :mod:`sim.explore.controls` (levers as switches and sliders),
:mod:`sim.explore.mix` (the mix, its counterfactual and budget), :mod:`sim.explore.comparison` (the paired
batch and its results), :mod:`sim.explore.saving` (the mix as a scenario file). The web app:
:mod:`sim.explore.session` (one browser session's state), :mod:`sim.explore.lever_panel`,
:mod:`sim.explore.results_view`, :mod:`sim.explore.app` (the pages); :mod:`sim.explore.month` the
month-by-month view in Mesa's SolaraViz; :mod:`sim.explore.runner` starts the server
(``startup-sim explore``).
"""
