"""Scrapyd nodes that hang, trickle, flood or answer nonsense: every wait and read is bounded, and
each such answer is one line for its node or job, never a traceback.

The nodes are small HTTP servers in this process (tests/scrapyd_node.py, `HostileScrapyd`);
the backfill runs in-process, and as the `scrapy backfill` command where its exit and its
wall-clock bound are the point.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from hfpapers import monitor, scrapyd
from hfpapers.monitor import NO_RECORD
from hfpapers.outcome import ListOutcome, RunRecord
from hfpapers.scrapyd import Job, Node, backfill
from hfpapers.scrapyd_cli import positive_seconds
from tests.conftest import ROOT
from tests.scrapyd_node import HostileScrapyd, Route, _Handler, free_port

DAYS = ["2026-02-16", "2026-02-17"]
LOG_URL = HostileScrapyd.LOG_URL


def job_log(record: RunRecord) -> str:
    """The end of a job log as Scrapy writes it: the record, then the stats and the last line."""
    return (
        "2026-02-18 00:15:00 [scrapy.core.engine] INFO: Spider opened\n"
        f"2026-02-18 00:15:01 [hfpapers.run_report] INFO: Run record: {record.to_json()}\n"
        "2026-02-18 00:15:01 [scrapy.statscollectors] INFO: Dumping Scrapy stats:\n{'x': 1}\n"
        "2026-02-18 00:15:01 [hfpapers.run_report] INFO: Run outcome: ok\n"
    )


GOOD = job_log(RunRecord("finished", [ListOutcome("daily", day, "written") for day in DAYS]))


@pytest.fixture
def node() -> Iterator[HostileScrapyd]:
    server = HostileScrapyd(GOOD)
    yield server
    server.stop()


def run(
    *servers: HostileScrapyd, timeout: float = 30, poll: float = 0.02
) -> tuple[list[Job], list[str], float]:
    """The backfill of `DAYS` over ``servers``, with ``timeout`` as the command's --timeout."""
    said: list[str] = []
    deadline = time.monotonic() + timeout
    nodes = [Node(server.url, server.url, deadline=deadline) for server in servers]
    started = time.monotonic()
    jobs = backfill(
        nodes, date(2026, 2, 16), date(2026, 2, 17), "hfpapers", {"SITE_DIR": "/srv/blog"}, poll, said.append
    )
    return jobs, said, time.monotonic() - started


def test_a_healthy_node_reports_its_job(node: HostileScrapyd) -> None:
    (job,), said, _ = run(node)
    assert said == [f"{node.url}: 2026-02-16 to 2026-02-17: job {node.JOB_ID} scheduled"]
    assert job.ok and job.report() == [
        f"{node.url}: 2026-02-16 to 2026-02-17: job {node.JOB_ID}: ok (2 lists written)"
    ]
    # The log's size, then the log: one of each.
    assert node.count(f"HEAD {LOG_URL}") == 1 and node.count(f"GET {LOG_URL}") == 1


@pytest.mark.slow
def test_listjobs_that_never_answers_ends_at_the_timeout(node: HostileScrapyd) -> None:
    node.routes["/listjobs.json"] = _Handler.hang
    (job,), _, took = run(node, timeout=2)
    assert not job.ok
    assert job.problem.startswith("lost sight of the job at the timeout: cannot list jobs: no answer within ")
    assert took < 2 + 1.5
    assert node.count("GET /listjobs.json") == 1  # the one call waited out the command's time


@pytest.mark.parametrize(
    ("listing", "why"),
    [
        ({"status": "busy"}, "cannot list jobs: answered listjobs.json with status 'busy', not 'ok'"),
        (
            {"status": "ok", "finished": "oops"},
            "cannot list jobs: answered listjobs.json with 'finished' that is no list",
        ),
        (
            [1, 2],
            "cannot list jobs: answered listjobs.json with HTTP 200 and no Scrapyd JSON (is it Scrapyd?)",
        ),
        ({"status": "error", "message": "\x1b[2Jdisk\nfull"}, "Scrapyd refused to list jobs: disk full"),
    ],
)
def test_a_listjobs_answer_no_scrapyd_gives_is_one_line_after_three_polls(
    node: HostileScrapyd, listing: object, why: str
) -> None:
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(listing)
    (job,), _, _ = run(node)
    assert job.problem == f"lost sight of the job: {why}"
    assert job.report() == [f"{node.url}: 2026-02-16 to 2026-02-17: job {node.JOB_ID}: failed: {job.problem}"]
    assert node.count("GET /listjobs.json") == scrapyd.MAX_POLL_FAILURES


