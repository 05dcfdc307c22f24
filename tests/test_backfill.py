"""Backfills: a range of days in one process, arXiv requests batched across days."""

from __future__ import annotations

import json
import math

from tests.conftest import CrawlResult
from tests.fixture_server import FIXTURES, FixtureServer

START, END = "2026-02-13", "2026-02-23"
WEEKDAYS = ["2026-02-13", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
NO_LIST = ["2026-02-14", "2026-02-15", "2026-02-21", "2026-02-22"]


def unique_ids(days: list[str]) -> int:
    ids: set[str] = set()
    for day in days:
        entries = json.loads((FIXTURES / "hf_api_daily_papers" / f"{day}.json").read_text(encoding="utf-8"))
        ids.update(e["paper"]["id"] for e in entries)
    return len(ids)


def test_range_writes_one_post_per_day_with_papers(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result: CrawlResult = crawl(args={"start": START, "end": END})
    assert result.returncode == 0, result.stderr[-3000:]
    posts = sorted(p.name for p in (result.site / "_posts").iterdir())
    assert posts == [f"{d}-daily-papers.md" for d in WEEKDAYS]
    for day in WEEKDAYS:
        data = result.data(day)
        assert data["date"] == day
        assert all(p["submitted_on_daily_at"].startswith(day) for p in data["papers"])
    for day in NO_LIST:
        assert f"no papers for {day}" in result.stderr
    assert "day 1/11:" in result.stderr and "day 11/11:" in result.stderr
    # One Hugging Face page per day; arXiv ids batched across days, 100 per request.
    n_ids = unique_ids(WEEKDAYS)
    assert n_ids > 100
    assert server.count() == {"robots": 1, "hf_page": 11, "arxiv_api": math.ceil(n_ids / 100)}
    assert not list(result.site.rglob("*.tmp"))


def test_small_batches_are_still_full(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = crawl(args={"start": "2026-02-16", "end": "2026-02-18"}, settings={"ARXIV_BATCH_SIZE": "20"})
    assert result.returncode == 0, result.stderr[-3000:]
    n_ids = unique_ids(["2026-02-16", "2026-02-17", "2026-02-18"])
    assert server.count()["arxiv_api"] == math.ceil(n_ids / 20)
    assert server.count()["hf_page"] == 3
