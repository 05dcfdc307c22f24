"""`PapersSpider`: Hugging Face lists (days, weeks, months) enriched from arXiv.

Per list: one Hugging Face page request (the API only if the page lost its
payload). Per run: arXiv API requests of up to ``ARXIV_BATCH_SIZE`` ids,
batched across lists; abstract pages only for ids the API did not return.
Which lists wait on which ids, and when a list is whole, is the
`ListAssembler`'s business; this spider turns its decisions into requests
and its finished lists into `PaperList` items. Subclasses say which lists a
run covers (`daily`, `weekly`, `monthly`).
"""

from __future__ import annotations

import copy
import logging
import sys
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlparse

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from hfpapers import arxiv, hf, summaries
from hfpapers.args import RunPlan, check_input, plan_run
from hfpapers.assembler import ListAssembler, NextSteps
from hfpapers.items import Paper, PaperList
from hfpapers.periods import Period
from hfpapers.pipelines import dedupe, normalize_paper, paper_errors, rank_by_likes
from hfpapers.safeio import UnsafeInputError
from hfpapers.signals import list_empty, list_failed
from hfpapers.site import Site
from hfpapers.summary_queue import SummaryQueue

logger = logging.getLogger(__name__)

HF_SLOT = "huggingface"
ARXIV_API_SLOT = "arxiv-api"
ARXIV_ABS_SLOT = "arxiv-abs"
# What bad data from Hugging Face raises while a list is read: a warning-sized problem for
# that list. Anything else is a bug of ours, logged with its traceback.
DATA_ERRORS = (hf.PayloadError, UnsafeInputError)
# Said with a host name that does not resolve: most often, this machine is offline.
OFFLINE_HINT = "offline? ./scripts/demo.sh crawls recorded data without the internet"
# Hugging Face lists asked for at a time: one in its download slot, the next one waiting.
HF_WINDOW = 2


