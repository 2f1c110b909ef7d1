"""View > Annotations (issue 16): every annotation of the library in one table, filtered and
sorted in SQL (`annotator.core.annotation_table`). `model` fetches pages lazily, `filters` is
the filter bar, `window` puts them together and talks to the main window."""
