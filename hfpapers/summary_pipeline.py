"""`KoreanSummaryPipeline`: a Korean summary for each paper a post shows (``SUMMARY_API_URL``).

An item pipeline after `PreviousPostPipeline`: by then a list is ranked, cut
to ``-a top=N``, and not kept back by the no-shrink rule, so only the papers
its post shows are asked for (a weekly or monthly post shows its
``POST_PERIOD_TOP``), and a list kept back costs nothing. Each summary comes
from the cache (summaries.py) or from one request that the pipeline awaits
with ``crawler.engine.download_async``, the way Scrapy's documentation has
pipelines make requests. A paper that two lists of a run show is asked once.

Three limits of its own:

- At most ``SUMMARY_CONCURRENCY`` requests out at once, by a count of its
  own: Scrapy's downloader does not hold a zero-delay slot to its
  ``concurrency`` (it takes every queued request of the slot before the
  slot's ``transferring`` is updated: 13 of 13 were open at once against a
  local model; ``Downloader._process_queue``).
- A breaker: after ``SUMMARY_MAX_FAILURES`` failures in a row, nothing more
  is asked this run.
- An end: at the first stop (SIGTERM, SIGINT, Scrapyd's cancel: the crawler
  stops crawling) or shortly before ``CLOSESPIDER_TIMEOUT``, every summary
  still out is given up at once. Its ``download_async`` is cancelled, which
  takes the request out of the engine's slot: the engine's close waits for
  every request there, and only then are the lists written. A cancelled
  download goes on in the downloader until its ``download_timeout``, so that
  timeout never runs past the deadline: a hanging endpoint's connection is
  closed there.

A paper without a summary is posted without its 요약 line, and the next run
asks again. The run record counts them, with the commonest reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    DropItem,
    NotConfigured,
)
from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import create_looping_call
from twisted.internet.error import ConnectionRefusedError as TwistedConnectionRefused
from twisted.internet.error import TimeoutError as TwistedTimeout

from hfpapers.items import Paper, PaperList
from hfpapers.responses import UNRESOLVED, why_failed
from hfpapers.signals import list_failed
from hfpapers.site import Site
from hfpapers.summaries import SLOT, Summarizer, SummaryError

logger = logging.getLogger(__name__)

# How often the pipeline looks whether the run is ending (a stop, the deadline).
WATCH_INTERVAL = 0.05
# A request's download_timeout ends this long after the deadline: the pipeline gives it up
# first, then Scrapy closes its connection.
TIMEOUT_AFTER_DEADLINE = 0.5
STOPPED = "the run was stopped"
DEADLINE = "CLOSESPIDER_TIMEOUT is near"


class SummarySlot:
    """An add-on (``ADDONS``): the endpoint's download slot, ``SUMMARY_DELAY`` between
    requests. Settings are frozen before any pipeline is built; add-ons come before."""

    def update_settings(self, settings: BaseSettings) -> None:
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        delay = settings.getfloat("SUMMARY_DELAY")
        slots.setdefault(
            SLOT, {"concurrency": settings.getint("SUMMARY_CONCURRENCY"), "delay": delay, "jitter": 0}
        )
        settings.set("DOWNLOAD_SLOTS", slots, priority=settings.getpriority("DOWNLOAD_SLOTS") or "addon")


class KoreanSummaryPipeline:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.get("SUMMARY_API_URL", "").strip():
            raise NotConfigured
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.summarizer = Summarizer(settings, Site.from_settings(settings))
        self.period_top = settings.getint("POST_PERIOD_TOP")
        self.max_failures = settings.getint("SUMMARY_MAX_FAILURES")
        # At least 1: SUMMARY_CONCURRENCY is checked before the run.
        self.places = asyncio.Semaphore(settings.getint("SUMMARY_CONCURRENCY"))
        self.answers: dict[str, asyncio.Future[str | None]] = {}  # cache key -> its summary or None
        self.missing: dict[str, str] = {}  # cache key -> why it has no summary
        self.failures = 0  # in a row
        self.last_failure = ""
        self.ending = ""  # why nothing more is asked or waited for ("": it still is)
        self.deadline: float | None = None  # monotonic time of the end, with CLOSESPIDER_TIMEOUT
        self._watch: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KoreanSummaryPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PaperList):
            return item
        shown = item.papers if item.period.is_day else item.papers[: self.period_top]
        answers = [self._answer(paper) for paper in shown]
        if answers:
            await asyncio.wait(answers)
        for paper, answer in zip(shown, answers, strict=True):
            if answer.cancelled():
                continue
            error = answer.exception()
            if error is not None:  # a bug of ours: the list fails, with the traceback
                reason = f"{item.period}: reading the summary of {paper.arxiv_id}: {error!r}"
                exc_info = (type(error), error, error.__traceback__)
                self.crawler.signals.send_catch_log(
                    list_failed, period=item.period, reason=reason, exc_info=exc_info
                )
                raise DropItem(reason, log_level="DEBUG")
            if (summary := answer.result()) is not None:
                paper.summary_ko = summary
        return item

    def _answer(self, paper: Paper) -> asyncio.Future[str | None]:
        """The paper's summary: from this run, the cache, or a request (once per run)."""
        key = self.summarizer.key(paper)
        if key in self.answers:
            return self.answers[key]
        self._look()  # a stop since the last look asks nothing more
        cached = self.summarizer.cached(paper)
        if cached is None and not self.ending:
            self.answers[key] = asyncio.ensure_future(self._ask(paper, key))
            return self.answers[key]
        answer = self.answers[key] = asyncio.get_running_loop().create_future()
        if cached is not None:
            self.stats.inc_value("hfpapers/summaries/cached")
        else:
            self._missing(key, self.ending)
        answer.set_result(cached)
        return answer

    async def _ask(self, paper: Paper, key: str) -> str | None:
        async with self.places:
            if self.ending:
                why = self.ending
            elif self.failures >= self.max_failures:
                logger.info("%s: no Korean summary asked: the endpoint kept failing", paper.arxiv_id)
                why = self.last_failure
            else:
                summary, why = await self._request(paper)
                if summary is not None:
                    return summary
        self._missing(key, why)
        return None

    async def _request(self, paper: Paper) -> tuple[str | None, str]:
        """The endpoint's summary; or None and why there is none (one more failure in a row)."""
        request = self.summarizer.request(paper, self._time_left())
        try:
            response = await self.crawler.engine.download_async(request)  # type: ignore[union-attr]
        except Exception as exc:  # refused, unresolved, timed out (after the retries)
            return None, self._failed(paper, _why(exc, request))
        try:
            if not 200 <= response.status < 300:
                raise SummaryError(f"HTTP {response.status}")
            summary = self.summarizer.parse(response, paper)
        except SummaryError as exc:
            return None, self._failed(paper, str(exc))
        self.failures = 0
        self.summarizer.remember(paper, summary)
        self.stats.inc_value("hfpapers/summaries/new")
        return summary, ""

    def _time_left(self) -> float:
        if self.deadline is None:
            return float("inf")
        return max(0.0, self.deadline - time.monotonic()) + TIMEOUT_AFTER_DEADLINE

    def _failed(self, paper: Paper, why: str) -> str:
        """The endpoint gave no summary for ``paper``: one more failure in a row."""
        logger.warning("%s: no Korean summary (%s)", paper.arxiv_id, why)
        self.failures += 1
        self.last_failure = why
        if self.failures == self.max_failures:
            logger.warning(
                "the summary endpoint failed %d times in a row: no more summaries asked for this run",
                self.failures,
            )
        return why

    def _missing(self, key: str, why: str) -> None:
        self.stats.inc_value("hfpapers/summaries/failed")
        self.missing[key] = why

    # --- the end ---------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        # The CloseSpider extension closes the run at CLOSESPIDER_TIMEOUT from now; the whole
        # lists must be through the pipelines before that.
        timeout = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        if timeout > 0:
            self.deadline = time.monotonic() + timeout - min(1.0, timeout / 10)
        self._watch = create_looping_call(self._look)
        self._watch.start(WATCH_INTERVAL, now=False)

    def spider_closed(self, spider: Spider) -> None:
        self._stop_watch()

    def _stop_watch(self) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()

    def _look(self) -> None:
        if not self.crawler.crawling:
            self.give_up(STOPPED)
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            self.give_up(DEADLINE)

    def give_up(self, why: str) -> None:
        """Nothing more is asked, and every summary still out is left out of the posts at once."""
        if self.ending:
            return
        self.ending = why
        self._stop_watch()
        out = [key for key, answer in self.answers.items() if not answer.done()]
        for key in out:
            self.answers[key].cancel()
            self._missing(key, why)
        if out:
            logger.warning(
                "%s: %d Korean summaries still out are left out of the posts; the next run asks again",
                why,
                len(out),
            )

    def save_cache(self) -> str | None:
        """This run's answers added to the cache file: its path, or None when there were none.
        Raises `OSError` or `ValueError` when it cannot be saved."""
        saved = self.summarizer.save()
        return str(saved) if saved is not None else None

    def counts(self) -> tuple[int, int, str]:
        """Papers shown without a summary, papers shown, and the commonest reason."""
        reasons = Counter(self.missing.values()).most_common(1)
        return len(self.missing), len(self.answers), reasons[0][0] if reasons else ""


def _why(error: BaseException, request: Request) -> str:
    """Why the endpoint gave no answer, in words for the run's last line."""
    host = urlsplit(request.url).netloc
    if isinstance(error, (DownloadConnectionRefusedError, TwistedConnectionRefused)):
        return f"connection refused by {host}"
    if isinstance(error, UNRESOLVED):
        return f"{urlsplit(request.url).hostname} does not resolve"
    if isinstance(error, (DownloadTimeoutError, TwistedTimeout)):
        return f"no answer from {host} within {request.meta['download_timeout']:g} s"
    return why_failed(error, request.url)
