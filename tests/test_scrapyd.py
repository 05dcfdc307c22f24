"""Deployment on a real Scrapyd: the egg, a scheduled crawl, a backfill over two nodes, auth."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import hfpapers
from fixture_server import FixtureServer
from hfpapers.outcome import RunRecord
from hfpapers.scrapyd import Node
from tests.conftest import ROOT, source_settings
from tests.scrapyd_node import ScrapydNode, free_port

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


@pytest.mark.slow
def test_egg_ships_both_packages_its_data_and_the_settings_entry_point(egg: Path, tmp_path: Path) -> None:
    names = zipfile.ZipFile(egg).namelist()
    assert "exporters/korean_post.py" in names and "exporters/data_file.py" in names
    assert "hfpapers/spiders/daily.py" in names and "hfpapers/commands/crawl.py" in names
    assert "hfpapers/paper.schema.json" in names
    assert {n.split("/")[0] for n in names} == {"hfpapers", "exporters", "EGG-INFO"}
    assert sorted(zipfile.ZipFile(egg).read("EGG-INFO/top_level.txt").decode().split()) == [
        "exporters",
        "hfpapers",
    ]
    # Imports from the zipped egg alone, far from the checkout, as Scrapyd runs it.
    proc = subprocess.run(
        [sys.executable, "-c", "import exporters, hfpapers.writer; print(exporters.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(egg)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.startswith(str(egg)), proc.stderr
    # pip refuses an older Python instead of installing a package that cannot import.
    metadata = zipfile.ZipFile(egg).read("EGG-INFO/PKG-INFO").decode()
    assert "Requires-Python: >=3.11" in metadata
    assert f"\nVersion: {hfpapers.__version__}\n" in metadata  # the one version, hfpapers/__init__.py
    entry_points = zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]" in entry_points and "settings = hfpapers.settings" in entry_points


def deploy_config(nodes: dict[str, ScrapydNode], workdir: Path) -> None:
    """A scrapy.cfg naming the test nodes as deploy targets."""
    workdir.mkdir(exist_ok=True)
    cfg = "[settings]\ndefault = hfpapers.settings\n"
    for name, node in nodes.items():
        cfg += f"\n[deploy:{name}]\nurl = {node.url}/\nproject = hfpapers\n"
        if node.username:
            cfg += "username = ${TEST_SCRAPYD_USER}\npassword = ${TEST_SCRAPYD_PASSWORD}\n"
    (workdir / "scrapy.cfg").write_text(cfg, encoding="utf-8")


def deploy(egg: Path, nodes: dict[str, ScrapydNode], workdir: Path) -> None:
    """scrapyd-deploy to each node, from a folder whose scrapy.cfg names them."""
    deploy_config(nodes, workdir)
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


@pytest.fixture(scope="module")
def nodes(egg: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ScrapydNode]]:
    """Two Scrapyd nodes with the egg deployed: ``one`` open, ``two`` behind a login."""
    workdir = tmp_path_factory.mktemp("scrapyd")
    started = {"one": ScrapydNode(workdir / "n1"), "two": ScrapydNode(workdir / "n2", "blog", "s3cret")}
    try:
        deploy(egg, started, workdir / "client")
        yield started
    finally:
        for node in started.values():
            node.stop()


@pytest.fixture
def client(nodes: dict[str, ScrapydNode], tmp_path: Path) -> Path:
    """A folder whose scrapy.cfg names the nodes as deploy targets."""
    deploy_config(nodes, tmp_path / "client")
    return tmp_path / "client"


def wait_finished(node: ScrapydNode, job: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finished = {f["id"]: f for f in node.api("listjobs.json?project=hfpapers")["finished"]}
        if job in finished:
            return finished[job]
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not finish")


@pytest.mark.slow
def test_scheduled_daily_and_weekly_crawls_write_their_posts(
    nodes: dict[str, ScrapydNode], client: Path, server: FixtureServer, tmp_path: Path
) -> None:
    node = nodes["one"]
    site = tmp_path / "site"
    site.mkdir()
    daily = scrapy("schedule", "--target", "one", "--date", DAY, *settings_args(server, site), cwd=client)
    assert daily.returncode == 0, daily.stderr
    assert daily.stdout.startswith(f"scheduled daily {DAY} on one ({node.url}): job ")
    args = ["schedule", "--target", "one", "--spider", "weekly", "--week", "2026-W08"]
    weekly = scrapy(*args, *settings_args(server, site), cwd=client)
    assert weekly.returncode == 0, weekly.stderr
    assert weekly.stdout.startswith("scheduled weekly 2026-W08 on one")
    job = daily.stdout.split("job ")[1].strip()
    finished = wait_finished(node, job)
    wait_finished(node, weekly.stdout.split("job ")[1].strip())
    log = (node.workdir / "logs" / "hfpapers" / "daily" / f"{job}.log").read_text(encoding="utf-8")
    assert "Run outcome: ok" in log, log[-3000:]
    assert finished["log_url"].endswith(f"{job}.log")
    # The backfill and the job monitor read only a log's end, asked for by its size and a Range.
    keep = len(log.encode()) - 1024
    tail = Node("one", node.url, log_tail=keep).log(finished["log_url"])
    assert tail == log.encode()[-keep:].partition(b"\n")[2].decode()  # the first line may be cut: dropped
    record = RunRecord.from_log(tail)
    assert record is not None and record.ok
    data = json.loads((site / "_data" / "papers" / f"daily-{DAY}.json").read_text(encoding="utf-8"))
    assert data["total_papers"] == 13
    golden = (ROOT / "tests" / "golden" / f"{DAY}-daily-papers.md").read_text(encoding="utf-8")
    assert (site / "_posts" / f"{DAY}-daily-papers.md").read_text(encoding="utf-8") == golden
    assert (site / "_posts" / "2026-02-16-weekly-papers.md").exists()
    assert server.count() == {"robots": 2, "hf_page": 2, "arxiv_api": 2}


@pytest.mark.slow
def test_backfill_over_two_nodes_reports_each_failed_day(
    nodes: dict[str, ScrapydNode], client: Path, server: FixtureServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login blog password s3cret\n")
    netrc.chmod(0o600)
    server.faults.fail_paths = {"/papers/date/2026-02-17": 503}
    site = tmp_path / "site"
    site.mkdir()
    one, two = nodes["one"], nodes["two"]
    # Node two needs a login: by URL, with no --username, scheduling (scrapyd-client)
    # and reading the job log both take it from ~/.netrc.
    proc = scrapy(
        "backfill", "--start", "2026-02-16", "--end", "2026-02-23", "--node", "one", "--node", two.url,
        # LOG_LEVEL=WARNING: the record must reach the job log all the same.
        "--poll", "0.2", *settings_args(server, site), "-s", "RETRY_TIMES=0", "-s", "LOG_LEVEL=WARNING",
        cwd=client, env={"HOME": str(home)},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"one ({one.url}): 2026-02-16 to 2026-02-19: job " in proc.stdout
    assert f"{two.url}: 2026-02-20 to 2026-02-23: job " in proc.stdout
    assert ": failed (3 lists written)\n  Hugging Face failed for 2026-02-17: HTTP 503\n" in proc.stdout
    assert ": ok (2 lists written)\n" in proc.stdout
    assert "1 of 2 jobs finished cleanly" in proc.stdout
    posts = sorted(p.name for p in (site / "_posts").iterdir())
    weekdays = ["2026-02-16", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
    assert posts == [f"{d}-daily-papers.md" for d in weekdays]
    assert server.count()["hf_page"] == 8


@pytest.mark.slow
def test_schedule_with_auth(
    nodes: dict[str, ScrapydNode], client: Path, server: FixtureServer, tmp_path: Path
) -> None:
    secured = nodes["two"]
    site = tmp_path / "site"
    site.mkdir()
    args = ["schedule", "--url", secured.url, "--date", DAY, *settings_args(server, site)]
    refused = scrapy(*args, cwd=client, env={"HOME": str(tmp_path)})
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith(f"error: {secured.url}: Scrapyd refused to schedule daily:")
    assert refused.stderr.strip().endswith("(check the username and password)")
    assert len(refused.stderr.strip().splitlines()) == 1
    wrong = scrapy(*args, "--username", "blog", "--password", "nope", cwd=client)
    assert wrong.returncode == 1
    # The scrapy.cfg target takes its credentials from the environment.
    env = {"TEST_SCRAPYD_USER": "blog", "TEST_SCRAPYD_PASSWORD": "s3cret"}
    by_target = scrapy(
        "schedule", "--target", "two", "--date", DAY, *settings_args(server, site), cwd=client, env=env
    )
    assert by_target.returncode == 0, by_target.stderr
    wait_finished(secured, by_target.stdout.split("job ")[1].strip())
    assert (site / "_posts" / f"{DAY}-daily-papers.md").exists()
    # The login in the URL: sent as the node's login, never printed.
    with_login = secured.url.replace("http://", "http://blog:s3cret@")
    by_url = scrapy(
        "schedule", "--url", with_login, "--date", DAY, *settings_args(server, site), cwd=client,
        env={"HOME": str(tmp_path)},
    )  # fmt: skip
    assert by_url.returncode == 0, by_url.stderr
    assert by_url.stdout.startswith(f"scheduled daily {DAY} on {secured.url}: job ")
    wait_finished(secured, by_url.stdout.split("job ")[1].strip())
    listed = scrapy("jobs", "--node", with_login, "--since", "1h", cwd=client, env={"HOME": str(tmp_path)})
    # The node also ran other tests' jobs, some failed on purpose: this one's row is ok.
    ours = [row for row in listed.stdout.splitlines() if row.split()[:3] == [secured.url, "daily", DAY]]
    assert ours and all(row.endswith("  ok (1 list written)") for row in ours), listed.stdout + listed.stderr
    assert listed.stderr == ""
    for proc in (by_url, listed):
        assert "s3cret" not in proc.stdout + proc.stderr


@pytest.mark.slow
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
    # What the service and the crontab run, and how they read /etc/hfpapers/env: tests/test_deploy.py.
    conf = (ROOT / "deploy" / "scrapyd.conf").read_text()
    assert "bind_address = 127.0.0.1" in conf and "jobstorage = scrapyd.jobstorage.SqliteJobStorage" in conf
    assert "\nitems_dir =\n" in conf


def job_ids(node: ScrapydNode) -> set[str]:
    jobs = node.api("listjobs.json?project=hfpapers")
    return {job["id"] for state in ("pending", "running", "finished") for job in jobs[state]}


@pytest.mark.slow
def test_backfill_schedules_nothing_when_a_node_is_unreachable(
    nodes: dict[str, ScrapydNode], client: Path, server: FixtureServer, tmp_path: Path
) -> None:
    one = nodes["one"]
    before = job_ids(one)
    dead = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    proc = scrapy(
        "backfill", "--start", "2026-02-16", "--end", "2026-02-20", "--node", "one", "--node", dead,
        "--poll", "0.2", *settings_args(server, tmp_path), cwd=client,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: nothing scheduled: ") and f"{dead}: cannot reach Scrapyd" in lines[0]
    assert str(one.url) not in lines[0]  # the good node is not blamed
    assert job_ids(one) == before
    time.sleep(0.5)  # a job queued by mistake would have asked for a page by now
    assert server.count()["hf_page"] == 0


@pytest.mark.slow
def test_backfill_checks_every_node_login_and_deployment_first(
    nodes: dict[str, ScrapydNode], client: Path, server: FixtureServer, tmp_path: Path
) -> None:
    one, two = nodes["one"], nodes["two"]
    before = job_ids(one), job_ids(two)
    empty = ScrapydNode(tmp_path / "empty")  # a node nobody deployed the egg to
    try:
        proc = scrapy(
            "backfill", "--start", "2026-02-16", "--end", "2026-02-23", "--node", "one", "--node", two.url,
            "--node", empty.url, "--poll", "0.2", *settings_args(server, tmp_path),
            cwd=client, env={"HOME": str(tmp_path)},  # no ~/.netrc: two refuses us
        )  # fmt: skip
    finally:
        empty.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{two.url}: Scrapyd refused the login (check the username and password)" in lines[0]
    assert f"{empty.url}: project 'hfpapers' is not deployed there (scrapyd-deploy)" in lines[0]
    assert f"one ({one.url})" not in lines[0]
    assert (job_ids(one), job_ids(two)) == before
    assert server.count()["hf_page"] == 0


@pytest.mark.slow
def test_jobs_shows_each_runs_outcome_and_exits_1_when_one_failed(
    egg: Path, server: FixtureServer, tmp_path: Path
) -> None:
    """Scrapyd lists both jobs as finished; `scrapy jobs` reads each one's outcome from its log."""
    watched = ScrapydNode(tmp_path / "watched")
    try:
        deploy(egg, {"watched": watched}, tmp_path / "client")
        site = tmp_path / "site"
        site.mkdir()
        server.faults.fail_paths = {"/papers/date/2026-02-17": 503}
        settings = {**source_settings(server), "SITE_DIR": str(site), "RETRY_TIMES": "0"}
        node = Node("watched", watched.url)
        good = node.schedule("hfpapers", "daily", {"date": DAY}, settings)
        bad = node.schedule("hfpapers", "daily", {"date": "2026-02-17"}, settings)
        # Its checks refuse the site on the node: the crawl exits 2 before it opens its log.
        refused = node.schedule(
            "hfpapers", "daily", {"date": "2026-02-16"}, {**settings, "SITE_DIR": str(tmp_path / "missing")}
        )
        wait_finished(watched, good)
        wait_finished(watched, bad)
        assert wait_finished(watched, refused).get("log_url") is None
        proc = scrapy("jobs", "--node", "watched", "--since", "1h", cwd=tmp_path / "client")
        quiet = scrapy("jobs", "--node", "watched", "--quiet", cwd=tmp_path / "client")
    finally:
        watched.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["node", "spider", "lists", "started", "ended", "outcome"]
    ok = [line for line in lines if f" {DAY} " in line]
    failed = [line for line in lines if " 2026-02-17 " in line]
    assert len(ok) == 1 and ok[0].startswith("watched  daily") and ok[0].endswith("  ok (1 list written)")
    assert len(failed) == 1 and failed[0].endswith("  failed (Hugging Face failed for 2026-02-17: HTTP 503)")
    assert f"  log: {watched.url}/logs/hfpapers/daily/{bad}.log" in lines
    never_logged = [line for line in lines if "  no record (" in line]
    assert len(never_logged) == 1, "\n".join(lines)
    assert never_logged[0].endswith(
        "  no record (the job ended before it wrote a log: likely its settings or arguments were refused"
        " (see Scrapyd's own log))"
    )
    assert lines[-1].endswith("on 1 node: 1 failed, 1 no record, 1 ok")
    assert proc.stderr == ""
    # A failure is never quiet.
    assert quiet.returncode == 1 and quiet.stdout.splitlines()[:-1] == lines[:-1]


