"""Scenarios: the schema of a scenario file, the parameter registry, the outcome declarations, loading files
and editing scenarios (the lowest layer: it imports nothing of ``sim`` but the calendar).
"""
