"""Shared fixtures: the local Hugging Face/arXiv server, in-process crawls, subprocess crawls;
and the quick loop.

In-process crawls (`crawl`) run the real spider, pipelines and extensions on
the reactor that pytest-twisted runs (``--reactor asyncio`` in pyproject);
subprocess crawls (`run_crawl`) are kept for what only a whole process shows.

Every test that starts a process other than git (a crawl or command in a
subprocess, Jekyll, Chromium, Scrapyd, npm), has git talk to a remote (a push,
a fetch, a clone), or waits seconds for a deadline or timeout is marked
``slow``, and ``pytest -m "not slow"`` leaves them out: a test without the mark
that starts such a process fails, naming it. ``pytest`` alone runs the whole
suite on two workers; given paths, it runs them in this process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from fixture_server import FixtureServer
from hfpapers import settings as project
from hfpapers.ledger import RunLedger
from hfpapers.outcome import RunRecord
from hfpapers.periods import from_key
from hfpapers.site import Site as SiteOfTheRun
from hfpapers.spiders.daily import DailySpider
from hfpapers.spiders.monthly import MonthlySpider
from hfpapers.spiders.weekly import WeeklySpider

ROOT = Path(__file__).resolve().parent.parent
SPIDERS = {"daily": DailySpider, "weekly": WeeklySpider, "monthly": MonthlySpider}

# --- Workers: two for the whole suite, none for the files asked for ---------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``pytest`` without paths (the whole suite, as scripts/test.sh runs it): two workers,
    the machine's two cores, each file on one of them. With paths (``pytest tests/test_x.py``),
    none: starting two workers costs more than one file's tests. ``-n`` decides when given."""
    if hasattr(config, "workerinput") or config.option.numprocesses is not None:
        return
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        config.option.numprocesses, config.option.dist = 2, "loadfile"


# --- The quick loop: no process but git, and git never to a remote, in a test not marked slow --

_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec"}
# What git does with a remote: a test that pushes to or fetches from one is slow.
_GIT_REMOTE_COMMANDS = {"push", "fetch", "pull", "clone", "ls-remote", "http-backend"}
_quick: list[str] = []  # the test running now, when it is not marked slow
_started: list[str] = []  # what such a test started


def _command(event: str, args: tuple[Any, ...]) -> list[str]:
    """The command line of an audited process start."""
    if event == "os.system":
        return shlex.split(os.fsdecode(args[0])) or ["sh"]
    # subprocess.Popen: (executable, args, cwd, env); os.posix_spawn, os.exec: (path, argv, env);
    # os.spawn: (mode, path, argv, env).
    path, argv = (args[1], args[2]) if event == "os.spawn" else (args[0], args[1])
    return [Path(os.fsdecode(path)).name, *(os.fsdecode(word) for word in list(argv)[1:])]


def _git_command(words: list[str]) -> str:
    """The git command of ``git [-C path] [-c name=value] … command …``."""
    rest = iter(words[1:])
    for word in rest:
        if word in ("-C", "-c"):
            next(rest, None)
        elif not word.startswith("-"):
            return word
    return ""


def _refuse_processes_in_the_quick_loop(event: str, args: tuple[Any, ...]) -> None:
    if _quick and event in _PROCESS_EVENTS:
        words = _command(event, args)
        if words[0] != "git":
            started = words[0]
        elif _git_command(words) in _GIT_REMOTE_COMMANDS:
            started = f"git {_git_command(words)}"
        else:
            return
        _started.append(started)
        raise RuntimeError(f"{_quick[0]} starts {started}: mark it @pytest.mark.slow")


