"""Reviewing colleagues' work: review mode (panel, lanes, adjudication), the status/author
filter, agreement statistics, annotation history and merging a colleague's work."""
