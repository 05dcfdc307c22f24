"""`ListAssembler`: the bookkeeping of a run's lists, with no Scrapy in it.

A run covers one or more lists (the days of a backfill, a week, a month).
Each list is read from Hugging Face, then waits for arXiv's data on each of
its papers. The assembler knows:

- which lists are still being listed (their Hugging Face pages are pending);
- which arXiv ids are queued or in flight, and which lists wait on each id;
- how ids are batched into arXiv API requests, shared across lists: a
  partial batch waits for the lists still being listed, until the last one
  is in or the run winds down (a stop, the deadline: `wind_down`);
- which ids an API answer lacked, and which of them get their abstract page:
  one page at a time, at most ``abs_pages`` a run;
- when a list is whole, so that it can become a `PaperList` item.

Once the run winds down nothing more is asked: what the lists would wait for
is given up at once, and they keep Hugging Face's data for it. A stop gives up
the queued batches too (Scrapy sends no request once it closes the spider);
the deadline sends them first, while requests still go out.

What becomes of a whole list after that is the item pipelines' business.

The spider tells it what Hugging Face listed and what arXiv answered, and
turns each `NextSteps` it gets back into requests and items. Papers are
looked up by arXiv id; every entry a list holds for an id is kept as a
candidate for the dedupe pipeline to choose from.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hfpapers.arxiv import ArxivRecord, enrich
from hfpapers.items import Paper, PaperList
from hfpapers.periods import Period

logger = logging.getLogger(__name__)


@dataclass
class Listing:
    period: Period
    candidates: dict[str, list[Paper]] = field(default_factory=dict)
    """arXiv id -> every entry of the list for that id (more than one: duplicates)."""
    waiting: set[str] = field(default_factory=set)
    """arXiv ids whose answer the list still waits for."""
    listed: bool = False


@dataclass
class NextSteps:
    """What the spider should do next."""

    batches: list[list[str]] = field(default_factory=list)
    """arXiv API requests to send, each a list of ids."""
    pages: list[str] = field(default_factory=list)
    """arXiv ids whose abstract page to ask for (one at a time)."""
    complete: list[PaperList] = field(default_factory=list)
    """Lists whose papers are all in (possibly with no papers at all)."""

    def __add__(self, other: NextSteps) -> NextSteps:
        return NextSteps(
            self.batches + other.batches, self.pages + other.pages, self.complete + other.complete
        )


class ListAssembler:
    def __init__(self, periods: Iterable[Period], batch_size: int, abs_pages: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, not {batch_size}")
        self.batch_size = batch_size
        self.lists: dict[str, Listing] = {p.key: Listing(p) for p in periods}
        self.total = len(self.lists)
        self.unlisted = set(self.lists)
        self.queue: list[str] = []
        self.in_flight: set[str] = set()
        self.pages = deque[str]()  # ids waiting for their abstract page
        self.page_out = False
        self.pages_left = abs_pages
        # Why nothing more is asked ("" while requests go out): a stop, or the deadline near.
        self.winding_down = ""
        # arXiv id -> keys of the open lists that wait on it.
        self.waiters: dict[str, set[str]] = {}

    @property
    def listed_count(self) -> int:
        return self.total - len(self.unlisted)

    def add(self, key: str, papers: Iterable[Paper]) -> None:
        """Papers of one page of a list (the API pages a long list)."""
        listing = self.lists[key]
        for paper in papers:
            listing.candidates.setdefault(paper.arxiv_id, []).append(paper)

    def count(self, key: str) -> int:
        """Papers the list holds so far (one per arXiv id)."""
        return len(self.lists[key].candidates)

    def knows(self, key: str, arxiv_id: str) -> bool:
        """Whether the list already holds a paper with this id."""
        return arxiv_id in self.lists[key].candidates

    def listed(self, key: str) -> NextSteps:
        """The list's last page is in: queue its ids; maybe send batches."""
        listing = self.lists[key]
        listing.listed = True
        self.unlisted.discard(key)
        listing.waiting = set(listing.candidates)
        for arxiv_id in sorted(listing.candidates):
            self.waiters.setdefault(arxiv_id, set()).add(key)
            # An id another list already asked for is on its way: ask once.
            if arxiv_id not in self.in_flight:
                self.in_flight.add(arxiv_id)
                self.queue.append(arxiv_id)
        return self._out() + NextSteps(complete=self._complete([key]))

    def failed(self, key: str) -> NextSteps:
        """The list cannot be listed (or broke): forget it; the others go on."""
        listing = self.lists.pop(key, None)
        self.unlisted.discard(key)
        if listing is not None:
            for arxiv_id in listing.waiting:
                self._stop_waiting(arxiv_id, key)
        # Its end may be what the last, partial batch was waiting for.
        return self._out()

    def wind_down(self, why: str, unasked: Iterable[str], send_queued: bool) -> NextSteps:
        """The run asks for nothing more (``why``): ``unasked`` lists are forgotten (their
        Hugging Face request was never sent); with ``send_queued``, the ids queued for the
        lists already listed go out now, the last, partial batch too; without, they are given
        up like everything asked for from now on."""
        for key in unasked:
            self.lists.pop(key, None)
            self.unlisted.discard(key)
        batches = self._batches(final=True) if send_queued else []
        self.winding_down = why
        return NextSteps(batches=batches) + self._out()

    def lacked(self, ids: Iterable[str]) -> NextSteps:
        """An API answer lacked ``ids``: their abstract pages, one at a time, within the budget."""
        self.pages.extend(ids)
        return self._next_page()

    def page_answered(
        self, ids: Iterable[str], records: Mapping[str, ArxivRecord] | None = None, source: str = ""
    ) -> NextSteps:
        """The abstract page out came back (or failed): `resolved`, and the next page."""
        self.page_out = False
        return self.resolved(ids, records, source) + self._next_page()

    def _next_page(self) -> NextSteps:
        if self.page_out or not self.pages:
            return NextSteps()
        why = self.winding_down or ("" if self.pages_left > 0 else "ARXIV_ABS_MAX_PAGES pages asked for")
        if why:
            ids = list(self.pages)
            self.pages.clear()
            logger.warning(
                "%s: %d papers keep Hugging Face's abstract, their arXiv page not asked for", why, len(ids)
            )
            return self.resolved(ids)
        self.pages_left -= 1
        self.page_out = True
        return NextSteps(pages=[self.pages.popleft()])

    def waiting_on(self, ids: Iterable[str]) -> list[Period]:
        """The open lists that wait on any of ``ids``."""
        keys = {key for arxiv_id in ids for key in self.waiters.get(arxiv_id, ())}
        return [self.lists[key].period for key in sorted(keys)]

    def resolved(
        self, ids: Iterable[str], records: Mapping[str, ArxivRecord] | None = None, source: str = ""
    ) -> NextSteps:
        """arXiv answered for ``ids`` (``records`` holds what it knew; none if it failed)."""
        touched: set[str] = set()
        for arxiv_id in ids:
            self.in_flight.discard(arxiv_id)
            keys = self.waiters.pop(arxiv_id, set())
            record = (records or {}).get(arxiv_id)
            for key in keys:
                listing = self.lists[key]
                listing.waiting.discard(arxiv_id)
                touched.add(key)
                if record is not None:
                    for paper in listing.candidates[arxiv_id]:
                        enrich(paper, record, source)
        return NextSteps(complete=self._complete(sorted(touched)))

    def _stop_waiting(self, arxiv_id: str, key: str) -> None:
        keys = self.waiters.get(arxiv_id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.waiters[arxiv_id]

    def _out(self) -> NextSteps:
        """The batches to send; once the run winds down, the queued ids given up instead."""
        if not self.winding_down:
            return NextSteps(batches=self._batches(final=not self.unlisted))
        given_up = [arxiv_id for batch in self._batches(final=True) for arxiv_id in batch]
        if not given_up:
            return NextSteps()
        logger.warning(
            "%s: %d papers keep Hugging Face's data, arXiv not asked", self.winding_down, len(given_up)
        )
        return self.resolved(given_up)

    def _batches(self, final: bool) -> list[list[str]]:
        """Full batches; with ``final``, the partial rest too."""
        batches = []
        while len(self.queue) >= self.batch_size or (final and self.queue):
            batches.append(self.queue[: self.batch_size])
            del self.queue[: self.batch_size]
        return batches

    def _complete(self, keys: list[str]) -> list[PaperList]:
        done = []
        for key in keys:
            listing = self.lists.get(key)
            if listing is None or not listing.listed or listing.waiting:
                continue
            del self.lists[key]
            papers = [paper for candidates in listing.candidates.values() for paper in candidates]
            done.append(PaperList(period=listing.period, papers=papers))
        return done
