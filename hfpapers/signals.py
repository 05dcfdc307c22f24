"""Signals of our own, sent with ``crawler.signals.send_catch_log``.

How a list's fate travels during the crawl: as data, to the `RunLedger`
(ledger.py), which owns the run record. Nobody learns a list's outcome from
the log. At the end the ledger calls the writer, the summaries cache and the
publisher itself and reads what they return: no signal goes there and back.
"""

# A list was read and holds no papers (a weekend): nothing to write. Args: period.
list_empty = object()
# Something went wrong for one list: it is not written, its existing files stay as
# they were. Args: period, reason (one line), exc_info (optional: a traceback is logged).
# The ledger logs the one ERROR line for it.
list_failed = object()
# The run was stopped (or its deadline was near) before these lists' Hugging Face requests
# were sent; the spider warns once for all of them. Args: periods, why (for their outcome).
lists_not_asked = object()
