"""What only a whole `scrapy crawl` process shows: its exit status, its output, and SIGINT."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixture_server import FixtureServer
from hfpapers.outcome import RunRecord
from tests.conftest import ROOT, run_crawl, source_settings
from tests.test_faults import digests, seed_existing

pytestmark = pytest.mark.slow  # every test here starts a process other than git

DAY = "2026-02-18"


def test_a_failed_day_exits_1_and_names_it_but_keeps_the_others(server: FixtureServer, site: Path) -> None:
    before = seed_existing(site, "2026-02-17")
    server.faults.fail_paths = {"/papers/date/2026-02-17": 503}
    result = run_crawl(
        server, site, args={"start": "2026-02-16", "end": "2026-02-18"}, settings={"RETRY_TIMES": "0"}
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Run outcome: failed (Hugging Face failed for 2026-02-17: HTTP 503)" in result.stderr
    assert result.post("2026-02-16").exists() and result.post("2026-02-18").exists()
    old = {path: digest for path, digest in digests(site).items() if "2026-02-17" in path.name}
    assert old == before  # the failed day's earlier post, byte for byte


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ("STATS_CLASS=nowhere.Stats", "ModuleNotFoundError: No module named 'nowhere'"),
        ("RETRY_HTTP_CODES=abc", "ValueError: invalid literal for int() with base 10: 'abc'"),
    ],
)
def test_a_scrapy_setting_that_keeps_the_crawl_from_starting_is_named_in_the_last_line(
    server: FixtureServer, site: Path, setting: str, why: str
) -> None:
    name, _, value = setting.partition("=")
    result = run_crawl(server, site, args={"date": DAY}, settings={name: value})
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith(f"Run outcome: failed (the crawl could not start: {why})")
    assert server.count() == {} and not any(site.iterdir())


def test_weekend_exits_0(server: FixtureServer, site: Path) -> None:
    result = run_crawl(server, site, args={"date": "2026-02-21"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no papers for 2026-02-21" in result.stderr
    assert not any(site.iterdir())


def test_sigint_mid_crawl_writes_the_lists_read_with_hugging_faces_data(
    server: FixtureServer, site: Path
) -> None:
    """Scrapy finishes what is in flight and stops, and sends nothing more: the lists whose
    pages are in are written with Hugging Face's data, not lost."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", "start=2026-02-17", "-a", "end=2026-02-18"]
    # The second page waits 2 s in its download slot: the stop comes first, and the
    # arXiv request that would follow it is never sent.
    settings = {**source_settings(server), "SITE_DIR": str(site), "HF_PAGE_DELAY": "2"}
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while server.count()["hf_page"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.count()["hf_page"] == 1, "the crawl never reached Hugging Face"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr[-3000:]
    assert stderr.rstrip().endswith("Run outcome: failed (finish reason shutdown)"), stderr[-3000:]
    assert server.count()["arxiv_api"] == 0 and server.count()["hf_page"] == 2
    for day in ("2026-02-17", "2026-02-18"):
        data = json.loads((site / "_data" / "papers" / f"daily-{day}.json").read_text(encoding="utf-8"))
        assert {paper["abstract_source"] for paper in data["papers"]} == {"huggingface"}


def test_a_log_file_at_error_level_ends_with_the_outcome_of_a_good_run(
    server: FixtureServer, site: Path, tmp_path: Path
) -> None:
    """As under Scrapyd (LOG_FILE set): a log that shows only errors still holds the record
    the backfill reads and the last line, and a good run reads as no error."""
    log = tmp_path / "job.log"
    result = run_crawl(
        server, site, args={"date": DAY}, settings={"LOG_LEVEL": "ERROR", "LOG_FILE": str(log)}
    )
    assert result.returncode == 0, log.read_text(encoding="utf-8")[-3000:]
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2, lines
    assert " [hfpapers.run_report] INFO: Run record: {" in lines[0]
    assert lines[-1].endswith(" [hfpapers.run_report] INFO: Run outcome: ok")
    record = RunRecord.from_log("\n".join(lines))
    assert record is not None and record.ok and record.lists[0].papers == 13


def test_offline_is_one_error_line_that_names_the_host_and_the_demo(
    server: FixtureServer, site: Path
) -> None:
    # A name under .invalid never resolves (RFC 2606): what a machine without the internet sees.
    nowhere = {
        "HF_BASE_URL": "https://huggingface.invalid",
        "ARXIV_API_URL": "https://export.arxiv.invalid/api/query",
    }
    result = run_crawl(server, site, args={"date": DAY}, settings={**nowhere, "RETRY_BACKOFF_BASE": "0.01"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, errors
    assert f"Hugging Face failed for {DAY}: CannotResolveHostError from huggingface.invalid:" in errors[0]
    assert errors[0].endswith("(offline? ./scripts/demo.sh crawls recorded data without the internet)")
    assert (
        result.stderr.rstrip()
        .splitlines()[-1]
        .endswith(f"Run outcome: failed ({errors[0].split(' ERROR: ')[1]})")
    )
    # The robots.txt warning names robots.txt, not the page that asked for it.
    [robots] = [
        line for line in result.stderr.splitlines() if "[scrapy.downloadermiddlewares.robotstxt]" in line
    ]
    assert "WARNING: Cannot read https://huggingface.invalid/robots.txt (" in robots
    assert "/papers/date/" not in robots


def test_ctrl_c_in_a_backfill_asks_no_more_lists_and_writes_the_whole_ones(
    server: FixtureServer, site: Path
) -> None:
    """The first interrupt stops asking Hugging Face; lists whole by then are written."""
    days = [f"2026-02-{d}" for d in range(13, 24)]  # 11 days, weekends included
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "daily",
        "-a",
        f"start={days[0]}",
        "-a",
        f"end={days[-1]}",
    ]
    # Pages 1 s apart; an arXiv request per id (no batch waits for the next day), at once.
    settings = {
        **source_settings(server),
        "SITE_DIR": str(site),
        "HF_PAGE_DELAY": "1",
        "ARXIV_BATCH_SIZE": "1",
    }
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    # Stopped once the first day's 31 papers were all asked of arXiv: that day is whole.
    while (server.count().get("hf_page", 0) < 2 or server.count().get("arxiv_api", 0) < 31) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr[-3000:]
    asked = server.count()["hf_page"]
    # Two lists are asked for at a time: at most two more after the two seen.
    assert asked <= 4, f"{asked} of {len(days)} days still asked for after the stop"
    [stopping] = re.findall(r"the run was stopped: (\d+) lists not asked for \((\S+) to (\S+)\)", stderr)
    written = sorted(p.name[:10] for p in (site / "_posts").glob("*.md"))
    assert "2026-02-13" in written and set(written) <= set(days[:asked])  # the whole ones, in full
    for day in written:
        assert f"{day}: written" not in stderr  # the report says it by status, not reason
    report = stderr[stderr.index("Run report") :]
    assert re.search(rf"^  lists written +{len(written)}$", report, re.M), report
    unfinished = [d for d in days if f"{d}: failed: not finished (finish reason shutdown)" in report]
    not_asked = [d for d in days if f"{d}: failed: not asked for: the run was stopped first" in report]
    weekends = [
        d for d in ("2026-02-14", "2026-02-15") if f'"key": "{d}", "kind": "daily", "papers": 0' in report
    ]
    assert unfinished == []  # a day whose page was read is never lost to the stop
    assert sorted(written + not_asked + weekends) == days  # every day's outcome, said
    # The warning and the report name the same lists.
    assert (int(stopping[0]), stopping[1], stopping[2]) == (len(not_asked), not_asked[0], not_asked[-1])
    assert not_asked == days[days.index(not_asked[0]) :]


def test_a_full_disk_leaves_no_empty_temporary_file(server: FixtureServer, site: Path) -> None:
    """The post's write fails (a file size limit stands for a full disk); the list
    fails with one line, and no 0-byte .tmp stays beside the posts."""
    import resource

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit is then EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily", "-a", "date=2026-02-18"]
    for name, value in {**source_settings(server), "SITE_DIR": str(site)}.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=small_files)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "2026-02-18: cannot write its files: [Errno 27] File too large" in proc.stderr
    assert [p.name for p in site.rglob("*") if p.is_file()] == []
