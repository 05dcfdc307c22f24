"""Backfills: a range of days in one crawl, arXiv requests batched across days, one outcome per day."""

from __future__ import annotations

import json
import math

from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FIXTURES, FixtureServer

START, END = "2026-02-13", "2026-02-23"
WEEKDAYS = ["2026-02-13", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
NO_LIST = ["2026-02-14", "2026-02-15", "2026-02-21", "2026-02-22"]


def unique_ids(days: list[str]) -> int:
    ids: set[str] = set()
    for day in days:
        entries = json.loads((FIXTURES / "hf_api_daily_papers" / f"{day}.json").read_text(encoding="utf-8"))
        ids.update(e["paper"]["id"] for e in entries)
    return len(ids)


@deferred_f_from_coro_f
async def test_range_writes_one_post_per_day_with_papers(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"start": START, "end": END})
    assert result.record.ok, result.log[-3000:]
    posts = sorted(p.name for p in (result.root / "_posts").iterdir())
    assert posts == [f"{d}-daily-papers.md" for d in WEEKDAYS]
    for day in WEEKDAYS:
        data = result.data(day)
        assert data["date"] == day
        assert all(p["submitted_on_daily_at"].startswith(day) for p in data["papers"])
    assert {o.key for o in result.record.lists if o.status == "empty"} == set(NO_LIST)
    assert "list 1/11:" in result.log and "list 11/11:" in result.log
    # One Hugging Face page per day; arXiv ids batched across days, 100 per request.
    n_ids = unique_ids(WEEKDAYS)
    assert n_ids > 100
    assert server.count() == {"robots": 1, "hf_page": 11, "arxiv_api": math.ceil(n_ids / 100)}
    assert not list(result.root.rglob("*.tmp"))


@deferred_f_from_coro_f
async def test_small_batches_are_still_full(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"start": "2026-02-16", "end": "2026-02-18"}, settings={"ARXIV_BATCH_SIZE": 20})
    assert result.record.ok, result.log[-3000:]
    n_ids = unique_ids(["2026-02-16", "2026-02-17", "2026-02-18"])
    assert server.count()["arxiv_api"] == math.ceil(n_ids / 20)
    assert server.count()["hf_page"] == 3


@deferred_f_from_coro_f
async def test_one_failed_day_keeps_the_others(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.fail_paths = {"/papers/date/2026-02-18": 500}
    result = await crawl(args={"start": "2026-02-16", "end": "2026-02-20"}, settings={"RETRY_TIMES": 0})
    record = result.record
    assert not record.ok
    assert [(o.key, o.status) for o in record.lists] == [
        ("2026-02-16", "written"),
        ("2026-02-17", "written"),
        ("2026-02-18", "failed"),
        ("2026-02-19", "written"),
        ("2026-02-20", "written"),
    ]
    assert record.problems() == ["Hugging Face failed for 2026-02-18: HTTP 500"]
    posts = sorted(p.name for p in (result.root / "_posts").iterdir())
    assert posts == [f"{d}-daily-papers.md" for d in ("2026-02-16", "2026-02-17", "2026-02-19", "2026-02-20")]


@deferred_f_from_coro_f
async def test_a_bad_entry_is_dropped_alone(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    bad = server.edit_day("2026-02-17")[3]
    bad_id = bad["paper"]["id"]
    bad["paper"] = None  # an entry with no paper in it
    result = await crawl(args={"start": "2026-02-16", "end": "2026-02-18"})
    assert result.record.ok, result.log[-3000:]
    assert [o.status for o in result.record.lists] == ["written"] * 3
    assert "2026-02-17: dropped the entry" in result.log and "an entry without a paper" in result.log
    assert result.stats["papers/dropped"] == 1
    day = result.data("2026-02-17")
    assert bad_id not in {p["arxiv_id"] for p in day["papers"]}
    assert day["total_papers"] == len(server.days["2026-02-17"]) - 1
