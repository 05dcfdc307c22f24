"""The list assembler on its own: no Scrapy, no network."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hfpapers import assembler as assembler_module
from hfpapers.arxiv import ArxivRecord
from hfpapers.assembler import ListAssembler
from hfpapers.items import Paper
from hfpapers.periods import Period, day_period

D1, D2, D3 = (day_period(date(2026, 2, 16) + timedelta(n)) for n in range(3))


def paper(arxiv_id: str, upvotes: int = 1) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=f"Paper {arxiv_id}",
        upvotes=upvotes,
        hf_url=f"https://huggingface.co/papers/{arxiv_id}",
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
    )


def ids(n: int, prefix: str = "2602") -> list[str]:
    return [f"{prefix}.{k:05d}" for k in range(n)]


def keys(periods: list[Period]) -> list[str]:
    return [p.key for p in periods]


def test_one_list_is_one_batch_then_one_item() -> None:
    assembler = ListAssembler([D1], batch_size=100)
    assembler.add(D1.key, [paper(i) for i in ids(13)])
    progress = assembler.listed(D1.key)
    assert progress.batches == [ids(13)]
    assert progress.complete == []
    done = assembler.resolved(ids(13), {}, "arxiv_api").complete
    assert [item.period for item in done] == [D1]
    assert len(done[0].papers) == 13


def test_batches_are_shared_across_lists_and_the_rest_waits_for_the_last_listing() -> None:
    assembler = ListAssembler([D1, D2, D3], batch_size=10)
    assembler.add(D1.key, [paper(i) for i in ids(7, "2601")])
    assert assembler.listed(D1.key).batches == []  # 7 < 10: wait for more lists
    assembler.add(D2.key, [paper(i) for i in ids(7, "2602")])
    first = assembler.listed(D2.key).batches
    assert [len(b) for b in first] == [10]
    assembler.add(D3.key, [])
    last = assembler.listed(D3.key)
    assert [len(b) for b in last.batches] == [4]  # the rest, now that every list is in
    assert keys([item.period for item in last.complete]) == [D3.key]  # empty: whole at once
    assert assembler.listed_count == 3


def test_a_failed_listing_releases_the_last_batch() -> None:
    assembler = ListAssembler([D1, D2], batch_size=100)
    assembler.add(D1.key, [paper(i) for i in ids(3)])
    assert assembler.listed(D1.key).batches == []
    progress = assembler.failed(D2.key)
    assert progress.batches == [ids(3)]
    assert keys([i.period for i in assembler.resolved(ids(3)).complete]) == [D1.key]


def test_near_the_deadline_the_partial_batch_goes_out_and_the_lists_not_asked_are_forgotten() -> None:
    """The lists listed must not wait for lists never asked for; what is listed afterwards
    keeps Hugging Face's data (the close may come before a request is sent)."""
    assembler = ListAssembler([D1, D2, D3], batch_size=100)
    assembler.add(D1.key, [paper(i) for i in ids(3)])
    assert assembler.listed(D1.key).batches == []  # waits for D2 and D3
    assert assembler.wind_down("the deadline", [D3.key], send_queued=True).batches == [ids(3)]
    assembler.add(D2.key, [paper(i) for i in ids(2, "2601")])
    late = assembler.listed(D2.key)
    assert late.batches == [] and keys([item.period for item in late.complete]) == [D2.key]
    done = assembler.resolved(ids(3)).complete
    assert keys([item.period for item in done]) == [D1.key]
    assert D3.key not in assembler.lists


def test_after_a_stop_what_is_queued_is_given_up_at_once() -> None:
    """Scrapy sends no request once it closes the spider: nothing may wait for one."""
    assembler = ListAssembler([D1, D2], batch_size=100, abs_pages=5)
    assembler.add(D1.key, [paper(i) for i in ids(3)])
    assembler.listed(D1.key)
    stopped = assembler.wind_down("stopped", [D2.key], send_queued=False)
    assert stopped.batches == [] and keys([item.period for item in stopped.complete]) == [D1.key]


