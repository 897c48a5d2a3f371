"""Experiments: the pure simulate() entry point, outcomes and batches of paired replications."""
