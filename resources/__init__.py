"""Data shipped with Annotator (sample briefing, icons); read with importlib.resources."""
