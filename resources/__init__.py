"""Data shipped with Annotator (sample briefing, icons, stylesheet); read with importlib.resources."""