# The README's lines for running Scrapyd by hand, from the checkout: started in the
# background, quiet, its log in a file; stopped by the pid it wrote.
START_BY_HAND = (
    'mkdir -p ~/scrapyd && (cd ~/scrapyd && exec "$OLDPWD/.venv/bin/scrapyd"'
    " --logfile scrapyd.log --pidfile scrapyd.pid >/dev/null &)"
)
STOP_BY_HAND = 'kill "$(cat ~/scrapyd/scrapyd.pid)"'


def test_the_readme_gives_these_lines() -> None:
    for doc in ("README.md", "docs/deployment.md"):
        lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
        assert START_BY_HAND in lines, doc
        assert any(line.split("  #")[0].rstrip() == STOP_BY_HAND for line in lines), doc


@pytest.mark.slow
def test_scrapyd_by_hand_starts_quietly_logs_to_a_file_and_stops(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()  # not 6800: Scrapyd takes its port from the environment
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
    env.update(HOME=str(home), SCRAPYD_HTTP_PORT=str(port))
    terminal = tmp_path / "terminal"  # what the owner's terminal would show (a file: Scrapyd outlives sh)

    def shell(line: str) -> int:
        with terminal.open("a") as out:
            return subprocess.run(
                ["sh", "-c", line], cwd=ROOT, env=env, stdout=out, stderr=out, timeout=30
            ).returncode

    folder = home / "scrapyd"
    assert shell(START_BY_HAND) == 0
    pid = 0
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/daemonstatus.json", timeout=2
                ) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline, (folder / "scrapyd.log").read_text()
                time.sleep(0.2)
        pid = int((folder / "scrapyd.pid").read_text())
        assert (
            f"Scrapyd web console available at http://127.0.0.1:{port}/"
            in (folder / "scrapyd.log").read_text()
        )
        assert shell(STOP_BY_HAND) == 0
        deadline = time.monotonic() + 15
        while (folder / "scrapyd.pid").exists() or Path(f"/proc/{pid}").exists():
            assert time.monotonic() < deadline, "scrapyd did not stop"
            time.sleep(0.1)
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)  # the Scrapyd this test started, by its own pid
    assert "Server Shut Down." in (folder / "scrapyd.log").read_text()
    assert terminal.read_text() == ""