def test_entries_without_a_usable_id_are_passed_over(node: HostileScrapyd) -> None:
    entries = [{"log_url": "/logs/x.log"}, {"id": 7}, {"id": "a b\x1b[0m"}, "junk", None]
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(
        {**node.listing(), "pending": entries, "running": [{"spider": "daily"}]}
    )
    (job,), _, _ = run(node)
    assert job.ok, job.problem


def test_a_schedule_answer_without_a_job_id_fails_that_job_alone(node: HostileScrapyd) -> None:
    other = HostileScrapyd(job_log(RunRecord("finished", [ListOutcome("daily", "2026-02-17", "written")])))
    node.routes["/schedule.json"] = lambda handler: handler.send_json({"status": "ok"})
    try:
        (first, second), said, _ = run(node, other)
    finally:
        other.stop()
    why = "not scheduled: cannot schedule daily: answered schedule.json without a job id (None)"
    assert said[0] == f"{node.url}: 2026-02-16 to 2026-02-16: {why}"
    assert first.report() == [f"{node.url}: 2026-02-16 to 2026-02-16: failed: {why}"]
    assert second.ok and second.report()[0].endswith(": ok (1 list written)")
    assert node.count("GET /listjobs.json") == 0  # nothing of its own to wait for


def test_a_job_log_that_never_ends_is_read_to_a_bound(node: HostileScrapyd) -> None:
    node.routes["/logs/hfpapers/daily/"] = _Handler.endless
    (job,), _, _ = run(node)
    assert job.problem == f"cannot read the job log {LOG_URL}: answer over 64 MiB"
    # Read and dropped as it came: what was sent past the bound sat in socket buffers.
    assert node.sent < scrapyd.MAX_LOG_BYTES + 16 * 1024 * 1024


@pytest.mark.slow
def test_a_job_log_that_trickles_ends_at_the_timeout(node: HostileScrapyd) -> None:
    node.routes["/logs/hfpapers/daily/"] = lambda handler: handler.endless(pause=0.05)
    (job,), _, took = run(node, timeout=2)
    assert job.problem.startswith(f"cannot read the job log {LOG_URL}: answer not whole within ")
    assert took < 2 + 1.5


def test_a_job_log_the_node_cannot_serve(node: HostileScrapyd) -> None:
    node.routes["/logs/hfpapers/daily/"] = lambda handler: handler.send_json({}, status=500)
    (job,), _, _ = run(node)
    assert job.problem == f"cannot read the job log {LOG_URL}: HTTP 500"


def test_a_log_size_that_is_no_number_reads_the_log_whole(node: HostileScrapyd) -> None:
    """``Content-Length: ²`` passes str.isdigit and int() refuses it: the size is unknown."""

    def odd_size(handler: _Handler) -> None:
        if handler.command != "HEAD":
            handler.send_text(GOOD)
            return
        handler.send_response(200)
        handler.send_header("Content-Length", "\u00b2")
        handler.end_headers()

    node.routes["/logs/hfpapers/daily/"] = odd_size
    (job,), _, _ = run(node)
    assert job.ok, job.report()


