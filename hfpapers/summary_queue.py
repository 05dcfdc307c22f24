"""`SummaryQueue`: which papers' Korean summaries are asked for, when, and when to stop.

The spider hands it each paper a post will show; it answers from the cache
or queues the paper, sends at most ``SUMMARY_CONCURRENCY`` requests at a
time, stops asking after ``SUMMARY_MAX_FAILURES`` failures in a row (a
breaker), and gives up on what is still out when the run is ending (a stop,
or ``CLOSESPIDER_TIMEOUT`` near), so that lists whose Hugging Face and arXiv
data is whole are written without the missing lines.

Why a counter of its own: Scrapy's downloader does not hold a zero-delay
slot to its ``concurrency`` (``DOWNLOAD_SLOTS``): it takes every queued
request of the slot before the slot's ``transferring`` set is updated, so
13 of 13 summary requests were open at once against a local model. See
``Downloader._process_queue`` in scrapy/core/downloader/__init__.py, and
the FIELD-NOTES.

Each result goes back through ``on_result(arxiv_id, summary or None)``, which
returns what the spider should yield next (requests, finished lists).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from hfpapers import summaries
from hfpapers.items import Paper, PaperList
from hfpapers.signals import list_failed, write_lists

logger = logging.getLogger(__name__)

# How often the queue looks whether the run is ending (a SIGTERM, the deadline near).
WATCH_INTERVAL = 0.2

Results = Callable[[str, "str | None"], Iterator[Any]]


class SummaryQueue:
    def __init__(
        self,
        crawler: Crawler,
        summarizer: summaries.Summarizer,
        on_result: Results,
        on_give_up: Callable[[], Iterator[Any]],
        why_failed: Callable[[Failure], str],
    ):
        settings = crawler.settings
        self.crawler = crawler
        self.summarizer = summarizer
        self.on_result = on_result
        self.on_give_up = on_give_up
        self.why_failed = why_failed
        self.retries = settings.getint("SUMMARY_RETRY_TIMES")
        self.limit = settings.getint("SUMMARY_CONCURRENCY")  # at least 1: checked before the run
        self.max_failures = settings.getint("SUMMARY_MAX_FAILURES")
        self.failures = 0  # in a row
        self.to_ask: deque[Paper] = deque()  # waiting for a free place
        self.asking: dict[str, Paper] = {}  # arXiv id -> the paper whose summary is out
        self.deadline: float | None = None  # monotonic time after which no list waits for one
        self.over = False  # the run is ending: nothing more asked or waited for
        self._watch: Any = None
        if summarizer.enabled:
            crawler.signals.connect(self._start_watch, signal=signals.spider_opened)
        crawler.signals.connect(self._save, signal=write_lists)

    def _save(self, ledger: Any, periods: Any) -> None:
        """The cache saves itself as the lists are written: every answer is good for its key,
        whatever became of the lists."""
        try:
            saved = self.summarizer.save()
        except OSError as exc:
            logger.warning("cannot write the summaries cache: %s", exc)
            return
        if saved is not None:
            ledger.wrote_shared(saved)

    # --- the spider's calls ----------------------------------------------------

    def add(self, paper: Paper, callback: Any, errback: Any) -> Iterator[Any]:
        """A paper whose summary a post needs: from the cache, or asked for."""
        cached = self.summarizer.cached(paper)
        if cached is not None:
            self.crawler.stats.inc_value("hfpapers/summaries/cached")  # type: ignore[union-attr]
            yield from self.on_result(paper.arxiv_id, cached)
            return
        self.to_ask.append(paper)
        yield from self.ask_next(callback, errback)

    def answered(self, response: Response, arxiv_id: str) -> Iterator[Any]:
        paper = self.asking.pop(arxiv_id)
        try:
            summary: str | None = self.summarizer.parse(response, paper)
        except summaries.SummaryError as exc:
            yield from self._none(arxiv_id, str(exc))
            return
        assert summary is not None
        self.failures = 0
        # Cached even when it came too late for this run's post: the next run asks nothing.
        self.summarizer.remember(paper, summary)
        self.crawler.stats.inc_value("hfpapers/summaries/new")  # type: ignore[union-attr]
        yield from self.on_result(arxiv_id, summary)

    def failed(self, failure: Failure) -> Iterator[Any]:
        arxiv_id = failure.request.cb_kwargs["arxiv_id"]  # type: ignore[attr-defined]
        self.asking.pop(arxiv_id, None)
        yield from self._none(arxiv_id, self.why_failed(failure))

    def ask_next(self, callback: Any, errback: Any) -> Iterator[Any]:
        """Requests up to SUMMARY_CONCURRENCY at a time, none once the endpoint kept
        failing or the run is ending."""
        why = self._ending()
        if why is not None:
            yield from self._give_up(why)
            return
        while self.to_ask and self.failures >= self.max_failures:
            paper = self.to_ask.popleft()
            yield from self._none(paper.arxiv_id, "the endpoint failed too often this run", count=False)
        while self.to_ask and len(self.asking) < self.limit:
            paper = self.to_ask.popleft()
            self.asking[paper.arxiv_id] = paper
            request = self.summarizer.request(paper, callback, errback)
            request.meta["max_retry_times"] = self.retries
            yield request

    # --- giving up ---------------------------------------------------------------

    def _none(self, arxiv_id: str, why: str, count: bool = True) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        if self.over:
            # Counted when the run gave up on it.
            logger.info("%s: no Korean summary (%s), after the deadline", arxiv_id, why)
            return
        # Survived: the post goes out without this 요약 line, and the next run asks again.
        logger.warning("%s: no Korean summary (%s)", arxiv_id, why)
        stats.inc_value("hfpapers/summaries/failed")
        if count:
            self.failures += 1
            if self.failures == self.max_failures:
                logger.warning(
                    "the summary endpoint failed %d times in a row: no more summaries asked for this run",
                    self.failures,
                )
        yield from self.on_result(arxiv_id, None)

    def _ending(self) -> str | None:
        """Why the run is ending, or None: a stop (SIGTERM, SIGINT, cancel.json) or the deadline."""
        if not self.crawler.crawling:
            return "the run was stopped"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "CLOSESPIDER_TIMEOUT is reached"
        return None

    def _give_up(self, why: str) -> Iterator[Any]:
        """Lists whose Hugging Face and arXiv data is whole go out without the summaries
        still out; answers that come later are still cached for the next run."""
        if self.over:
            return
        self.over = True
        pending = len(self.to_ask) + len(self.asking)
        self.to_ask.clear()
        if pending:
            logger.warning(
                "%s: %d Korean summaries still out at the deadline are left out of the posts; the next run"
                " asks again",
                why,
                pending,
            )
            self.crawler.stats.inc_value("hfpapers/summaries/failed", pending)  # type: ignore[union-attr]
        yield from self.on_give_up()

    def _start_watch(self, spider: Spider) -> None:
        # The CloseSpider extension closes the run at CLOSESPIDER_TIMEOUT from now; lists
        # whose arXiv data is whole must be on their way to the pipelines before that.
        timeout = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        if timeout > 0:
            self.deadline = time.monotonic() + timeout - min(1.0, timeout / 10)
        self._watch = create_looping_call(self._look_at_the_clock)
        self._watch.start(WATCH_INTERVAL, now=False)
        self.crawler.signals.connect(self._stop_watch, signal=signals.spider_closed)

    def _stop_watch(self, spider: Spider) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()

    def _look_at_the_clock(self) -> None:
        why = self._ending()
        if why is None or self.over:
            return
        self._stop_watch(self.crawler.spider)  # type: ignore[arg-type]
        # No callback of the spider's may run again (the engine sends nothing new once
        # closing): hand the finished lists to the pipelines directly.
        scraper = getattr(self.crawler.engine, "scraper", None)
        for item in self._give_up(why):
            if not isinstance(item, PaperList):
                continue
            if scraper is None or getattr(scraper, "slot", None) is None:
                self.crawler.signals.send_catch_log(
                    list_failed,
                    period=item.period,
                    reason="finished, but the run closed before it was written",
                )
                continue
            deferred_from_coro(scraper.start_itemproc_async(item, response=None))
