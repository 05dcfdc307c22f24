"""Signals of our own, sent with ``crawler.signals.send_catch_log``.

How a list's fate travels: as data, to the `RunLedger` (ledger.py), which
owns the run record. Nobody learns a list's outcome from the log.
"""

# A list was read and holds no papers (a weekend): nothing to write. Args: period.
list_empty = object()
# Something went wrong for one list: it is not written, its existing files stay as
# they were. Args: period, reason (one line), exc_info (optional: a traceback is logged).
# The ledger logs the one ERROR line for it.
list_failed = object()
# The existing post stays as it is, on purpose (the owner edited it): the list is not
# written, and that is no failure. Args: period, reason (one line).
list_kept = object()
# The spider closed and the ledger settled the lists: install the files of ``periods``
# (the clean lists) and tell ``ledger`` what was written (`RunLedger.wrote`,
# `RunLedger.wrote_shared`); a list that cannot be written sends list_failed.
# Args: ledger, periods.
write_lists = object()
# The run's files are in place (or left alone). Args: record (a RunRecord), read only;
# a handler answers with a `ledger.Published` (the publisher: its commits, or why it failed).
lists_written = object()
