"""The run report: one log block at the end of every run, from the stats and the record,
and the run's last line."""

from __future__ import annotations

import io
import logging
from typing import Any

from scrapy.statscollectors import StatsCollector

from hfpapers.outcome import RECORD_PREFIX, STATUSES, RunRecord

logger = logging.getLogger(__name__)

FIGURES = (
    ("papers found", "papers/found"),
    ("papers of another day, dropped", "papers/other_day"),
    ("bad entries, dropped", "papers/dropped"),
    ("invalid papers, dropped", "papers/invalid"),
    ("duplicates merged", "papers/duplicates"),
    ("papers posted", "papers/posted"),
    ("abstracts from the arXiv API", "papers/abstract_from/arxiv_api"),
    ("abstracts from arXiv pages", "papers/abstract_from/arxiv_abs"),
    ("Hugging Face abstract only", "papers/abstract_from/huggingface"),
    ("arXiv data kept from the earlier post", "papers/arxiv_from_earlier_run"),
    ("Hugging Face requests", "hfpapers/requests/hf_page"),
    ("Hugging Face API requests", "hfpapers/requests/hf_api"),
    ("Hugging Face requests tried", "hfpapers/tried/huggingface"),
    ("arXiv API requests", "hfpapers/requests/arxiv_api"),
    ("arXiv API requests tried", "hfpapers/tried/arxiv-api"),
    ("arXiv page requests", "hfpapers/requests/arxiv_abs"),
    ("arXiv page requests tried", "hfpapers/tried/arxiv-abs"),
    ("arXiv pages failed", "hfpapers/arxiv_abs_failed"),
    ("Korean summaries written", "hfpapers/summaries/new"),
    ("Korean summary requests tried", "hfpapers/tried/summary"),
    ("Korean summaries from the cache", "hfpapers/summaries/cached"),
    ("Korean summaries missing", "hfpapers/summaries/failed"),
    ("retries", "retry/count"),
)


def log_run_report(stats: StatsCollector, record: RunRecord) -> None:
    """The figures, each list's outcome, and the record as one JSON line."""
    rows = [(label, stats.get_value(key, 0)) for label, key in FIGURES]
    rows += [(f"lists {status}", record.count(status)) for status in STATUSES]
    rows.append(("files written", sum(len(o.files) for o in record.lists)))
    rows.append(("git commits", sum(bool(o.commit) for o in record.lists)))
    width = max(len(label) for label, _ in rows)
    lines = [f"  {label:<{width}}  {value}" for label, value in rows]
    lines += [f"  wrote {path}" for outcome in record.lists for path in outcome.files]
    lines += [f"  {o.key}: {o.status}: {o.reason}" for o in record.lists if o.reason]
    logger.info("Run report (%s):\n%s", record.finish_reason, "\n".join(lines))
    # Machine-readable, for whoever reads only the log (a Scrapyd job, a backfill report).
    log_always(logging.INFO, "%s%s", RECORD_PREFIX, record.to_json())


def log_outcome(record: RunRecord | None, why_not: str = "") -> None:
    """The run's last line: ``Run outcome: ok``, ``ok, without Korean summaries for …`` or
    ``ok, 2026-02-18: 13 papers keep the earlier post's arXiv data …`` (no failure, but
    said), or ``failed (…)`` naming each failed list; without a record, ``why_not`` says
    why the crawl never got to its end (the error that kept it from starting)."""
    notes = [*record.notes(), record.without_summaries()] if record is not None else []
    if record is None:
        log_always(logging.ERROR, "Run outcome: failed (%s)", why_not or "the crawl never got to its end")
    elif record.ok and any(notes):
        log_always(logging.WARNING, "Run outcome: ok, %s", "; ".join(note for note in notes if note))
    elif record.ok:
        log_always(logging.INFO, "Run outcome: ok")
    else:
        # WARNING, not ERROR: the failures were logged as errors where they happened.
        log_always(logging.WARNING, "Run outcome: failed (%s)", "; ".join(record.problems()))


def log_always(level: int, msg: str, *args: Any) -> None:
    """Log a line that must be in every log, at any LOG_LEVEL, named by ``level``.

    A log set to show only errors (LOG_LEVEL=ERROR) would drop an INFO line, and one logged
    at ERROR would make a good run read as an error to anyone who greps. So the line goes
    out at ``level`` or at the lowest level every handler shows, whichever is higher, and
    keeps the name of ``level``: ``INFO: Run outcome: ok`` in a log at ERROR.
    """
    passing = max(level, _lowest_level_shown(logger))
    if not logger.isEnabledFor(passing):  # logging.disable() of everything up to CRITICAL
        return
    filename, lineno, func, _ = logger.findCaller(stacklevel=2)
    line = logger.makeRecord(logger.name, passing, filename, lineno, msg, args, None, func)
    line.levelname = logging.getLevelName(level)
    logger.handle(line)


def _lowest_level_shown(log: logging.Logger) -> int:
    """The lowest level that the logger and every handler its lines reach let through."""
    level = log.getEffectiveLevel()
    current: logging.Logger | None = log
    while current is not None:
        level = max([level, *(handler.level for handler in current.handlers)])
        current = current.parent if current.propagate else None
    return level


# How a log writes a character its encoding cannot hold: as Python's own stderr does.
ESCAPED = "backslashreplace"


def escape_what_logs_cannot_encode() -> None:
    """Make every handler of the root logger write a character its encoding cannot hold as a
    backslash escape, instead of dropping the whole line.

    Text from the web may hold one: JSON's ``"\\ud800"`` is a lone surrogate, which no UTF-8
    file can hold. Python's stderr escapes it; a LOG_FILE (as under Scrapyd) is opened
    strict, and logging would print ``--- Logging error ---`` and lose the line, be it a
    warning, a traceback or the run record.
    """
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.errors = ESCAPED  # for the file opened again after a close
        stream = getattr(handler, "stream", None)
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=ESCAPED)
