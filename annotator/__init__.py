"""Annotator: tag claims, assessments and figures in briefings, offline."""

__version__ = "0.1.0"