sys.addaudithook(_refuse_processes_in_the_quick_loop)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    quick = item.get_closest_marker("slow") is None
    if quick:
        _quick.append(item.nodeid)
    try:
        return (yield)
    finally:
        if quick:
            _quick.pop()
        _started.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A test whose code caught the refusal above and went on fails all the same."""
    report = yield
    if _started and report.when == "call" and report.passed:
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} starts {', '.join(_started)}: mark it @pytest.mark.slow"
    return report


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """``chattr +i`` on ``folder`` while the block runs (not even root can rename in it).
    Skips the test where chattr cannot: not installed, not root, a file system without it."""
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    made = subprocess.run([chattr, "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr cannot make a folder immutable here: {' '.join(made.stderr.split())}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


@pytest.fixture(scope="session")
def fixture_server() -> Iterator[FixtureServer]:
    server = FixtureServer().start()
    yield server
    server.stop()


@pytest.fixture
def server(fixture_server: FixtureServer) -> FixtureServer:
    fixture_server.reset()
    return fixture_server


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


def source_settings(server: FixtureServer) -> dict[str, str]:
    return {
        "HF_BASE_URL": server.url,
        "ARXIV_API_URL": f"{server.url}/api/query",
        "ARXIV_BASE_URL": server.url,
        "ARXIV_API_DELAY": "0",
        "ARXIV_ABS_DELAY": "0",
        "HF_PAGE_DELAY": "0",
    }


def project_settings(**overrides: Any) -> Settings:
    """The project's settings (settings.py), with ``overrides`` on top."""
    settings = Settings()
    settings.setmodule("hfpapers.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


@dataclass
class Site:
    root: Path

    def post(self, key: str, kind: str = "daily") -> Path:
        return self.root / "_posts" / from_key(kind, key).post_name

    def data_file(self, key: str, kind: str = "daily") -> Path:
        return self.root / "_data" / "papers" / from_key(kind, key).data_name

    def data(self, key: str, kind: str = "daily") -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.data_file(key, kind).read_text(encoding="utf-8"))
        return loaded

    def files(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())


@dataclass
class CrawlResult(Site):
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class InProcess(Site):
    crawler: Crawler | None = None
    log: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def record(self) -> RunRecord:
        assert self.crawler is not None
        record = RunLedger.of(self.crawler).record
        assert record is not None, self.log[-2000:]
        return record


def run_crawl(
    server: FixtureServer,
    site: Path,
    *,
    spider: str = "daily",
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 120,
) -> CrawlResult:
    """``scrapy crawl`` in a subprocess, the way a user or cron runs it."""
    merged = {**source_settings(server), "SITE_DIR": str(site), **(settings or {})}
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in (args or {}).items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    return CrawlResult(site, proc.returncode, proc.stdout, proc.stderr)


class LinkedDuringTheRun:
    """An extension that makes ``links`` (paths in SITE_DIR -> where they point) symbolic
    links as it is built: after the spider's check of the site, before any pipeline or
    writer looks at it. Someone links a folder of the site while the run is on."""

    links: ClassVar[dict[str, Path]] = {}

    def __init__(self, crawler: Crawler) -> None:
        root = SiteOfTheRun.from_settings(crawler.settings).root
        for name, target in self.links.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).symlink_to(target, target_is_directory=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkedDuringTheRun:
        return cls(crawler)


def linked_during_the_run(monkeypatch: pytest.MonkeyPatch, links: dict[str, Path]) -> dict[str, Any]:
    """The settings that have `LinkedDuringTheRun` make ``links``."""
    monkeypatch.setattr(LinkedDuringTheRun, "links", links)
    return {"EXTENSIONS": {**project.EXTENSIONS, "tests.conftest.LinkedDuringTheRun": 0}}


@pytest.fixture
def crawl(server: FixtureServer, site: Path, caplog: pytest.LogCaptureFixture) -> Any:
    """``await crawl(args=..., settings=...)``: the real crawl, in this process."""

    async def _crawl(
        *, spider: str = "daily", args: dict[str, str] | None = None, settings: dict[str, Any] | None = None
    ) -> InProcess:
        merged = {**source_settings(server), "SITE_DIR": str(site), "LOG_LEVEL": "DEBUG", **(settings or {})}
        runner = AsyncCrawlerRunner(project_settings(**merged))
        crawler = runner.create_crawler(SPIDERS[spider])
        caplog.clear()
        with caplog.at_level("DEBUG"):
            await crawler.crawl_async(**(args or {}))
        assert crawler.stats is not None
        return InProcess(site, crawler, caplog.text, crawler.stats.get_stats())

    return _crawl