def test_a_compressed_answer_is_refused_before_it_is_unpacked(node: HostileScrapyd) -> None:
    def gzipped(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", "4")
        handler.end_headers()
        handler.wfile.write(b"\x1f\x8b\x08\x00")

    node.routes["/listjobs.json"] = gzipped
    (job,), _, _ = run(node)
    assert job.problem == "lost sight of the job: cannot list jobs: answered with Content-Encoding 'gzip'"


def test_a_listing_too_large_is_refused(node: HostileScrapyd) -> None:
    node.routes["/listjobs.json"] = _Handler.endless
    (job,), _, _ = run(node)
    assert job.problem == "lost sight of the job: cannot list jobs: answer over 8 MiB"


def test_a_job_that_vanishes_from_its_node_is_given_up(
    node: HostileScrapyd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scrapyd, "VANISHED_AFTER", 0.2)
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(node.listing(finished=[]))
    (job,), _, _ = run(node)
    assert job.problem == "Scrapyd lists the job no more (restarted without its job storage?)"


def backfill_command(node: HostileScrapyd, *options: str) -> subprocess.CompletedProcess[str]:
    args = ["backfill", "--start", DAYS[0], "--end", DAYS[1], "--node", node.url, "--poll", "0.05"]
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args, *options, "-s", "SITE_DIR=/srv/blog"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
def test_the_command_ends_by_its_timeout_against_a_silent_node(node: HostileScrapyd) -> None:
    node.routes["/listjobs.json"] = _Handler.hang
    started = time.monotonic()
    proc = backfill_command(node, "--timeout", "4")
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "lost sight of the job at the timeout: cannot list jobs: no answer within" in proc.stdout
    assert proc.stdout.rstrip().endswith("0 of 1 jobs finished cleanly")
    assert proc.stderr == ""
    assert took < 4 + 6  # the interpreter's start-up on a loaded machine, not another wait


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "answer", "line"),
    [
        (
            "/schedule.json",
            {"status": "ok"},
            "failed: not scheduled: cannot schedule daily: answered schedule.json without a job id (None)",
        ),
        (
            "/listjobs.json",
            {"status": "busy"},
            "failed: lost sight of the job: cannot list jobs: answered listjobs.json",
        ),
    ],
)
def test_the_command_reports_a_malformed_answer_in_one_line(
    node: HostileScrapyd, path: str, answer: object, line: str
) -> None:
    node.routes[path] = lambda handler: handler.send_json(answer)
    proc = backfill_command(node)
    assert proc.returncode == 1
    assert line in proc.stdout and "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_bounds_must_be_positive_seconds(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=f"^{value!r} is not a number of seconds above 0$"):
        positive_seconds(value)


@pytest.mark.slow
def test_a_bad_bound_is_a_usage_error_before_any_call(node: HostileScrapyd) -> None:
    proc = backfill_command(node, "--timeout", "0")
    assert proc.returncode == 2
    assert "argument --timeout: '0' is not a number of seconds above 0" in proc.stderr
    assert node.asked == []


# --- scrapy jobs ---------------------------------------------------------------------------

NOW = datetime(2026, 2, 18, 9, 30)


def finished(job_id: str, ended: str, log_url: object) -> dict[str, object]:
    return {
        "id": job_id,
        "spider": "daily",
        "start_time": "2026-02-18 09:15:00.5",
        "end_time": ended,
        "log_url": log_url,
    }


def test_recent_jobs_read_the_outcome_of_each_recent_finished_job(node: HostileScrapyd) -> None:
    node.routes["/logs/crashed/"] = lambda handler: handler.send_text("Traceback (most recent call last):\n")
    jobs = [
        finished(node.JOB_ID, "2026-02-18 09:16:00.25", LOG_URL),
        finished("crashed", "2026-02-18 09:16:00", "/logs/crashed/j.log"),
        finished("nologs", "2026-02-18 09:16:00", None),
        finished("old", "2026-02-16 09:16:00", "/logs/old/j.log"),  # before --since: its log is not read
        {"id": "queued", "spider": "weekly", "args": {"week": "2026-W08", "_job": "queued"}},
        {"no": "id"},
    ]
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(
        {"status": "ok", "pending": jobs[4:], "finished": jobs[:4]}
    )
    seen, unreadable = monitor.recent_jobs(
        Node(node.url, node.url), "hfpapers", since=NOW - timedelta(days=1)
    )
    assert unreadable == 1
    assert [(job.job_id, job.outcome) for job in seen] == [
        (node.JOB_ID, "ok"),
        ("crashed", "no record"),
        ("nologs", "no record"),
        ("queued", "pending"),
    ]
    assert seen[0].columns()[1:] == ["daily", "2026-02-16 to 2026-02-17 (2 lists)", "2026-02-18 09:15:00",
                                     "2026-02-18 09:16:00", "ok (2 lists written)"]  # fmt: skip
    assert seen[1].result() == "no record (the job ended without a run record (it crashed or never started))"
    assert seen[2].result() == f"no record ({scrapyd.ENDED_BEFORE_ITS_LOG})"  # the others have logs
    assert seen[3].what() == "week=2026-W08"
    assert node.count("GET /logs/old/j.log") == 0


@pytest.mark.parametrize(
    ("text", "cutoff"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("12h", NOW - timedelta(hours=12)),
        ("2d", NOW - timedelta(days=2)),
        ("1w", NOW - timedelta(weeks=1)),
    ],
)
def test_since_takes_a_span(text: str, cutoff: datetime) -> None:
    assert monitor.since_cutoff(text, NOW) == cutoff


