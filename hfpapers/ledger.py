"""`RunLedger`: what became of each list of the run, as data (an extension, always on).

Every list a run covers ends in one `ListOutcome`. The ledger learns them
from signals, never from log records:

- ``item_scraped`` (a `PaperList` passed the pipelines: to be written),
  ``item_dropped`` (kept: the existing post is better; otherwise failed),
  ``list_empty`` (no papers), ``list_kept`` (the writer keeps a post the
  owner edited) and ``list_failed`` (anything that went wrong for one list,
  from the spider, the writer or anyone else);
- Scrapy's own ``item_error`` (a pipeline raised: that item's list failed)
  and ``spider_error`` (a callback raised: the list its request is for).

The ledger logs one ERROR per failed list (with the traceback when there is
one) and counts them. Any other ERROR in the log is one no list caused: the
``log_count/ERROR`` stat tells, and such an error fails the run, and keeps
every list from being written.

When the spider closes it settles each list, has `write_lists` sent (the
`ListWriter` installs the clean lists' files and tells back what it wrote,
the summaries cache saves itself), makes the `RunRecord`, sends
`lists_written` (the `GitPublisher` commits and answers with what it did),
sets the ``hfpapers/outcome`` stat and logs the run summary. Commands and
tests read the record from one place: ``RunLedger.of(crawler).record``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from hfpapers import signals as our_signals
from hfpapers.items import PaperList
from hfpapers.outcome import EMPTY, FAILED, KEPT, WRITTEN, ListOutcome, RunRecord
from hfpapers.periods import Period
from hfpapers.run_summary import log_run_summary

logger = logging.getLogger(__name__)


class _RobotsTxtWarning(logging.Filter):
    """A robots.txt that cannot be fetched hurts no list: Scrapy goes on as if it
    allowed everything. So its error is one warning line, without a traceback,
    and no error of the run's."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


_ROBOTS_WARNING = _RobotsTxtWarning()


@dataclass
class Published:
    """What the publisher did with a record (its answer to `lists_written`)."""

    commits: dict[str, str] = field(default_factory=dict)
    """List key -> the message of the commit holding its files."""
    error: str = ""
    """Why publishing failed ("" when it did not)."""


