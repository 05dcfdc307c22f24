"""`RunLedger`: what became of each list of the run, as data (an extension, always on).

Every list a run covers ends in one `ListOutcome`. The ledger learns them
from signals, never from log records:

- ``item_scraped`` (a `PaperList` passed the pipelines: to be written),
  ``item_dropped`` (kept: the existing post is better; otherwise failed),
  ``list_empty`` (no papers), ``lists_not_asked`` (a stop or the deadline came first) and
  ``list_failed`` (anything that went wrong for one list, from the spider,
  the writer or anyone else);
- Scrapy's own ``item_error`` (a pipeline raised: that item's list failed)
  and ``spider_error`` (a callback raised: the list its request is for).

The ledger logs one ERROR per failed list (with the traceback when there is
one) and counts them. Any other ERROR in the log is one no list caused: the
``log_count/ERROR`` stat tells, and such an error fails the run, and keeps
every list from being written.

When the spider closes, one sequence ends the run (`RunLedger.spider_closed`),
each step answering with a return value: the `ListWriter` installs the clean
lists' files (`ListWriter.write_lists`), the `KoreanSummaryPipeline` saves
the summaries cache, the ledger makes the `RunRecord`, the `GitPublisher`
commits and pushes it (`GitPublisher.publish`), and the ledger sets the
``hfpapers/outcome`` stat and logs the run report. A step that raises, or a
cache that cannot be saved, fails the run; what was written stays. Commands
and tests read the record from one place: ``RunLedger.of(crawler).record``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from hfpapers import signals as our_signals
from hfpapers.items import PaperList
from hfpapers.outcome import EMPTY, FAILED, KEPT, WRITTEN, ListOutcome, Published, RunRecord
from hfpapers.periods import Period
from hfpapers.publish import GitPublisher
from hfpapers.run_report import escape_what_logs_cannot_encode, log_run_report
from hfpapers.summary_pipeline import KoreanSummaryPipeline
from hfpapers.writer import ListFiles, ListWriter

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class _RobotsTxtWarning(logging.Filter):
    """A robots.txt that cannot be fetched hurts no list: Scrapy goes on as if it
    allowed everything. So its error is one warning line, without a traceback,
    and no error of the run's; it names robots.txt, not the page that asked for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
            request, error = _robots_args(record.args)
            if request is not None:
                parts = urlsplit(request.url)
                record.msg = "Cannot read %s (%s): crawling %s as if it allowed everything"
                record.args = (f"{parts.scheme}://{parts.netloc}/robots.txt", error, parts.netloc)
        return True


def _robots_args(args: Any) -> tuple[Any, Any]:
    """The request and the error in Scrapy's "Error downloading %(request)s" record."""
    if isinstance(args, dict) and hasattr(args.get("request"), "url"):
        return args["request"], args.get("f_exception")
    return None, None


_ROBOTS_WARNING = _RobotsTxtWarning()


