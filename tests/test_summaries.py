"""Korean summaries from an OpenAI-compatible endpoint: the fixture server plays the model."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from tests import jekyll

DAY = "2026-02-18"
KEY = "sk-test-S3CR3T-K3Y"


def summary_settings(server: FixtureServer, **extra: object) -> dict[str, object]:
    return {"SUMMARY_API_URL": f"{server.url}/v1", "SUMMARY_MODEL": "qwen2.5:7b", **extra}


def summaries_in(post: str) -> dict[str, str]:
    """Title -> its 요약 line."""
    entries = re.findall(
        r"^\d+\. (?:\{: value=.\d+.\} )?\*\*(.+?)\*\* - 👍.*?\n((?:   - .*\n)+)", post, flags=re.M
    )
    found = {}
    for title, lines in entries:
        match = re.search(r"^   - 요약: (.*)$", lines, flags=re.M)
        if match:
            found[title] = match.group(1)
    return found


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SUMMARY_API_KEY", KEY)
    return KEY


@deferred_f_from_coro_f
async def test_every_paper_gets_its_own_summary_and_a_refresh_asks_nothing(
    server: FixtureServer, crawl, site: Path, key: str
) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    post = result.post(DAY).read_text(encoding="utf-8")
    found = summaries_in(post)
    assert len(found) == 13
    for title, summary in found.items():
        assert summary.startswith(f"이 논문은 {title}을(를) 다룹니다.")  # its own, escaped like an abstract
    # The line stands right under the paper's title: its one line to skim.
    assert len(re.findall(r"\*\* - 👍 \d+\n   - 요약: ", post)) == 13
    assert server.count()["summary"] == 13
    assert server.summary_auth == [f"Bearer {key}"] * 13
    assert key not in result.log and key not in json.dumps(result.stats, default=str)
    cache = json.loads((site / "_data" / "papers" / "summaries-ko.json").read_text(encoding="utf-8"))
    assert len(cache) == 13 and all(k.split("|")[1] == "qwen2.5:7b" for k in cache)
    assert result.record.shared_files == [str(site / "_data" / "papers" / "summaries-ko.json")]

    server.clear_counts()
    refresh = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert refresh.record.ok
    assert server.count()["summary"] == 0  # the evening refresh costs nothing
    assert refresh.post(DAY).read_text(encoding="utf-8") == post
    assert refresh.stats["hfpapers/summaries/cached"] == 13

    # A changed abstract asks again, for that paper only; a changed model, for all.
    server.edit_day(DAY)[0]["paper"]["summary"] += " We also release the weights."
    server.clear_counts()
    await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert server.count()["summary"] == 1
    server.clear_counts()
    await crawl(args={"date": DAY}, settings=summary_settings(server, SUMMARY_MODEL="gpt-4o-mini"))
    assert server.count()["summary"] == 13


@deferred_f_from_coro_f
async def test_without_the_setting_nothing_is_asked(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": DAY})
    assert "summary" not in server.count()
    assert "요약:" not in result.post(DAY).read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_a_dead_endpoint_still_leaves_the_post(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
    result = await crawl(
        args={"date": DAY},
        settings={"SUMMARY_API_URL": dead, "SUMMARY_MODEL": "m", "SUMMARY_RETRY_TIMES": 0},
    )
    assert result.record.ok, result.log[-3000:]
    assert "요약:" not in result.post(DAY).read_text(encoding="utf-8")
    assert result.stats["hfpapers/summaries/failed"] == 13
    assert "2602.15763: no Korean summary (" in result.log
    assert re.search(r"Korean summaries missing\s+13\n", result.log)
    assert not (site / "_data" / "papers" / "summaries-ko.json").exists()


@deferred_f_from_coro_f
async def test_an_answer_that_is_not_korean_is_dropped(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_answer = "This paper is about {title}."
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok
    assert "요약:" not in result.post(DAY).read_text(encoding="utf-8")
    assert "no Korean summary (not Korean)" in result.log


@deferred_f_from_coro_f
async def test_a_refusing_endpoint_is_named_and_survived(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_status = 401
    result = await crawl(args={"date": DAY}, settings=summary_settings(server, SUMMARY_RETRY_TIMES=0))
    assert result.record.ok
    assert "no Korean summary (HTTP 401)" in result.log


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_hostile_answer_is_one_literal_capped_line(
    server: FixtureServer, crawl, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_answer = (
        # Korean enough to be posted (most words), hostile in every other way.
        "# 제목\n- 이 논문의 요약 본문은 아래와 같습니다"
        " {{ site.title }} {% raw %} 요약 <script>alert(1)</script>\n"
        "2. *강조* [링크](x.test) " + "가" * 600
    )
    result = await crawl(args={"date": DAY}, settings=summary_settings(server, SUMMARY_MAX_CHARS=120))
    post = result.post(DAY)
    lines = [line for line in post.read_text(encoding="utf-8").splitlines() if line.startswith("   - 요약: ")]
    assert len(lines) == 13
    html = jekyll.build([post], tmp_path)[post.name].read_text(encoding="utf-8")
    shown = jekyll.visible_text(jekyll.build([post], tmp_path / "again")[post.name])
    assert "<script>" not in html
    assert (
        "같습니다 {{ site.title }} {% raw %} 요약 <script>alert(1)</script> *강조* [링크](x.test) 가가"
        in shown
    )
    summary = next(iter(json.loads(result.data_file(DAY).read_text())["papers"]))["summary_ko"]
    assert len(summary) == 120 and summary.endswith("…") and "\n" not in summary and "#" not in summary


@deferred_f_from_coro_f
async def test_a_week_reuses_the_days_summaries(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    days = await crawl(args={"start": "2026-02-16", "end": "2026-02-20"}, settings=summary_settings(server))
    assert days.record.ok, days.log[-3000:]
    asked = server.count()["summary"]
    server.clear_counts()
    week = await crawl(spider="weekly", args={"week": "2026-W08"}, settings=summary_settings(server))
    assert week.record.ok
    assert server.count()["summary"] == 0 and asked > 70
    assert "   - 요약: " in week.post("2026-W08", "weekly").read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_no_more_than_summary_concurrency_at_once(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_delay = 0.1
    result = await crawl(args={"date": DAY}, settings=summary_settings(server, SUMMARY_CONCURRENCY=2))
    assert result.record.ok
    assert server.count()["summary"] == 13 and server.summary_max_open == 2


@deferred_f_from_coro_f
async def test_an_endpoint_that_keeps_failing_is_given_up_on(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_status = 500
    settings = summary_settings(server, SUMMARY_RETRY_TIMES=0, SUMMARY_CONCURRENCY=1)
    result = await crawl(args={"date": DAY}, settings=settings)
    assert result.record.ok
    assert server.count()["summary"] == 3  # SUMMARY_MAX_FAILURES in a row, then no more
    assert "failed 3 times in a row: no more summaries asked for this run" in result.log
    assert result.stats["hfpapers/summaries/failed"] == 13


@deferred_f_from_coro_f
async def test_a_cached_answer_is_checked_again(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    await crawl(args={"date": DAY}, settings=summary_settings(server))
    cache_file = site / "_data" / "papers" / "summaries-ko.json"
    cache = json.loads(cache_file.read_text(encoding="utf-8"))
    first = sorted(cache)[0]
    cache[first]["summary"] = "An English answer someone committed."
    cache[sorted(cache)[1]]["summary"] = "# 제목\n- " + "가" * 5000
    cache_file.write_text(json.dumps(cache), encoding="utf-8")
    server.clear_counts()
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert server.count()["summary"] == 1  # the English one is asked for again
    post = result.post(DAY).read_text(encoding="utf-8")
    assert "An English answer" not in post
    assert max(len(line) for line in post.splitlines() if line.startswith("   - 요약: ")) < 450


def test_endpoint_urls_and_unreadable_caches(tmp_path: Path) -> None:
    import os

    from hfpapers.site import Site
    from hfpapers.summaries import Summarizer, completions_url
    from tests.conftest import project_settings

    assert completions_url("http://127.0.0.1:11434/v1") == "http://127.0.0.1:11434/v1/chat/completions"
    assert completions_url("https://api.openai.com/v1/") == "https://api.openai.com/v1/chat/completions"
    assert completions_url("https://x.test/v1/chat/completions") == "https://x.test/v1/chat/completions"
    assert completions_url("https://x.test/openai?api-version=2024") == (
        "https://x.test/openai/chat/completions?api-version=2024"
    )
    papers = tmp_path / "_data" / "papers"
    papers.mkdir(parents=True)
    os.mkfifo(papers / "summaries-ko.json")  # would block a plain read forever
    settings = project_settings(SUMMARY_API_URL="http://127.0.0.1:9/v1", SUMMARY_MODEL="m")
    assert Summarizer(settings, Site(tmp_path)).cache == {}