def jobs_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "jobs", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
def test_jobs_is_quiet_when_all_went_well_and_loud_when_a_node_is_down(node: HostileScrapyd) -> None:
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(
        node.listing([finished(node.JOB_ID, datetime.now().isoformat(sep=" "), LOG_URL)])
    )
    quiet = jobs_command("--node", node.url, "--quiet")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    down = f"http://127.0.0.1:{free_port()}"
    loud = jobs_command("--node", node.url, "--node", down, "--quiet", "--since", "2d")
    assert loud.returncode == 1, loud.stderr
    assert f"{down}: cannot list jobs: cannot reach Scrapyd" in loud.stdout.splitlines()
    assert "ok (2 lists written)" in loud.stdout and loud.stderr == ""
    bad = jobs_command("--node", node.url, "--since", "yesterday")
    assert bad.returncode == 2
    assert bad.stderr == "error: since: 'yesterday' is not a span such as 30m, 12h, 2d or 1w\n"


def test_recent_jobs_read_a_bounded_number_of_logs(
    node: HostileScrapyd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor, "MAX_LOGS_READ", 3)
    jobs = [finished(f"job{n}", f"2026-02-18 09:2{n}:00", LOG_URL) for n in range(5)]
    jobs.append(finished("odd", "2026-13-45 99:99:99", LOG_URL))  # not a time: listed, its log read
    node.routes["/listjobs.json"] = lambda handler: handler.send_json({"status": "ok", "finished": jobs})
    seen, _ = monitor.recent_jobs(Node(node.url, node.url), "hfpapers", since=NOW - timedelta(days=1))
    outcomes = {job.job_id: (job.outcome, job.problem) for job in seen}
    skipped = (NO_RECORD, "log not read: over 3 jobs finished within the span (narrow --since)")
    # The latest three read (start times tie: Scrapyd's order, the latest last); the others said so.
    read = ("ok", "")
    assert outcomes == {
        "odd": read,
        "job4": read,
        "job3": read,
        "job2": skipped,
        "job1": skipped,
        "job0": skipped,
    }
    assert node.count(f"GET {LOG_URL}") == 3


# --- A login in a node's URL ---------------------------------------------------------------

LOGIN = "blog:s3cret"
BASIC = "Basic " + base64.b64encode(LOGIN.encode()).decode()


def url_with_login(url: str) -> str:
    return url.replace("http://", f"http://{LOGIN}@", 1)


def logins_sent(node: HostileScrapyd) -> list[str | None]:
    """The Authorization header of every request the node gets from now on."""
    sent: list[str | None] = []
    for path, route in list(node.routes.items()):

        def recording(handler: _Handler, route: Route = route) -> None:
            sent.append(handler.headers.get("Authorization"))
            route(handler)

        node.routes[path] = recording
    return sent


def test_a_login_in_a_node_url_is_sent_and_never_shown(node: HostileScrapyd) -> None:
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(
        node.listing([finished(node.JOB_ID, "2026-02-18 09:20:00", None)])
    )
    sent = logins_sent(node)
    target = Node(url_with_login(node.url), url_with_login(node.url))
    (job,), _ = monitor.recent_jobs(target, "hfpapers", since=NOW - timedelta(days=1))
    assert sent == [BASIC]
    shown = " ".join([str(target), repr(target), target.url, job.result(), *job.columns()])
    assert "s3cret" not in shown and "blog:" not in shown
    assert str(target) == node.url


@pytest.mark.parametrize("spec", ["http://admin:pa#ss@127.0.0.1:9", "http://admin:p/w?x@127.0.0.1:9"])
def test_a_login_that_breaks_the_url_is_never_shown(spec: str) -> None:
    """A password with "#", "/" or "?" not percent-encoded ends the host part early."""
    target = Node(spec, spec)
    assert "admin" not in f"{target} {target!r} {target.url} {target.name}"
    assert "pa" not in target.url.split("@")[0].removeprefix("http://")


def test_a_node_without_a_scheme_never_shows_its_login() -> None:
    with pytest.raises(scrapyd.ScrapydError) as caught:
        scrapyd.resolve_node("admin:s3cr3t@127.0.0.1:9")
    assert "s3cr3t" not in str(caught.value) and "admin" not in str(caught.value)


def test_a_login_given_apart_wins_over_the_urls(node: HostileScrapyd) -> None:
    sent = logins_sent(node)
    target = Node(node.url, url_with_login(node.url) + "/", "other", "pass")
    target.jobs("hfpapers")
    assert sent == ["Basic " + base64.b64encode(b"other:pass").decode()]
    assert target.url == node.url and "s3cret" not in str(target)


