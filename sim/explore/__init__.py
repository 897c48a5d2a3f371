"""The planners' explorer: a Solara web app over the batch and comparison functions.

:mod:`sim.explore.state` holds the logic (levers, budget, comparison, saving) without any user
interface; :mod:`sim.explore.app` the pages; :mod:`sim.explore.month` the month-by-month view in
Mesa's SolaraViz; :mod:`sim.explore.runner` starts the server (``startup-sim explore``).
"""
