"""Annotation files in and out of other tools: records, merge, readers by format."""