@pytest.mark.slow
def test_the_commands_never_print_a_login_in_a_node_url(node: HostileScrapyd, tmp_path: Path) -> None:
    failed = job_log(RunRecord("finished", [ListOutcome("daily", DAYS[0], "failed", "HTTP 503")]))
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(
        node.listing([finished(node.JOB_ID, datetime.now().isoformat(sep=" "), LOG_URL)])
    )
    node.log = failed
    sent = logins_sent(node)
    down = url_with_login(f"http://127.0.0.1:{free_port()}")
    jobs = jobs_command("--node", url_with_login(node.url), "--node", down)
    assert jobs.returncode == 1, jobs.stderr
    assert f"  log: {node.url}{LOG_URL}" in jobs.stdout.splitlines()
    assert f"{down.replace(LOGIN + '@', '')}: cannot list jobs: cannot reach Scrapyd" in jobs.stdout
    backfill = subprocess.run(
        [sys.executable, "-m", "scrapy", "backfill", "--start", DAYS[0], "--end", DAYS[1],
         "--node", url_with_login(node.url), "--node", down, "-s", "SITE_DIR=/srv/blog"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert backfill.returncode == 1
    assert f"error: nothing scheduled: {down.replace(LOGIN + '@', '')}: cannot reach" in backfill.stderr
    assert sent == [BASIC] * 4  # listjobs, HEAD and GET of the log; listspiders
    # A deploy target of scrapy.cfg with the login in its URL, run from the folder of that file.
    (tmp_path / "scrapy.cfg").write_text(
        f"[settings]\ndefault = hfpapers.settings\n\n[deploy:creds]\nurl = {down}/\nproject = hfpapers\n",
        encoding="utf-8",
    )
    schedule = subprocess.run(
        [sys.executable, "-m", "scrapy", "schedule", "--target", "creds", "-s", "SITE_DIR=/srv/blog"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert schedule.returncode == 1
    assert schedule.stderr.startswith(f"error: creds ({down.replace(LOGIN + '@', '')}): cannot schedule")
    for proc in (jobs, backfill, schedule):
        assert "s3cret" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_a_job_that_ended_before_its_log_is_said_to_have_been_refused(node: HostileScrapyd) -> None:
    """Scrapyd gives a job's log_url only once its log exists: a job refused by its checks has none."""
    jobs = [
        finished("good", "2026-02-18 09:20:00", LOG_URL),
        finished("refused", "2026-02-18 09:21:00", None),
    ]
    node.routes["/listjobs.json"] = lambda handler: handler.send_json({"status": "ok", "finished": jobs})
    seen, _ = monitor.recent_jobs(Node(node.url, node.url), "hfpapers", since=NOW - timedelta(days=1))
    problems = {job.job_id: job.problem for job in seen}
    assert problems == {"good": "", "refused": scrapyd.ENDED_BEFORE_ITS_LOG}
    assert "logs_dir" not in scrapyd.ENDED_BEFORE_ITS_LOG
    # With no log on the node at all, it may keep none: both are said.
    del jobs[0]
    (alone,), _ = monitor.recent_jobs(Node(node.url, node.url), "hfpapers", since=NOW - timedelta(days=1))
    assert alone.problem.startswith(scrapyd.ENDED_BEFORE_ITS_LOG + ", or Scrapyd keeps no logs")


def test_a_backfill_job_that_ended_before_its_log_says_so(node: HostileScrapyd) -> None:
    other = finished("other", "2026-02-18 09:20:00", LOG_URL)
    node.routes["/listjobs.json"] = lambda handler: handler.send_json(
        node.listing([other, finished(node.JOB_ID, "2026-02-18 09:21:00", None)])
    )
    (job,), _, _ = run(node)
    assert job.report() == [f"{node.url}: {DAYS[0]} to {DAYS[1]}: job {node.JOB_ID}: failed: "
                            f"{scrapyd.ENDED_BEFORE_ITS_LOG}"]  # fmt: skip


@pytest.mark.parametrize("command", ["schedule", "backfill", "jobs"])
def test_an_option_a_command_does_not_know_is_refused_never_ignored(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Scrapy passes on what its parser does not know: `schedule --node URL` went to the default node."""
    import argparse
    import importlib

    cmd = importlib.import_module(f"hfpapers.commands.{command}").Command()
    with pytest.raises(SystemExit) as exited:
        cmd.process_options(["--node", "http://blog:s3cret@127.0.0.1:9"], argparse.Namespace(set=[]))
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "error: not an option of this command: --node http://***@127.0.0.1:9 (--help lists them)\n"
    )