def test_abstract_pages_go_one_at_a_time_within_the_budget() -> None:
    assembler = ListAssembler([D1], batch_size=100, abs_pages=2)
    assembler.add(D1.key, [paper(i) for i in ids(4)])
    assert assembler.listed(D1.key).batches == [ids(4)]
    assembler.resolved(ids(1))
    assert assembler.lacked(ids(4)[1:]).pages == [ids(4)[1]]
    second = assembler.page_answered(ids(4)[1:2])
    assert second.pages == [ids(4)[2]] and second.complete == []
    last = assembler.page_answered(ids(4)[2:3])  # the budget spent: the last id keeps HF's data
    assert last.pages == [] and keys([item.period for item in last.complete]) == [D1.key]


def test_an_id_listed_twice_is_asked_for_once_and_fills_both_lists() -> None:
    assembler = ListAssembler([D1, D2], batch_size=100)
    assembler.add(D1.key, [paper("2602.00001", 5)])
    assembler.listed(D1.key)
    assembler.add(D2.key, [paper("2602.00001", 7)])
    batches = assembler.listed(D2.key).batches
    assert batches == [["2602.00001"]]
    record = ArxivRecord(arxiv_id="2602.00001", abstract="From arXiv.")
    done = assembler.resolved(["2602.00001"], {"2602.00001": record}, "arxiv_api").complete
    assert keys([i.period for i in done]) == [D1.key, D2.key]
    assert [p.abstract for item in done for p in item.papers] == ["From arXiv.", "From arXiv."]
    assert [p.abstract_source for item in done for p in item.papers] == ["arxiv_api", "arxiv_api"]


def test_duplicates_are_candidates_of_one_id() -> None:
    assembler = ListAssembler([D1], batch_size=100)
    assembler.add(D1.key, [paper("2602.00001", 3), paper("2602.00002"), paper("2602.00001", 9)])
    assert assembler.listed(D1.key).batches == [["2602.00001", "2602.00002"]]
    record = ArxivRecord(arxiv_id="2602.00001", abstract="A.")
    done = assembler.resolved(["2602.00001", "2602.00002"], {"2602.00001": record}, "arxiv_api")
    papers = done.complete[0].papers
    assert [(p.arxiv_id, p.upvotes, p.abstract) for p in papers] == [
        ("2602.00001", 3, "A."),
        ("2602.00001", 9, "A."),
        ("2602.00002", 1, ""),
    ]


def test_a_list_waits_for_every_id() -> None:
    assembler = ListAssembler([D1], batch_size=100)
    assembler.add(D1.key, [paper(i) for i in ids(3)])
    assembler.listed(D1.key)
    assert assembler.resolved(ids(3)[:2]).complete == []
    assert len(assembler.resolved(ids(3)[2:]).complete) == 1
    assert assembler.resolved(ids(3)).complete == []  # answered twice: nothing more


def test_a_failed_list_is_forgotten_while_its_ids_are_in_flight() -> None:
    assembler = ListAssembler([D1, D2], batch_size=100)
    for period in (D1, D2):
        assembler.add(period.key, [paper("2602.00001")])
    assembler.listed(D1.key)
    assembler.listed(D2.key)
    assembler.failed(D1.key)
    assert keys([i.period for i in assembler.resolved(["2602.00001"]).complete]) == [D2.key]


def test_enrichment_looks_papers_up_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer touches only its own papers: linear work, however many papers wait."""
    touched: list[str] = []
    monkeypatch.setattr(assembler_module, "enrich", lambda p, record, source: touched.append(p.arxiv_id))
    days = [day_period(date(2026, 1, 1) + timedelta(n)) for n in range(100)]
    assembler = ListAssembler(days, batch_size=100)
    for n, period in enumerate(days):
        assembler.add(period.key, [paper(f"2601.{n * 100 + k:05d}") for k in range(100)])
        assembler.listed(period.key)
    records = {"2601.00042": ArxivRecord(arxiv_id="2601.00042"), "2601.09999": ArxivRecord("2601.09999")}
    assembler.resolved(list(records), records, "arxiv_api")
    assert touched == ["2601.00042", "2601.09999"]


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch size"):
        ListAssembler([D1], batch_size=0)
