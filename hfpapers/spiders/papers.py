"""`PapersSpider`: Hugging Face lists (days, weeks, months) enriched from arXiv.

Per list: one Hugging Face page request (the API only if the page lost its
payload). Per run: arXiv API requests of up to ``ARXIV_BATCH_SIZE`` ids,
batched across lists; abstract pages, at most ``ARXIV_ABS_MAX_PAGES``, only
for ids an API answer lacked (one that holds none of its ids is a failed
answer). Which lists wait on which ids, and when a list is whole, is the
`ListAssembler`'s business; this spider turns its decisions into requests
and its finished lists into `PaperList` items. Subclasses say which lists a
run covers (`daily`, `weekly`, `monthly`).

A run winds down at the first stop (the crawler stops crawling: Ctrl-C,
SIGTERM, Scrapyd's cancel) or shortly before ``CLOSESPIDER_TIMEOUT``: no more
lists are asked for, and none whose Hugging Face data is in is lost. Near the
deadline the lists listed get their arXiv batch at once (the engine's close
waits for requests in the downloader); after a stop, when Scrapy sends no
request any more, they keep Hugging Face's data.
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import call_later
from twisted.python.failure import Failure

from hfpapers import hf
from hfpapers.args import RunPlan, check_input, plan_run
from hfpapers.assembler import ListAssembler, NextSteps
from hfpapers.items import PaperList
from hfpapers.listing import ListReader, Reading
from hfpapers.periods import Period
from hfpapers.safeio import UnsafeInputError
from hfpapers.signals import list_empty, list_failed, lists_not_asked
from hfpapers.spiders.arxiv_requests import ARXIV_ABS_SLOT, ARXIV_API_SLOT, ArxivRequests

logger = logging.getLogger(__name__)

HF_SLOT = "huggingface"
# What bad data from Hugging Face raises while a list is read: a warning-sized problem for
# that list. Anything else is a bug of ours, logged with its traceback.
DATA_ERRORS = (hf.PayloadError, UnsafeInputError)
# Hugging Face lists asked for at a time: one in its download slot, the next one waiting.
HF_WINDOW = 2
# How long before CLOSESPIDER_TIMEOUT the run winds down (at most; a tenth of a short timeout).
DEADLINE_MARGIN = 10.0
# Why a run winds down.
STOPPED = "the run was stopped"
DEADLINE = "CLOSESPIDER_TIMEOUT is near"
# Why a list was not asked for, in its outcome.
NOT_ASKED = {STOPPED: "the run was stopped first", DEADLINE: "CLOSESPIDER_TIMEOUT was near"}


class PapersSpider(ArxivRequests, Spider):
    kind = "daily"
    # Set by from_crawler, from the arguments and settings.
    periods: list[Period]
    top: int | None
    force: bool
    assembler: ListAssembler
    reader: ListReader
    _unasked: deque[Period]  # lists whose Hugging Face request is not sent yet
    hf_base: str
    arxiv_api: str
    arxiv_base: str
    _deadline_call: Any = None

    def __init__(self, *args: Any, **kwargs: Any):
        # Scrapyd adds _job (and maybe other _ arguments); they are not ours.
        self.arguments = {k: v for k, v in kwargs.items() if not k.startswith("_")}
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k in ("name",)})

    @classmethod
    def plan(cls, arguments: dict[str, Any], settings: Any) -> RunPlan:
        """Check the arguments and settings (also called by the crawl command, before Scrapy starts)."""
        check_input(arguments, settings, cls.kind)
        return plan_run(arguments, settings, kind=cls.kind)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """A download slot per service, one connection each, with its own delay."""
        super().update_settings(settings)
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for slot, delay in (
            (HF_SLOT, "HF_PAGE_DELAY"),
            (ARXIV_API_SLOT, "ARXIV_API_DELAY"),
            (ARXIV_ABS_SLOT, "ARXIV_ABS_DELAY"),
        ):
            slots.setdefault(slot, {"concurrency": 1, "delay": settings.getfloat(delay), "jitter": 0})
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PapersSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        plan = cls.plan(spider.arguments, settings)
        spider.periods = plan.periods
        spider.top = plan.top
        spider.force = plan.force
        spider.assembler = ListAssembler(
            plan.periods, settings.getint("ARXIV_BATCH_SIZE"), settings.getint("ARXIV_ABS_MAX_PAGES")
        )
        spider.hf_base = settings.get("HF_BASE_URL").rstrip("/")
        spider.reader = ListReader(crawler)
        spider.arxiv_api = settings.get("ARXIV_API_URL")
        spider.arxiv_base = settings.get("ARXIV_BASE_URL").rstrip("/")
        spider._unasked = deque(plan.periods)
        crawler.signals.connect(spider._watch_deadline, signal=signals.spider_opened)
        crawler.signals.connect(spider._unwatch_deadline, signal=signals.spider_closed)
        return spider

    # --- the end: a stop or the deadline ---------------------------------------

    def _watch_deadline(self) -> None:
        # The CloseSpider extension closes the spider CLOSESPIDER_TIMEOUT from now.
        timeout = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        if timeout > 0:
            self._deadline_call = call_later(
                timeout - min(DEADLINE_MARGIN, timeout / 10), self._near_deadline
            )

    def _unwatch_deadline(self) -> None:
        if self._deadline_call is not None:
            self._deadline_call.cancel()

    @property
    def winding_down(self) -> str:
        """Why the run winds down ("" while it does not); the retry middleware reads it too."""
        return self.assembler.winding_down

    def _near_deadline(self) -> None:
        """Shortly before CLOSESPIDER_TIMEOUT, while requests still go out: no more lists, and
        the arXiv batch of those listed now, partial or not."""
        if self.winding_down or not self.crawler.crawling:
            return  # a stop came first: the callbacks wind down
        assert self.crawler.engine is not None
        for batch in self._wind_down(DEADLINE).batches:  # all it holds: nothing is complete yet
            self.crawler.engine.crawl(self._atom_request(batch))

    def _wind_down(self, why: str) -> NextSteps:
        """Ask for nothing more (after the deadline's last batch)."""
        unasked = list(self._unasked)
        self._unasked.clear()
        if unasked:
            logger.warning(
                "%s: %d lists not asked for (%s to %s)", why, len(unasked), unasked[0], unasked[-1]
            )
            self.crawler.signals.send_catch_log(lists_not_asked, periods=unasked, why=NOT_ASKED[why])
        return self.assembler.wind_down(why, [p.key for p in unasked], send_queued=why == DEADLINE)

    # --- Hugging Face -----------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # A few lists at a time, the next asked for as one is read: handed all at once, the
        # downloader would hold every page of a backfill, and a Ctrl-C would still fetch them
        # all before the run could end (Scrapy waits for every request it holds).
        self._read: set[str] = set()
        for _ in range(HF_WINDOW):
            for request in self._next_list():
                yield request

    def _next_after(self, period: Period) -> Iterator[Request]:
        """The next list, once per list whose Hugging Face reading ended (read or failed)."""
        if period.key not in self._read:
            self._read.add(period.key)
            yield from self._next_list()

    def _notice_stop(self) -> Iterator[Any]:
        """After a stop (Ctrl-C, SIGTERM: every callback looks first), nothing more is asked
        and the lists listed are finished with what they have."""
        if not self.crawler.crawling and not self.winding_down:
            yield from self._follow(self._wind_down(STOPPED))

    def _next_list(self) -> Iterator[Any]:
        """The next list's Hugging Face request, unless the run is winding down."""
        yield from self._notice_stop()
        if self._unasked:
            period = self._unasked.popleft()
            yield self._hf_request(f"{self.hf_base}{period.page_path}", self.parse_page, period)

    def _hf_request(self, url: str, callback: Any, period: Period, **kwargs: Any) -> Request:
        return Request(
            url,
            callback=callback,
            errback=self.hf_failed,
            cb_kwargs={"period": period, **kwargs},
            meta={"download_slot": HF_SLOT},
            dont_filter=True,
        )

    def parse_page(self, response: Response, period: Period) -> Iterator[Any]:
        yield from self._guarded(
            period, lambda: self._collect_page(period, self.reader.page(response, period))
        )

    def parse_api(self, response: Response, period: Period, page: int) -> Iterator[Any]:
        known = partial(self.assembler.knows, period.key)
        yield from self._guarded(
            period, lambda: self._collect_page(period, self.reader.api(response, period, page, known))
        )

    def _guarded(self, period: Period, read: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        """Whatever breaks while reading a list fails that list alone; the others go on.
        Bad data says why in one line; a bug of ours shows its traceback."""
        yield from self._notice_stop()
        try:
            yield from read()
        except DATA_ERRORS as exc:
            yield from self._list_failed(period, f"{period}: {exc}")
        except Exception as exc:
            yield from self._list_failed(period, f"{period}: {type(exc).__name__}: {exc}", sys.exc_info())

    def _collect_page(self, period: Period, reading: Reading) -> Iterator[Any]:
        """A page's papers to the assembler; then the list's next page, or, the list whole, arXiv."""
        self.crawler.stats.inc_value("papers/found", len(reading.papers))
        self.assembler.add(period.key, reading.papers)
        if reading.next_page is not None:
            if self.winding_down:
                yield from self._list_failed(
                    period, f"{period}: {self.winding_down} before its other API pages"
                )
                return
            query = urlencode(
                {period.api_param: period.key, "limit": self.reader.page_size, "p": reading.next_page}
            )
            url = f"{self.hf_base}/api/daily_papers?{query}"
            yield self._hf_request(url, self.parse_api, period, page=reading.next_page)
            return
        listed = self.assembler.count(period.key)  # all its pages, the API's too
        yield from self._next_after(period)  # first: whatever breaks below, the backfill goes on
        progress = self.assembler.listed(period.key)
        if self.assembler.total > 1:
            logger.info(
                "list %d/%d: %s, %d papers", self.assembler.listed_count, self.assembler.total, period, listed
            )
        yield from self._follow(progress)

    def hf_failed(self, failure: Failure) -> Iterator[Any]:
        period = failure.request.cb_kwargs["period"]  # type: ignore[attr-defined]
        why = self._why_failed(failure)
        yield from self._list_failed(period, f"Hugging Face failed for {period}: {why}")

    def _list_failed(self, period: Period, reason: str, exc_info: Any = None) -> Iterator[Any]:
        # The ledger logs the list's one ERROR line (with the traceback, if any).
        self.crawler.signals.send_catch_log(list_failed, period=period, reason=reason, exc_info=exc_info)
        yield from self._next_after(period)
        yield from self._follow(self.assembler.failed(period.key))

    # --- what the assembler decided --------------------------------------------

    def _follow(self, progress: NextSteps) -> Iterator[Any]:
        for batch in progress.batches:
            yield self._atom_request(batch)
        for arxiv_id in progress.pages:
            yield self._page_request(arxiv_id)
        for item in progress.complete:
            try:  # a bug of ours with one list fails that list, not the others finished with it
                yield from self._finished(item)
            except Exception as exc:
                reason = f"{item.period}: {type(exc).__name__}: {exc}"
                self.crawler.signals.send_catch_log(
                    list_failed, period=item.period, reason=reason, exc_info=sys.exc_info()
                )

    def _finished(self, item: PaperList) -> Iterator[PaperList]:
        if not item.papers:
            logger.info("no papers for %s", item.period)
            self.crawler.signals.send_catch_log(list_empty, period=item.period)
            return
        for paper in item.papers:
            self.crawler.stats.inc_value(f"papers/abstract_from/{paper.abstract_source}")
        yield item
