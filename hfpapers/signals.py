"""Signals of our own, sent with ``crawler.signals.send_catch_log``."""

# A list was read and holds no papers (a weekend): nothing to write. Args: period.
list_empty = object()
# The run's files are in place (or left alone). Args: record (a RunRecord),
# which handlers may add to (the publisher records its commits and failures).
lists_written = object()
