"""Deployment on a real Scrapyd: the egg, a scheduled crawl, a backfill over two nodes, auth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, source_settings
from tests.fixture_server import FixtureServer
from tests.scrapyd_node import ScrapydNode

DAY = "2026-02-18"
SCRAPYD_DEPLOY = str(Path(sys.executable).with_name("scrapyd-deploy"))


@pytest.fixture(scope="session")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("egg") / "hfpapers.egg"
    proc = subprocess.run(
        [SCRAPYD_DEPLOY, f"--build-egg={path}"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return path


def test_egg_carries_both_packages_and_the_settings_entry_point(egg: Path) -> None:
    names = zipfile.ZipFile(egg).namelist()
    assert "exporters/korean_post.py" in names and "exporters/markdown.py" in names
    assert "hfpapers/spiders/daily.py" in names and "hfpapers/commands/crawl.py" in names
    assert not [n for n in names if n.startswith("tests/")]
    entry_points = zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]" in entry_points and "settings = hfpapers.settings" in entry_points


def deploy(egg: Path, nodes: dict[str, ScrapydNode], workdir: Path) -> None:
    """scrapyd-deploy, from a folder whose scrapy.cfg names the test nodes as targets."""
    workdir.mkdir(exist_ok=True)
    cfg = "[settings]\ndefault = hfpapers.settings\n"
    for name, node in nodes.items():
        cfg += f"\n[deploy:{name}]\nurl = {node.url}/\nproject = hfpapers\n"
        if node.username:
            cfg += "username = ${TEST_SCRAPYD_USER}\npassword = ${TEST_SCRAPYD_PASSWORD}\n"
    (workdir / "scrapy.cfg").write_text(cfg, encoding="utf-8")
    env = {**os.environ, "TEST_SCRAPYD_USER": "blog", "TEST_SCRAPYD_PASSWORD": "s3cret"}
    for name in nodes:
        proc = subprocess.run(
            [SCRAPYD_DEPLOY, name, "-p", "hfpapers", "--egg", str(egg)],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert proc.returncode == 0 and '"status": "ok"' in proc.stdout, proc.stdout + proc.stderr


def scrapy(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def settings_args(server: FixtureServer, site: Path) -> list[str]:
    args = []
    for name, value in {**source_settings(server), "SITE_DIR": str(site)}.items():
        args += ["-s", f"{name}={value}"]
    return args


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ScrapydNode]:
    started = ScrapydNode(tmp_path / "scrapyd")
    yield started
    started.stop()


def wait_finished(node: ScrapydNode, job: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finished = {f["id"]: f for f in node.api("listjobs.json?project=hfpapers")["finished"]}
        if job in finished:
            return finished[job]
        time.sleep(0.3)
    raise AssertionError(f"job {job} did not finish")


def test_scheduled_crawl_writes_the_post(
    egg: Path, node: ScrapydNode, server: FixtureServer, tmp_path: Path
) -> None:
    deploy(egg, {"local": node}, tmp_path / "client")
    site = tmp_path / "site"
    site.mkdir()
    proc = scrapy(
        "schedule", "--target", "local", "--date", DAY, *settings_args(server, site), cwd=tmp_path / "client"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"scheduled daily {DAY} on local ({node.url}): job ")
    job = proc.stdout.split("job ")[1].strip()
    finished = wait_finished(node, job)
    log = (node.workdir / "logs" / "hfpapers" / "daily" / f"{job}.log").read_text(encoding="utf-8")
    assert "Run outcome: ok" in log, log[-3000:]
    assert finished["log_url"].endswith(f"{job}.log")
    data = json.loads((site / "_data" / "papers" / f"daily-{DAY}.json").read_text(encoding="utf-8"))
    assert data["total_papers"] == 13
    golden = (ROOT / "tests" / "golden" / f"{DAY}-daily-papers.md").read_text(encoding="utf-8")
    assert (site / "_posts" / f"{DAY}-daily-papers.md").read_text(encoding="utf-8") == golden
    assert server.count() == {"robots": 1, "hf_page": 1, "arxiv_api": 1}


def test_backfill_over_two_nodes(egg: Path, server: FixtureServer, tmp_path: Path) -> None:
    nodes = {"one": ScrapydNode(tmp_path / "n1"), "two": ScrapydNode(tmp_path / "n2")}
    try:
        deploy(egg, nodes, tmp_path / "client")
        site = tmp_path / "site"
        site.mkdir()
        proc = scrapy(
            "backfill", "--start", "2026-02-16", "--end", "2026-02-23", "--node", "one", "--node", "two",
            "--poll", "0.3", *settings_args(server, site), cwd=tmp_path / "client",
        )  # fmt: skip
    finally:
        for n in nodes.values():
            n.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"one ({nodes['one'].url}): 2026-02-16 to 2026-02-19: job " in proc.stdout
    assert f"two ({nodes['two'].url}): 2026-02-20 to 2026-02-23: job " in proc.stdout
    assert proc.stdout.count(": ok\n") == 2 and "2 of 2 jobs finished cleanly" in proc.stdout
    posts = sorted(p.name for p in (site / "_posts").iterdir())
    weekdays = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
    assert posts == [f"{d}-daily-papers.md" for d in weekdays]
    assert server.count()["hf_page"] == 8


def test_backfill_reports_a_failed_job(
    egg: Path, node: ScrapydNode, server: FixtureServer, tmp_path: Path
) -> None:
    deploy(egg, {"local": node}, tmp_path / "client")
    server.faults.hf_status = 503
    site = tmp_path / "site"
    site.mkdir()
    proc = scrapy(
        "backfill", "--start", "2026-02-16", "--end", "2026-02-17", "--node", "local", "--poll", "0.3",
        *settings_args(server, site), "-s", "RETRY_TIMES=0", cwd=tmp_path / "client",
    )  # fmt: skip
    assert proc.returncode == 1
    assert "job " in proc.stdout and ": failed (finish reason finished, " in proc.stdout
    assert "0 of 1 jobs finished cleanly" in proc.stdout
    assert not (site / "_posts").exists()


def test_schedule_with_auth(egg: Path, server: FixtureServer, tmp_path: Path) -> None:
    secured = ScrapydNode(tmp_path / "auth", username="blog", password="s3cret")
    try:
        deploy(egg, {"local": secured}, tmp_path / "client")
        site = tmp_path / "site"
        site.mkdir()
        args = ["schedule", "--url", secured.url, "--date", DAY, *settings_args(server, site)]
        refused = scrapy(*args, cwd=tmp_path / "client")
        assert refused.returncode == 1
        assert refused.stderr.strip().startswith(f"error: {secured.url}: Scrapyd refused to schedule daily:")
        assert refused.stderr.strip().endswith("(check the username and password)")
        assert len(refused.stderr.strip().splitlines()) == 1
        wrong = scrapy(*args, "--username", "blog", "--password", "nope", cwd=tmp_path / "client")
        assert wrong.returncode == 1
        accepted = scrapy(*args, "--username", "blog", "--password", "s3cret", cwd=tmp_path / "client")
        assert accepted.returncode == 0, accepted.stderr
        # The scrapy.cfg target takes its credentials from the environment.
        env = {"TEST_SCRAPYD_USER": "blog", "TEST_SCRAPYD_PASSWORD": "s3cret"}
        by_target = scrapy(
            "schedule", "--date", DAY, *settings_args(server, site), cwd=tmp_path / "client", env=env
        )
        assert by_target.returncode == 0, by_target.stderr
        job = by_target.stdout.split("job ")[1].strip()
        deadline = time.monotonic() + 120
        while job not in {f["id"] for f in secured.api("listjobs.json?project=hfpapers")["finished"]}:
            assert time.monotonic() < deadline
            time.sleep(0.3)
    finally:
        secured.stop()
    assert (site / "_posts" / f"{DAY}-daily-papers.md").exists()


def test_schedule_needs_an_absolute_site_dir(tmp_path: Path) -> None:
    proc = scrapy("schedule", "--url", "http://127.0.0.1:9", cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: SITE_DIR: give -s SITE_DIR=/absolute/path/to/blog (Scrapyd runs jobs in its own folder)"
    )


def test_schedule_files() -> None:
    systemd = ROOT / "deploy" / "systemd"
    timers = {
        name: [line.split("=", 1)[1] for line in (systemd / f"hfpapers-{name}.timer").read_text().splitlines()
               if line.startswith(("OnCalendar=", "Unit="))]
        for name in ("daily", "weekly", "monthly")
    }  # fmt: skip
    assert timers == {
        "daily": ["hfpapers-schedule@daily.service", "*-*-* 00:15:00 UTC", "*-*-* 14:00:00 UTC"],
        "weekly": ["hfpapers-schedule@weekly.service", "Mon *-*-* 00:30:00 UTC"],
        "monthly": ["hfpapers-schedule@monthly.service", "*-*-01 00:45:00 UTC"],
    }
    service = (systemd / "hfpapers-schedule@.service").read_text()
    assert "scrapy schedule --spider %i --target local -s SITE_DIR=${SITE_DIR}" in service
    cron = [line for line in (ROOT / "deploy" / "crontab").read_text().splitlines() if line[:1].isdigit()]
    assert [(line.split()[:5], line.split("--spider ")[1].split()[0]) for line in cron] == [
        (["15", "0", "*", "*", "*"], "daily"),
        (["0", "14", "*", "*", "*"], "daily"),
        (["30", "0", "*", "*", "1"], "weekly"),
        (["45", "0", "1", "*", "*"], "monthly"),
    ]
    conf = (ROOT / "deploy" / "scrapyd.conf").read_text()
    assert "bind_address = 127.0.0.1" in conf and "jobstorage = scrapyd.jobstorage.SqliteJobStorage" in conf
    assert "\nitems_dir =\n" in conf


def test_schedule_weekly(egg: Path, node: ScrapydNode, server: FixtureServer, tmp_path: Path) -> None:
    deploy(egg, {"local": node}, tmp_path / "client")
    site = tmp_path / "site"
    site.mkdir()
    args = ["schedule", "--spider", "weekly", "--week", "2026-W08", *settings_args(server, site)]
    proc = scrapy(*args, cwd=tmp_path / "client")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("scheduled weekly 2026-W08 on local")
    wait_finished(node, proc.stdout.split("job ")[1].strip())
    assert (site / "_posts" / "2026-02-16-weekly-papers.md").exists()
