"""Scenarios: the schema of a scenario file, the parameter registry, loading files and editing scenarios."""