class RunLedger:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.failed: dict[Period, str] = {}
        self.passed: dict[Period, int] = {}  # lists through the pipelines -> papers
        self.arxiv_kept: dict[Period, int] = {}  # lists -> papers keeping the earlier arXiv data
        self.kept: dict[Period, str] = {}  # the existing post stays on purpose (better, or the owner's)
        self.empty: set[Period] = set()
        self.not_asked: dict[Period, str] = {}  # a stop or the deadline came before their first request
        self.owned_errors = 0  # ERROR lines the ledger logged or Scrapy logged for a list
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
        connect(self.lists_not_asked, signal=our_signals.lists_not_asked)
        connect(self.spider_opened, signal=signals.spider_opened)
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

    def spider_opened(self, spider: Spider) -> None:
        # Scrapy installs the crawl's own log handler after the extensions are built.
        escape_what_logs_cannot_encode()

    def list_failed(self, period: Period, reason: str, exc_info: Any = None) -> None:
        """One ERROR line per failed list, said once; later reasons are dropped."""
        if period in self.failed:
            return
        self.failed[period] = reason
        self.owned_errors += 1
        logger.error("%s", reason if period.key in reason else f"{period}: {reason}", exc_info=exc_info)

    def list_empty(self, period: Period) -> None:
        self.empty.add(period)

    def lists_not_asked(self, periods: list[Period], why: str = "the run was stopped first") -> None:
        self.not_asked.update(dict.fromkeys(periods, why))

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, PaperList):
            self.passed[item.period] = item.total_papers
            self.arxiv_kept[item.period] = item.arxiv_kept

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

    # --- at the end -----------------------------------------------------------

    def stray_errors(self) -> int:
        """ERROR lines that no list owns (Scrapy's LogCount counts every one)."""
        assert self.crawler.stats is not None
        return max(0, int(self.crawler.stats.get_value("log_count/ERROR", 0)) - self.owned_errors)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """The end of the run, in order: write, save the cache, record, publish, report.

        Scrapy stops counting ERRORs when the spider closes: from here on, what fails
        is read from each step's answer (an exception fails the run once, by name)."""
        periods: list[Period] = list(getattr(spider, "periods", []))
        stray = self.stray_errors()
        errors = [f"{stray} ERROR{'s' if stray > 1 else ''} in the log that no list caused"] if stray else []
        # 1. The clean lists' files, unless an error that no list caused holds them all back.
        clean = [p for p in periods if p in self.passed and p not in self.failed]
        writer = self.crawler.get_extension(ListWriter)
        assert writer is not None, "ListWriter is not in EXTENSIONS"
        files = self._step(errors, "ListWriter.write_lists", writer.write_lists, [] if errors else clean)
        for period, written in (files or {}).items():
            if written.kept:  # the owner's edit: the list is kept on purpose, no failure
                self.kept[period] = written.kept
            elif written.error:
                self.list_failed(period, written.error)
        # 2. The summaries cache: every answer is good for its key, whatever became of the lists.
        summaries = self.crawler.get_item_pipeline(KoreanSummaryPipeline)
        cache = self._save_cache(errors, summaries) if summaries is not None else None
        # 3. The record: one outcome per list.
        record = RunRecord(finish_reason=reason, errors=errors, shared_files=[cache] if cache else [])
        for period in periods:
            record.lists.append(self._outcome(period, reason, (files or {}).get(period), bool(errors)))
        if summaries is not None:
            record.summaries_missing, record.summaries_shown, record.summaries_missing_why = (
                summaries.counts()
            )
        # 4. The publisher commits (and pushes) what the record says was written.
        publisher = self.crawler.get_extension(GitPublisher)
        if publisher is not None:
            published = self._step(errors, "GitPublisher.publish", publisher.publish, record)
            self._add_published(record, published or Published())
        self.record = record
        self._report(record)

    def _step(self, errors: list[str], name: str, step: Callable[[Any], _T], arg: Any) -> _T | None:
        """One step of the end; one that raises (a bug) is an error of the run, with its traceback."""
        try:
            return step(arg)
        except Exception as exc:
            error = f"{name} failed: {type(exc).__name__}: {exc}"
            logger.error("%s", error, exc_info=True)
            errors.append(error)
            return None

    def _save_cache(self, errors: list[str], summaries: KoreanSummaryPipeline) -> str | None:
        """The cache's path when this run added to it. A save that fails fails the run (the
        posts stay written); the next run asks those summaries again."""
        try:
            return summaries.save_cache()
        except (OSError, ValueError) as exc:  # a lock held too long, a full disk, text that is no UTF-8
            error, exc_info = f"cannot save {summaries.summarizer.path}: {exc}", False
        except Exception as exc:  # a bug of ours
            error, exc_info = f"KoreanSummaryPipeline.save_cache failed: {type(exc).__name__}: {exc}", True
        logger.error("%s", error, exc_info=exc_info)
        errors.append(error)
        return None

    def _add_published(self, record: RunRecord, published: Published) -> None:
        for outcome in record.lists:
            outcome.commit = published.commits.get(outcome.key, outcome.commit)
        record.publish_error = record.publish_error or published.error

    def _report(self, record: RunRecord) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("hfpapers/lists_written", record.count(WRITTEN))
        stats.set_value("hfpapers/lists_failed", record.count(FAILED))
        stats.set_value("hfpapers/outcome", "ok" if record.ok else "failed")
        log_run_report(stats, record)

    def _outcome(
        self, period: Period, finish_reason: str, files: ListFiles | None, run_errors: bool
    ) -> ListOutcome:
        outcome = ListOutcome(period.kind, period.key, FAILED, period=period)
        if period in self.failed:
            outcome.reason = self.failed[period]
        elif files is not None and not files.kept:
            outcome.status, outcome.papers = WRITTEN, self.passed[period]
            outcome.arxiv_kept = self.arxiv_kept.get(period, 0)
            outcome.files, outcome.removed = files.files, files.removed
            outcome.written, outcome.before = files.written, files.before
        elif period in self.kept:
            outcome.status, outcome.reason = KEPT, self.kept[period]
        elif period in self.passed and run_errors:
            outcome.reason = "not written: the run had errors that no list caused"
        elif period in self.empty:
            outcome.status = EMPTY
        elif period in self.not_asked:
            outcome.reason = f"not asked for: {self.not_asked[period]}"
        else:
            outcome.reason = f"not finished (finish reason {finish_reason})"
        return outcome


def _why(failure: Failure) -> str:
    name = failure.type.__name__ if failure.type is not None else "error"
    return f"{name}: {failure.getErrorMessage()}"
