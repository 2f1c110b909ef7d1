"""The library: documents of the open database."""
