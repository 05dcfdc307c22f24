"""Korean summaries against hostile answers and caches: the deadline, what is asked for, the
cache's safety across runs. The fixture server plays the model; subprocesses only for exit
status and SIGTERM."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.args import ArgumentError
from hfpapers.items import Paper
from hfpapers.outcome import WRITTEN, RunRecord
from hfpapers.site import Site
from hfpapers.spiders.daily import DailySpider
from hfpapers.summaries import Summarizer, SummaryError, check_summary
from tests.conftest import ROOT, project_settings, run_crawl, source_settings
from tests.test_summaries import DAY, summaries_in, summary_settings

NESTED = "[" * 200_000 + "]" * 200_000
PROMPT = project_settings().get("SUMMARY_PROMPT")


def cache_of(site: Path) -> Path:
    return site / "_data" / "papers" / "summaries-ko.json"


def paper(arxiv_id: str = "2602.00001", abstract: str = "We study things.") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=f"Paper {arxiv_id}",
        upvotes=1,
        hf_url=f"https://huggingface.co/papers/{arxiv_id}",
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        abstract=abstract,
    )


# --- JSON bounded wherever it comes from outside ----------------------------------


@deferred_f_from_coro_f
async def test_an_answer_nested_too_deeply_costs_its_one_line(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_raw, server.faults.summary_raw_times = NESTED, 1
    result = await crawl(args={"date": DAY}, settings=summary_settings(server, SUMMARY_CONCURRENCY=1))
    assert result.record.ok, result.log[-3000:]
    assert len(summaries_in(result.post(DAY).read_text(encoding="utf-8"))) == 12
    assert result.stats["hfpapers/summaries/failed"] == 1
    assert "no Korean summary (not a chat completion: JSON nested too deeply to read)" in result.log
    assert "RecursionError" not in result.log


@deferred_f_from_coro_f
async def test_a_cache_nested_too_deeply_is_set_aside(server: FixtureServer, crawl, site: Path) -> None:  # type: ignore[no-untyped-def]
    cache_of(site).parent.mkdir(parents=True)
    cache_of(site).write_text(NESTED, encoding="utf-8")
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    assert len(summaries_in(result.post(DAY).read_text(encoding="utf-8"))) == 13
    [aside] = cache_of(site).parent.glob("summaries-ko.json.bad-*")
    assert aside.read_text(encoding="utf-8") == NESTED
    assert f"kept aside as {aside}" in result.log
    assert len(json.loads(cache_of(site).read_text(encoding="utf-8"))) == 13


def test_hugging_face_json_nested_too_deeply_is_a_payload_error() -> None:
    from hfpapers import hf

    with pytest.raises(hf.PayloadError, match="nested too deeply"):
        hf.parse_api(NESTED)
    page = f'<div data-target="DailyPapers" data-props="{NESTED}"></div>'
    with pytest.raises(hf.PayloadError, match="nested too deeply"):
        hf.extract_payload(page)


def test_a_run_record_nested_too_deeply_is_no_record() -> None:
    with pytest.raises(ValueError):
        RunRecord.from_json('{"lists": ' + NESTED + "}")
    good = RunRecord(finish_reason="finished").to_json()
    log = (
        f"2026-02-18 [hfpapers.run_report] INFO: Run record: {good}\n"
        f"2026-02-18 [hfpapers.run_report] INFO: Run record: {NESTED}\n"
    )
    record = RunRecord.from_log(log)
    assert record is not None and record.finish_reason == "finished"


# --- Ask only for what is shown; the deadline writes whole lists -------------------


@deferred_f_from_coro_f
async def test_top_asks_only_for_the_papers_shown(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": DAY, "top": "3"}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    assert server.count()["summary"] == 3
    assert len(summaries_in(result.post(DAY).read_text(encoding="utf-8"))) == 3


@deferred_f_from_coro_f
async def test_a_week_asks_only_for_the_papers_it_lists(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    week = await crawl(spider="weekly", args={"week": "2026-W08"}, settings=summary_settings(server))
    assert week.record.ok, week.log[-3000:]
    assert week.data("2026-W08", "weekly")["total_papers"] > 70
    assert server.count()["summary"] == 20  # POST_PERIOD_TOP
    post = week.post("2026-W08", "weekly").read_text(encoding="utf-8")
    assert post.count("   - 요약: ") == 20


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_at_the_deadline_a_whole_list_is_written_without_the_missing_lines(
    server: FixtureServer, crawl
) -> None:  # type: ignore[no-untyped-def]
    server.faults.summary_delay = 0.4  # 13 answers one at a time: 5.2 s, past the 3 s deadline
    started = time.monotonic()
    result = await crawl(
        args={"date": DAY},
        settings=summary_settings(server, SUMMARY_CONCURRENCY=1, CLOSESPIDER_TIMEOUT=3),
    )
    took = time.monotonic() - started
    [outcome] = result.record.lists
    assert outcome.status == WRITTEN, result.log[-3000:]
    shown = len(summaries_in(result.post(DAY).read_text(encoding="utf-8")))
    assert 1 <= shown < 13
    # Once nothing waits, the run ends by itself ("finished") or at the deadline, whichever is first.
    assert result.record.finish_reason in ("finished", "closespider_timeout")
    assert took < 5, took
    assert (
        f"CLOSESPIDER_TIMEOUT is near: {13 - shown} Korean summaries still out are left out of the posts"
        in result.log
    )


# --- SUMMARY_CONCURRENCY=0; one SIGTERM ends a run waiting on summaries ------------


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_a_summary_concurrency_below_one_is_refused(value: str, site: Path) -> None:
    settings = project_settings(SITE_DIR=str(site), SUMMARY_CONCURRENCY=value)
    with pytest.raises(ArgumentError, match=r"^SUMMARY_CONCURRENCY: .* is not a whole number of at least 1$"):
        DailySpider.plan({"date": DAY}, settings)


@pytest.mark.slow
def test_summary_concurrency_0_exits_2_before_any_request(server: FixtureServer, site: Path) -> None:
    result = run_crawl(
        server,
        site,
        args={"date": DAY},
        settings={
            name: str(value) for name, value in summary_settings(server, SUMMARY_CONCURRENCY=0).items()
        },
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: SUMMARY_CONCURRENCY: '0' is not a whole number of at least 1"
    assert sum(server.count().values()) == 0 and not any(site.iterdir())


@pytest.mark.slow
def test_one_sigterm_ends_a_run_waiting_for_summaries(server: FixtureServer, site: Path) -> None:
    server.faults.summary_delay = 1.0
    settings = {**source_settings(server), "SITE_DIR": str(site), **summary_settings(server)}
    settings["SUMMARY_CONCURRENCY"] = "1"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", f"date={DAY}"]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while server.count()["summary"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.count()["summary"] == 2, "the crawl never reached the model"
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5
    assert proc.returncode == 1, stderr[-3000:]
    post = (site / "_posts" / f"{DAY}-daily-papers.md").read_text(encoding="utf-8")
    assert 1 <= len(summaries_in(post)) < 13
    assert "Run outcome: failed (finish reason shutdown)" in stderr
    assert server.count()["summary"] <= 3


# --- The cache never loses a readable entry ----------------------------------------


CONFLICTED = """{
<<<<<<< HEAD
 "2602.00001|m|abc": {"model": "m", "summary": "이 논문은 무언가를 다룹니다."}
=======
 "2602.00001|m|abd": {"model": "m", "summary": "이 논문은 다른 것을 다룹니다."}
>>>>>>> origin/master
}
"""


@deferred_f_from_coro_f
async def test_a_corrupt_cache_is_kept_aside_not_overwritten(
    server: FixtureServer, crawl, site: Path
) -> None:  # type: ignore[no-untyped-def]
    cache_of(site).parent.mkdir(parents=True)
    cache_of(site).write_text(CONFLICTED, encoding="utf-8")
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    [aside] = cache_of(site).parent.glob("summaries-ko.json.bad-*")
    assert aside.read_text(encoding="utf-8") == CONFLICTED
    assert re.search(
        rf"WARNING .* {re.escape(str(cache_of(site)))}: unreadable .*; kept aside as {re.escape(str(aside))}",
        result.log,
    )
    assert len(json.loads(cache_of(site).read_text(encoding="utf-8"))) == 13
    # Only the cache goes into the commit, never the file set aside.
    assert result.record.shared_files == [str(cache_of(site))]


def test_two_runs_at_once_keep_both_runs_entries(tmp_path: Path) -> None:
    settings = project_settings(SUMMARY_API_URL="http://127.0.0.1:9/v1", SUMMARY_MODEL="m")
    first, second = Summarizer(settings, Site(tmp_path)), Summarizer(settings, Site(tmp_path))
    first.remember(paper("2602.00001"), "이 논문은 첫 번째 실행의 요약입니다.")
    second.remember(paper("2602.00002"), "이 논문은 두 번째 실행의 요약입니다.")
    assert first.save() == cache_of(tmp_path)
    assert second.save() == cache_of(tmp_path)
    saved = json.loads(cache_of(tmp_path).read_text(encoding="utf-8"))
    assert sorted(key.split("|")[0] for key in saved) == ["2602.00001", "2602.00002"]
    # An entry this version does not understand is someone's: kept as it was.
    saved["odd"] = {"note": "from a newer version"}
    cache_of(tmp_path).write_text(json.dumps(saved), encoding="utf-8")
    third = Summarizer(settings, Site(tmp_path))
    third.remember(paper("2602.00003"), "이 논문은 세 번째 실행의 요약입니다.")
    third.save()
    assert json.loads(cache_of(tmp_path).read_text(encoding="utf-8"))["odd"] == {
        "note": "from a newer version"
    }


def test_the_cache_is_saved_under_the_publishing_lock(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    settings = project_settings(SUMMARY_API_URL="http://127.0.0.1:9/v1", SUMMARY_MODEL="m", PUBLISH_TIMEOUT=5)
    summarizer = Summarizer(settings, Site(tmp_path))
    summarizer.remember(paper(), "이 논문은 잠금 아래에서 저장됩니다.")
    released = threading.Event()
    with (tmp_path / ".git" / "hfpapers-publish.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run, publishing

        def release() -> None:
            time.sleep(0.5)
            released.set()
            fcntl.flock(lock, fcntl.LOCK_UN)

        threading.Thread(target=release, daemon=True).start()
        summarizer.save()
        assert released.is_set(), "saved while another run held the lock"
    assert cache_of(tmp_path).exists()


def test_a_lock_held_too_long_is_an_os_error(tmp_path: Path) -> None:
    settings = project_settings(
        SUMMARY_API_URL="http://127.0.0.1:9/v1", SUMMARY_MODEL="m", PUBLISH_TIMEOUT=0.3
    )
    summarizer = Summarizer(settings, Site(tmp_path))
    summarizer.remember(paper(), "이 논문은 잠금 아래에서 저장됩니다.")
    cache_of(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache_of(tmp_path).parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(OSError, match="another run held the summaries cache"):
            summarizer.save()
    finally:
        os.close(fd)
    assert not cache_of(tmp_path).exists()


# --- A summary is Korean, the model's own, finished, and links nothing new ------------

GOOD = (
    "이 논문은 대규모 언어 모델(LLM)의 추론을 위한 Chain-of-Thought 기법을 제안하고,"
    " GSM8K에서 성능이 오른다는 것을 보입니다."
)
ABSTRACT = "We study things. Code: https://github.com/a/b."


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (PROMPT, "echoes the prompt"),
        (f"네, 알겠습니다. {PROMPT[:60]} 이 논문은 좋습니다.", "echoes the prompt"),
        (
            "This paper proposes a new method for long-context reasoning and shows strong results. 요약합니다"
            " https://evil.test/login",
            "not Korean",
        ),
        (
            GOOD + " 자세한 내용은 https://evil.test/x 에서 볼 수 있습니다.",
            "a link the abstract does not have",
        ),
        (GOOD + " 코드: www.evil.test", "a link the abstract does not have"),
        # Only a prefix of the abstract's https://github.com/a/b: another address.
        (GOOD + " 코드: https://github.com/a", "a link the abstract does not have: https://github.com/a$"),
        (GOOD + " 코드: https://github.com/a/", "a link the abstract does not have"),
        (GOOD + " 코드: https://github.com/a/b/c", "a link the abstract does not have"),
    ],
)
def test_an_answer_that_is_no_summary_is_refused(answer: str, why: str) -> None:
    with pytest.raises(SummaryError, match=why):
        check_summary(answer, prompt=PROMPT, title="Paper", abstract=ABSTRACT, max_chars=400)


@pytest.mark.parametrize("link", ["https://github.com/a/b", "https://github.com/a/b.", "www.x.org/p"])
def test_a_real_summary_passes_with_english_terms_and_the_abstracts_own_link(link: str) -> None:
    answer = GOOD + f" 코드는 {link} 에 공개되어 있습니다."
    abstract = ABSTRACT + " Data: https://www.x.org/p."
    assert check_summary(answer, prompt=PROMPT, title="Paper", abstract=abstract, max_chars=400) == answer


@pytest.mark.parametrize(
    ("fault", "value", "why"),
    [
        ("summary_answer", PROMPT, "echoes the prompt"),
        ("summary_answer", "This paper is about {title}. 한국어요약입니다 https://evil.test", "not Korean"),
        ("summary_finish_reason", "length", "cut off"),
    ],
)
@deferred_f_from_coro_f
async def test_a_bad_answer_is_neither_posted_nor_cached(
    server: FixtureServer, crawl, site: Path, fault: str, value: str, why: str
) -> None:  # type: ignore[no-untyped-def]
    setattr(server.faults, fault, value)
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    assert "요약:" not in result.post(DAY).read_text(encoding="utf-8")
    assert not cache_of(site).exists()
    assert result.stats["hfpapers/summaries/failed"] == 13
    assert f"no Korean summary ({why}" in result.log


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.test/x",
        # The start of the abstract's https://github.com/zai-org/GLM-5: another address.
        "https://github.com/zai-org",
    ],
)
@deferred_f_from_coro_f
async def test_a_cached_answer_that_links_elsewhere_is_asked_again(
    server: FixtureServer, crawl, site: Path, link: str
) -> None:  # type: ignore[no-untyped-def]
    await crawl(args={"date": DAY}, settings=summary_settings(server))
    cache = json.loads(cache_of(site).read_text(encoding="utf-8"))
    [glm] = [key for key in cache if key.startswith("2602.15763|")]
    cache[glm]["summary"] += f" {link}"
    cache_of(site).write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
    server.clear_counts()
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert server.count()["summary"] == 1
    summaries = [
        line for line in result.post(DAY).read_text(encoding="utf-8").splitlines() if "요약:" in line
    ]
    assert len(summaries) == 13 and not any(link in line for line in summaries)
