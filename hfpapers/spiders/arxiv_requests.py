"""The arXiv side of `PapersSpider`: API requests for the batches the `ListAssembler` makes,
abstract pages for the ids an answer lacked, and what each answer gives the lists."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from hfpapers import arxiv
from hfpapers.assembler import ListAssembler, NextSteps
from hfpapers.periods import Period
from hfpapers.responses import text_of, why_failed

logger = logging.getLogger(__name__)

ARXIV_API_SLOT = "arxiv-api"
ARXIV_ABS_SLOT = "arxiv-abs"


class ArxivRequests:
    """Mixed into `PapersSpider`, which gives it these:"""

    crawler: Crawler
    assembler: ListAssembler
    arxiv_api: str
    arxiv_base: str

    def _follow(self, progress: NextSteps) -> Iterator[Any]:
        raise NotImplementedError

    def _list_failed(self, period: Period, reason: str, exc_info: Any = None) -> Iterator[Any]:
        raise NotImplementedError

    def _notice_stop(self) -> Iterator[Any]:
        raise NotImplementedError

    def _why_failed(self, failure: Failure) -> str:
        """Why a request got no answer, in one line."""
        request: Request = failure.request  # type: ignore[attr-defined]
        # The largest answer it took, named when it grew past it: its own, else Scrapy's.
        limit = request.meta.get("download_maxsize", self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        return why_failed(failure.value, request.url, int(limit))  # type: ignore[arg-type]

    def _atom_request(self, batch: list[str]) -> Request:
        query = urlencode({"id_list": ",".join(batch), "max_results": len(batch)})
        # The API answers malformed ids with 400 and an error feed worth reading;
        # export.arxiv.org is the API: its terms, not robots.txt, govern it.
        meta = {
            "download_slot": ARXIV_API_SLOT,
            "handle_httpstatus_list": [400],
            "dont_obey_robotstxt": True,
        }
        return Request(
            f"{self.arxiv_api}?{query}",
            callback=self.parse_atom,
            errback=self.arxiv_failed,
            cb_kwargs={"ids": batch},
            meta=meta,
            dont_filter=True,
        )

    def _page_request(self, arxiv_id: str) -> Request:
        return Request(
            f"{self.arxiv_base}/abs/{arxiv_id}",
            callback=self.parse_abs,
            errback=self.arxiv_failed,
            cb_kwargs={"ids": [arxiv_id]},
            meta={"download_slot": ARXIV_ABS_SLOT},
            dont_filter=True,
        )

    def parse_atom(self, response: Response, ids: list[str]) -> Iterator[Any]:
        yield from self._guarded_ids(
            ids, f"reading arXiv's answer for {len(ids)} ids", self._read_atom, response
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
        found = [i for i in ids if i in records]
        if ids and not found:
            # An answer that has none of them (an empty feed) is a failed answer, not a reason
            # to read every paper's page.
            logger.warning("arXiv API answered none of %d ids; keeping Hugging Face's data", len(ids))
            stats.inc_value("hfpapers/arxiv_api_failed")
            yield from self._follow(self.assembler.resolved(ids))
            return
        missing = [i for i in ids if i not in records]
        stats.inc_value("hfpapers/arxiv_api_missing", len(missing))
        yield from self._follow(self.assembler.resolved(found, records, "arxiv_api"))
        yield from self._follow(self.assembler.lacked(missing))

    def parse_abs(self, response: Response, ids: list[str]) -> Iterator[Any]:
        yield from self._guarded_ids(ids, f"reading the arXiv page of {ids[0]}", self._read_abs, response)

    def _read_abs(self, response: Response, ids: list[str]) -> Iterator[Any]:
        [arxiv_id] = ids
        self.crawler.stats.inc_value("hfpapers/requests/arxiv_abs")
        try:
            records = {arxiv_id: arxiv.parse_abs_page(text_of(response, ValueError), arxiv_id)}
        except arxiv.DATA_ERRORS as exc:
            logger.warning("arXiv page of %s unreadable (%s); keeping Hugging Face's abstract", arxiv_id, exc)
            self.crawler.stats.inc_value("hfpapers/arxiv_abs_failed")
            records = {}
        yield from self._follow(self.assembler.page_answered(ids, records, "arxiv_abs"))

    def _guarded_ids(self, ids: list[str], what: str, read: Any, response: Response) -> Iterator[Any]:
        """A bug of ours after arXiv answered fails the lists waiting on ``ids`` (with the
        traceback), not the run; the other lists go on."""
        yield from self._notice_stop()
        try:
            yield from read(response, ids)
        except Exception as exc:
            exc_info = sys.exc_info()
            for period in self.assembler.waiting_on(ids):
                yield from self._list_failed(
                    period, f"{period}: {what}: {type(exc).__name__}: {exc}", exc_info
                )
            # No list waits on them now; an abstract page's end lets the next one go.
            page = response.meta.get("download_slot") == ARXIV_ABS_SLOT
            yield from self._follow(
                self.assembler.page_answered(ids) if page else self.assembler.resolved(ids)
            )

    def arxiv_failed(self, failure: Failure) -> Iterator[Any]:
        """No answer from arXiv: the lists keep Hugging Face's data for these ids."""
        yield from self._notice_stop()
        ids = failure.request.cb_kwargs["ids"]  # type: ignore[attr-defined]
        if failure.request.meta["download_slot"] == ARXIV_API_SLOT:  # type: ignore[attr-defined]
            what, keeping, stat = f"arXiv API failed for {len(ids)} ids", "data", "arxiv_api_failed"
        else:
            what, keeping, stat = f"arXiv page of {ids[0]} failed", "abstract", "arxiv_abs_failed"
        logger.warning("%s (%s); keeping Hugging Face's %s", what, self._why_failed(failure), keeping)
        self.crawler.stats.inc_value(f"hfpapers/{stat}")
        page = keeping == "abstract"
        yield from self._follow(self.assembler.page_answered(ids) if page else self.assembler.resolved(ids))
