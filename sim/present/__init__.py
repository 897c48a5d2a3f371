"""Presentation: figures and the HTML report."""
