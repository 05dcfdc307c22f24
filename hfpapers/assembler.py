"""`ListAssembler`: the bookkeeping of a run's lists, with no Scrapy in it.

A run covers one or more lists (the days of a backfill, a week, a month).
Each list is read from Hugging Face, then waits for arXiv's data on each of
its papers. The assembler knows:

- which lists are still being listed (their Hugging Face pages are pending);
- which arXiv ids are queued or in flight, and which lists wait on each id;
- how ids are batched into arXiv API requests, shared across lists: a
  partial batch waits for the lists still being listed, until the last one
  is in or the run winds down (a stop, the deadline: `wind_down`);
- when a list is whole, so that it can become a `PaperList` item.

What becomes of a whole list after that is the item pipelines' business.

The spider tells it what Hugging Face listed and what arXiv answered, and
turns each `NextSteps` it gets back into requests and items. Papers are
looked up by arXiv id; every entry a list holds for an id is kept as a
candidate for the dedupe pipeline to choose from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hfpapers.arxiv import ArxivRecord, enrich
from hfpapers.items import Paper, PaperList
from hfpapers.periods import Period


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
    complete: list[PaperList] = field(default_factory=list)
    """Lists whose papers are all in (possibly with no papers at all)."""


class ListAssembler:
    def __init__(self, periods: Iterable[Period], batch_size: int):
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, not {batch_size}")
        self.batch_size = batch_size
        self.lists: dict[str, Listing] = {p.key: Listing(p) for p in periods}
        self.total = len(self.lists)
        self.unlisted = set(self.lists)
        self.queue: list[str] = []
        self.in_flight: set[str] = set()
        # Set when the run winds down: no list is waited for any more before a batch goes out.
        self.winding_down = False
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
        return NextSteps(batches=self._batches(), complete=self._complete([key]))

    def failed(self, key: str) -> NextSteps:
        """The list cannot be listed (or broke): forget it; the others go on."""
        listing = self.lists.pop(key, None)
        self.unlisted.discard(key)
        if listing is not None:
            for arxiv_id in listing.waiting:
                self._stop_waiting(arxiv_id, key)
        # Its end may be what the last, partial batch was waiting for.
        return NextSteps(batches=self._batches())

    def wind_down(self, unasked: Iterable[str]) -> NextSteps:
        """The run asks for no more lists: ``unasked`` are forgotten (their Hugging Face
        request was never sent), and the ids queued for the lists already listed go out now,
        the last, partial batch too, as will those of the lists still being read."""
        for key in unasked:
            self.lists.pop(key, None)
            self.unlisted.discard(key)
        self.winding_down = True
        return NextSteps(batches=self._batches())

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

    def _batches(self) -> list[list[str]]:
        """Full batches; the partial rest too once no list is being listed, or the run winds down."""
        final = self.winding_down or not self.unlisted
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