class RunLedger:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.failed: dict[Period, str] = {}
        self.passed: dict[Period, int] = {}  # lists through the pipelines -> papers
        self.kept: dict[Period, str] = {}
        self.empty: set[Period] = set()
        self.owned_errors = 0  # ERROR lines the ledger logged or Scrapy logged for a list
        # -> files, removed posts, {file: sha256 as written}, {file or post: sha256 before}
        self.written: dict[Period, tuple[list[str], list[str], dict[str, str], dict[str, str | None]]] = {}
        self.shared_files: list[str] = []
        self.record: RunRecord | None = None
        crawler.run_ledger = self  # type: ignore[attr-defined]
        # addFilter skips a filter the logger has: once per process, however many crawls.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_ROBOTS_WARNING)
        connect = crawler.signals.connect
        connect(self.item_scraped, signal=signals.item_scraped)
        connect(self.item_dropped, signal=signals.item_dropped)
        connect(self.item_error, signal=signals.item_error)
        connect(self.spider_error, signal=signals.spider_error)
        connect(self.list_empty, signal=our_signals.list_empty)
        connect(self.list_failed, signal=our_signals.list_failed)
        connect(self.list_kept, signal=our_signals.list_kept)
        connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLedger:
        return cls(crawler)

    @staticmethod
    def of(crawler: Crawler) -> RunLedger:
        """The crawl's ledger (its record is there once the spider closed)."""
        ledger = getattr(crawler, "run_ledger", None)
        assert isinstance(ledger, RunLedger), "RunLedger is not in EXTENSIONS"
        return ledger

    # --- during the crawl ---------------------------------------------------

    def list_failed(self, period: Period, reason: str, exc_info: Any = None) -> None:
        """One ERROR line per failed list, said once; later reasons are dropped."""
        if period in self.failed:
            return
        self.failed[period] = reason
        self.owned_errors += 1
        logger.error("%s", reason if period.key in reason else f"{period}: {reason}", exc_info=exc_info)

    def list_kept(self, period: Period, reason: str) -> None:
        self.kept[period] = reason

    def list_empty(self, period: Period) -> None:
        self.empty.add(period)

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, PaperList):
            self.passed[item.period] = item.total_papers

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, PaperList):
            if getattr(exception, "keeps_existing", False):
                self.kept[item.period] = str(exception)
            else:
                self.list_failed(item.period, str(exception))

    def item_error(self, item: Any, failure: Failure) -> None:
        # Scrapy logged it with its traceback: that ERROR is this list's.
        if isinstance(item, PaperList):
            self.owned_errors += 1
            self.failed.setdefault(item.period, _why(failure))

    def spider_error(self, failure: Failure, response: Any) -> None:
        # Scrapy logged it with its traceback; it is a list's when its request names one.
        request = getattr(response, "request", None)
        period = getattr(request, "cb_kwargs", {}).get("period")
        if isinstance(period, Period):
            self.owned_errors += 1
            self.failed.setdefault(period, _why(failure))

    # --- what the writer and the summaries cache tell at the end -----------------

    def wrote(
        self,
        period: Period,
        files: list[Path],
        removed: list[Path],
        *,
        written: dict[str, str] | None = None,
        before: dict[str, str | None] | None = None,
    ) -> None:
        paths = [str(f) for f in files], [str(p) for p in removed]
        self.written[period] = (*paths, written or {}, before or {})

    def wrote_shared(self, path: Path) -> None:
        """A file the run wrote for all its lists (the summaries cache)."""
        self.shared_files.append(str(path))

    # --- at the end -----------------------------------------------------------

    def stray_errors(self) -> int:
        """ERROR lines that no list owns (Scrapy's LogCount counts every one)."""
        assert self.crawler.stats is not None
        return max(0, int(self.crawler.stats.get_value("log_count/ERROR", 0)) - self.owned_errors)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        periods: list[Period] = list(getattr(spider, "periods", []))
        stray = self.stray_errors()
        errors = [f"{stray} ERROR{'s' if stray > 1 else ''} in the log that no list caused"] if stray else []
        clean = [p for p in periods if p in self.passed and p not in self.failed]
        to_write = [] if errors else clean
        # Scrapy logs a handler's exception, but LogCount stops counting when the spider
        # closes: what fails from here on is read from the handlers' answers.
        answers = self.crawler.signals.send_catch_log(our_signals.write_lists, ledger=self, periods=to_write)
        errors += _broken(answers)
        record = RunRecord(finish_reason=reason, errors=errors, shared_files=list(self.shared_files))
        for period in periods:
            record.lists.append(self._outcome(period, reason, bool(errors) and period not in self.written))
        answers = self.crawler.signals.send_catch_log(our_signals.lists_written, record=record)
        record.errors += _broken(answers)
        for _, answer in answers:
            if isinstance(answer, Published):
                for outcome in record.lists:
                    outcome.commit = answer.commits.get(outcome.key, outcome.commit)
                record.publish_error = record.publish_error or answer.error
        self.record = record
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("hfpapers/lists_written", record.count(WRITTEN))
        stats.set_value("hfpapers/lists_failed", record.count(FAILED))
        stats.set_value("hfpapers/outcome", "ok" if record.ok else "failed")
        level = logging.getLevelName(str(self.crawler.settings.get("LOG_LEVEL")).upper())
        log_run_summary(stats, record, level if isinstance(level, int) else logging.INFO)

    def _outcome(self, period: Period, finish_reason: str, run_errors: bool) -> ListOutcome:
        outcome = ListOutcome(period.kind, period.key, FAILED, period=period)
        if period in self.failed:
            outcome.reason = self.failed[period]
        elif period in self.written:
            outcome.status, outcome.papers = WRITTEN, self.passed[period]
            outcome.files, outcome.removed, outcome.written, outcome.before = self.written[period]
        elif period in self.passed and run_errors:
            outcome.reason = "not written: the run had errors that no list caused"
        elif period in self.kept:
            outcome.status, outcome.reason = KEPT, self.kept[period]
        elif period in self.empty:
            outcome.status = EMPTY
        else:
            outcome.reason = f"not finished (finish reason {finish_reason})"
        return outcome


def _why(failure: Failure) -> str:
    name = failure.type.__name__ if failure.type is not None else "error"
    return f"{name}: {failure.getErrorMessage()}"


def _broken(answers: list[tuple[Any, Any]]) -> list[str]:
    """One line per signal handler that raised (Scrapy logged its traceback)."""
    return [
        f"{getattr(receiver, '__qualname__', receiver)} failed: {_why(answer)}"
        for receiver, answer in answers
        if isinstance(answer, Failure)
    ]
