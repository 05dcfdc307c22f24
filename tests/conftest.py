"""Shared fixtures: the local Hugging Face/arXiv server, in-process crawls, subprocess crawls.

In-process crawls (`crawl`) run the real spider, pipelines and extensions on
the reactor that pytest-twisted runs (``--reactor asyncio`` in pyproject);
subprocess crawls (`run_crawl`) are kept for what only a whole process shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from fixture_server import FixtureServer
from hfpapers.ledger import RunLedger
from hfpapers.outcome import RunRecord
from hfpapers.periods import from_key
from hfpapers.spiders.daily import DailySpider
from hfpapers.spiders.monthly import MonthlySpider
from hfpapers.spiders.weekly import WeeklySpider

ROOT = Path(__file__).resolve().parent.parent
SPIDERS = {"daily": DailySpider, "weekly": WeeklySpider, "monthly": MonthlySpider}


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