class PapersSpider(Spider):
    kind = "daily"
    # Set by from_crawler, from the arguments and settings.
    periods: list[Period]
    top: int | None
    force: bool
    assembler: ListAssembler
    summarizer: summaries.Summarizer
    summary_queue: SummaryQueue
    _unasked: deque[Period]  # lists whose Hugging Face request is not sent yet
    period_top: int
    hf_base: str
    hf_page_size: int
    hf_max_pages: int
    arxiv_api: str
    arxiv_base: str

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
        for slot, delay_setting in (
            (HF_SLOT, "HF_PAGE_DELAY"),
            (ARXIV_API_SLOT, "ARXIV_API_DELAY"),
            (ARXIV_ABS_SLOT, "ARXIV_ABS_DELAY"),
        ):
            slots.setdefault(
                slot,
                {"concurrency": 1, "delay": settings.getfloat(delay_setting), "jitter": 0},
            )
        slots.setdefault(
            summaries.SLOT,
            {
                "concurrency": settings.getint("SUMMARY_CONCURRENCY"),
                "delay": settings.getfloat("SUMMARY_DELAY"),
                "jitter": 0,
            },
        )
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PapersSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        plan = cls.plan(spider.arguments, settings)
        spider.periods = plan.periods
        spider.top = plan.top
        spider.force = plan.force
        spider.summarizer = summaries.Summarizer(settings, Site.from_settings(settings))
        spider.summary_queue = SummaryQueue(
            crawler, spider.summarizer, spider._summarized, spider._give_up_summaries, why_failed
        )
        spider.period_top = settings.getint("POST_PERIOD_TOP")
        spider.assembler = ListAssembler(
            plan.periods,
            settings.getint("ARXIV_BATCH_SIZE"),
            summaries=spider.summarizer.enabled,
            shown=spider.shown,
        )
        spider.hf_base = settings.get("HF_BASE_URL").rstrip("/")
        spider.hf_page_size = settings.getint("HF_API_PAGE_SIZE")
        spider.hf_max_pages = settings.getint("HF_API_MAX_PAGES")
        spider.arxiv_api = settings.get("ARXIV_API_URL")
        spider.arxiv_base = settings.get("ARXIV_BASE_URL").rstrip("/")
        return spider

    # --- Hugging Face -----------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # A few lists at a time, the next asked for as one is read: handed all at once, the
        # downloader would hold every page of a backfill, and a Ctrl-C would still fetch them
        # all before the run could end (Scrapy waits for every request it holds).
        self._unasked = deque(self.periods)
        self._read: set[str] = set()
        for _ in range(HF_WINDOW):
            for request in self._next_list():
                yield request

    def _next_after(self, period: Period) -> Iterator[Request]:
        """The next list, once per list whose Hugging Face reading ended (read or failed)."""
        if period.key not in self._read:
            self._read.add(period.key)
            yield from self._next_list()

    def _next_list(self) -> Iterator[Request]:
        """The next list's Hugging Face request, unless the run is stopping (Ctrl-C, SIGTERM)."""
        if self._unasked and not self.crawler.crawling:
            logger.warning(
                "stopping: %d lists not asked for (%s to %s)",
                len(self._unasked),
                self._unasked[0],
                self._unasked[-1],
            )
            self._unasked.clear()
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
        self.crawler.stats.inc_value("hfpapers/requests/hf_page")
        yield from self._guarded(period, self._read_page(response, period))

    def _read_page(self, response: Response, period: Period) -> Iterator[Any]:
        try:
            payload = hf.extract_payload(text_of(response, hf.PayloadError))
            missing = f"no DailyPapers payload in {response.url}"
        except hf.PayloadError as exc:  # cut short, or not the shape Daily Papers serves
            payload, missing = None, f"{exc} in {response.url}"
        if payload is None:
            logger.warning("%s: %s; using the API", period, missing)
            self.crawler.stats.inc_value("hfpapers/api_fallback")
            yield self._api_request(period, 0)
            return
        shown = _key_in_url(response.url)
        # Only a day's payload names its day; week and month pages carry other keys.
        named = hf.payload_day(payload) if period.is_day else None
        entries = payload["dailyPapers"]
        if shown not in (None, period.key) or named not in (None, period.key):
            logger.info("%s: the page shows %s instead", period, shown if shown != period.key else named)
            self.crawler.stats.inc_value("papers/other_day", len(entries))
            entries = []
        yield from self._add(period, self._papers_of(period, entries), last_page=True)

    def _api_request(self, period: Period, page: int) -> Request:
        query = urlencode({period.api_param: period.key, "limit": self.hf_page_size, "p": page})
        return self._hf_request(f"{self.hf_base}/api/daily_papers?{query}", self.parse_api, period, page=page)

    def parse_api(self, response: Response, period: Period, page: int) -> Iterator[Any]:
        self.crawler.stats.inc_value("hfpapers/requests/hf_api")
        yield from self._guarded(period, self._read_api(response, period, page))

    def _read_api(self, response: Response, period: Period, page: int) -> Iterator[Any]:
        entries = hf.parse_api(text_of(response, hf.PayloadError))
        papers = self._papers_of(period, entries)
        more = len(entries) >= self.hf_page_size
        if more and papers and all(self.assembler.knows(period.key, p.arxiv_id) for p in papers):
            # An API that ignores p answers the same page forever.
            logger.warning("%s: API page %d repeats papers already listed; stopping there", period, page)
            papers, more = [], False
        elif more and page + 1 >= self.hf_max_pages:
            logger.warning("%s: stopping after %d API pages (HF_API_MAX_PAGES)", period, page + 1)
            more = False
        yield from self._add(period, papers, last_page=not more)
        if more:
            yield self._api_request(period, page + 1)

    def _guarded(self, period: Period, steps: Iterator[Any]) -> Iterator[Any]:
        """Whatever breaks while reading a list fails that list alone; the others go on.
        Bad data says why in one line; a bug of ours shows its traceback."""
        try:
            yield from steps
        except DATA_ERRORS as exc:
            yield from self._list_failed(period, f"{period}: {exc}")
        except Exception as exc:
            yield from self._list_failed(period, f"{period}: {type(exc).__name__}: {exc}", sys.exc_info())

    def _add(self, period: Period, papers: list[Paper], last_page: bool) -> Iterator[Any]:
        self.crawler.stats.inc_value("papers/found", len(papers))
        self.assembler.add(period.key, papers)
        if not last_page:
            return
        listed = self.assembler.count(period.key)  # all its pages, the API's too
        yield from self._next_after(period)  # first: whatever breaks below, the backfill goes on
        progress = self.assembler.listed(period.key)
        if self.assembler.total > 1:
            logger.info(
                "list %d/%d: %s, %d papers", self.assembler.listed_count, self.assembler.total, period, listed
            )
        yield from self._follow(progress)

    def _papers_of(self, period: Period, entries: list[Any]) -> list[Paper]:
        """The list's papers among the entries; a bad entry is dropped alone, with a warning."""
        stats = self.crawler.stats
        papers = []
        for entry in entries:
            listed_on = hf.entry_day(entry)
            if listed_on is not None and not period.covers(listed_on):
                stats.inc_value("papers/other_day")
                continue
            try:
                papers.append(hf.paper_from_entry(entry))
            except hf.PayloadError as exc:
                logger.warning("%s: dropped the entry %s: %s", period, hf.describe(entry), exc)
                stats.inc_value("papers/dropped")
        return papers

    def hf_failed(self, failure: Failure) -> Iterator[Any]:
        period = failure.request.cb_kwargs["period"]  # type: ignore[attr-defined]
        yield from self._list_failed(period, f"Hugging Face failed for {period}: {why_failed(failure)}")

    def _list_failed(self, period: Period, reason: str, exc_info: Any = None) -> Iterator[Any]:
        # The ledger logs the list's one ERROR line (with the traceback, if any).
        self.crawler.signals.send_catch_log(list_failed, period=period, reason=reason, exc_info=exc_info)
        yield from self._next_after(period)
        yield from self._follow(self.assembler.failed(period.key))

    # --- arXiv ------------------------------------------------------------

    def _follow(self, progress: NextSteps) -> Iterator[Any]:
        for batch in progress.batches:
            query = urlencode({"id_list": ",".join(batch), "max_results": len(batch)})
            yield Request(
                f"{self.arxiv_api}?{query}",
                callback=self.parse_atom,
                errback=self.arxiv_api_failed,
                cb_kwargs={"ids": batch},
                # The API answers malformed ids with 400 and an error feed worth reading.
                meta={
                    "download_slot": ARXIV_API_SLOT,
                    "handle_httpstatus_list": [400],
                    # export.arxiv.org is the API; its terms, not robots.txt, govern it.
                    "dont_obey_robotstxt": True,
                },
                dont_filter=True,
            )
        for paper in progress.summaries:
            yield from self.summary_queue.add(paper, self.parse_summary, self.summary_failed)
        for item in progress.complete:
            try:  # a bug of ours with one list fails that list, not the others finished with it
                yield from self._finished(item)
            except Exception as exc:
                reason = f"{item.period}: {type(exc).__name__}: {exc}"
                self.crawler.signals.send_catch_log(
                    list_failed, period=item.period, reason=reason, exc_info=sys.exc_info()
                )

    # --- Korean summaries (SUMMARY_API_URL) ------------------------------------

    def shown(self, period: Period, candidates: Mapping[str, list[Paper]]) -> list[str]:
        """The arXiv ids the list's post will show: the pipelines' own steps (normalize,
        validate, dedupe, rank, ``top``), on copies, and a weekly or monthly post's
        ``POST_PERIOD_TOP``. Only these are worth a summary."""
        copies = []
        for arxiv_id, entries in candidates.items():
            for entry in entries:
                twin = normalize_paper(copy.copy(entry))
                if paper_errors(twin) is None:
                    copies.append((twin, arxiv_id))
        ids = {id(twin): arxiv_id for twin, arxiv_id in copies}
        ranked = rank_by_likes(dedupe([twin for twin, _ in copies])[0])
        limit = self.top if self.top else len(ranked)
        if not period.is_day:
            limit = min(limit, self.period_top)
        return [ids[id(twin)] for twin in ranked[: max(0, limit)]]

    def _summarized(self, arxiv_id: str, summary: str | None) -> Iterator[Any]:
        yield from self._follow(self.assembler.summarized(arxiv_id, summary))

    def _give_up_summaries(self) -> Iterator[Any]:
        yield from self._follow(self.assembler.give_up_summaries())

    def parse_summary(self, response: Response, arxiv_id: str) -> Iterator[Any]:
        try:
            yield from self.summary_queue.answered(response, arxiv_id)
        except Exception as exc:  # a bug of ours: the lists waiting on it fail, the queue goes on
            exc_info = sys.exc_info()
            for period in self.assembler.summary_waiting_on(arxiv_id):
                yield from self._list_failed(
                    period, f"{period}: reading the summary of {arxiv_id}: {exc!r}", exc_info
                )
            yield from self._summarized(arxiv_id, None)
        yield from self.summary_queue.ask_next(self.parse_summary, self.summary_failed)

    def summary_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self.summary_queue.failed(failure)
        yield from self.summary_queue.ask_next(self.parse_summary, self.summary_failed)

    def _finished(self, item: PaperList) -> Iterator[PaperList]:
        if not item.papers:
            logger.info("no papers for %s", item.period)
            self.crawler.signals.send_catch_log(list_empty, period=item.period)
            return
        for paper in item.papers:
            self.crawler.stats.inc_value(f"papers/abstract_from/{paper.abstract_source}")
        yield item

    def parse_atom(self, response: Response, ids: list[str]) -> Iterator[Any]:
        yield from self._guarded_ids(
            ids, f"reading arXiv's answer for {len(ids)} ids", self._read_atom(response, ids)
        )

    def _read_atom(self, response: Response, ids: list[str]) -> Iterator[Any]:
        stats = self.crawler.stats
        stats.inc_value("hfpapers/requests/arxiv_api")
        try:
            records = arxiv.parse_atom(text_of(response, ValueError))
        except arxiv.DATA_ERRORS as exc:
            # Refused (arXiv's error feed) or unreadable: either way arXiv has nothing for them.
            why = "refused" if isinstance(exc, arxiv.ArxivError) else "sent an unreadable answer for"
            logger.warning("arXiv API %s %d ids (%s); keeping Hugging Face's data", why, len(ids), exc)
            stats.inc_value("hfpapers/arxiv_api_failed")
            yield from self._follow(self.assembler.resolved(ids))
            return
        missing = [i for i in ids if i not in records]
        for arxiv_id in missing:
            stats.inc_value("hfpapers/arxiv_api_missing")
            yield Request(
                f"{self.arxiv_base}/abs/{arxiv_id}",
                callback=self.parse_abs,
                errback=self.arxiv_abs_failed,
                cb_kwargs={"arxiv_id": arxiv_id},
                meta={"download_slot": ARXIV_ABS_SLOT},
                dont_filter=True,
            )
        found = [i for i in ids if i in records]
        yield from self._follow(self.assembler.resolved(found, records, "arxiv_api"))

    def _guarded_ids(self, ids: list[str], what: str, steps: Iterator[Any]) -> Iterator[Any]:
        """A bug of ours after arXiv answered fails the lists waiting on ``ids``, not the run."""
        try:
            yield from steps
        except Exception as exc:
            yield from self._bug(ids, f"{what}: {type(exc).__name__}: {exc}")

    def _bug(self, ids: list[str], what: str) -> Iterator[Any]:
        """A bug of ours while reading arXiv's answer: the lists waiting on ``ids`` fail,
        with the traceback; the other lists go on."""
        exc_info = sys.exc_info()
        for period in self.assembler.waiting_on(ids):
            yield from self._list_failed(period, f"{period}: {what}", exc_info)
        yield from self._follow(self.assembler.resolved(ids))  # no list waits on them now

    def arxiv_api_failed(self, failure: Failure) -> Iterator[Any]:
        ids = failure.request.cb_kwargs["ids"]  # type: ignore[attr-defined]
        logger.warning(
            "arXiv API failed for %d ids (%s); keeping Hugging Face's data",
            len(ids),
            failure.getErrorMessage(),
        )
        self.crawler.stats.inc_value("hfpapers/arxiv_api_failed")
        yield from self._follow(self.assembler.resolved(ids))

    def parse_abs(self, response: Response, arxiv_id: str) -> Iterator[Any]:
        yield from self._guarded_ids(
            [arxiv_id], f"reading the arXiv page of {arxiv_id}", self._read_abs(response, arxiv_id)
        )

    def _read_abs(self, response: Response, arxiv_id: str) -> Iterator[Any]:
        self.crawler.stats.inc_value("hfpapers/requests/arxiv_abs")
        try:
            records = {arxiv_id: arxiv.parse_abs_page(text_of(response, ValueError), arxiv_id)}
        except arxiv.DATA_ERRORS as exc:
            logger.warning("arXiv page of %s unreadable (%s); keeping Hugging Face's abstract", arxiv_id, exc)
            self.crawler.stats.inc_value("hfpapers/arxiv_abs_failed")
            records = {}
        yield from self._follow(self.assembler.resolved([arxiv_id], records, "arxiv_abs"))

    def arxiv_abs_failed(self, failure: Failure) -> Iterator[Any]:
        arxiv_id = failure.request.cb_kwargs["arxiv_id"]  # type: ignore[attr-defined]
        logger.warning(
            "arXiv page of %s failed (%s); keeping Hugging Face's abstract",
            arxiv_id,
            failure.getErrorMessage(),
        )
        self.crawler.stats.inc_value("hfpapers/arxiv_abs_failed")
        yield from self._follow(self.assembler.resolved([arxiv_id]))


def why_failed(failure: Failure) -> str:
    """``HTTP 503``, or the error and the host that caused it, in one line."""
    if isinstance(failure.value, HttpError):
        return f"HTTP {failure.value.response.status}"
    name = failure.type.__name__ if failure.type else "error"
    host = urlparse(failure.request.url).netloc  # type: ignore[attr-defined]
    why = f"{name} from {host}: {failure.getErrorMessage()}"
    if failure.check(DNSLookupError):
        why += f" ({OFFLINE_HINT})"
    return why


def _key_in_url(url: str) -> str | None:
    """``/papers/date/2026-02-20`` -> ``2026-02-20`` after any redirect (weeks and months alike)."""
    parts = urlparse(url).path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2] in ("date", "week", "month") else None


def text_of(response: Response, error: type[ValueError]) -> str:
    """The answer's text; an answer that is no text (an image, a binary) is bad data."""
    if not isinstance(response, TextResponse):
        raise error(f"{response.url} answered with no text ({response.headers.get('Content-Type')!r})")
    return response.text
