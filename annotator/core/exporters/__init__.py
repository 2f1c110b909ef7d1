"""One module per export format, all fed by `annotator.core.dataset`."""
