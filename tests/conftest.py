"""Shared fixtures: the local Hugging Face/arXiv server and a crawl runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixture_server import FixtureServer

ROOT = Path(__file__).resolve().parent.parent


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


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    site: Path

    def post(self, day: str) -> Path:
        return self.site / "_posts" / f"{day}-daily-papers.md"

    def data_file(self, day: str) -> Path:
        return self.site / "_data" / "papers" / f"daily-{day}.json"

    def data(self, day: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.data_file(day).read_text(encoding="utf-8"))
        return loaded


def source_settings(server: FixtureServer) -> dict[str, str]:
    return {
        "HF_BASE_URL": server.url,
        "ARXIV_API_URL": f"{server.url}/api/query",
        "ARXIV_BASE_URL": server.url,
        "ARXIV_API_DELAY": "0",
        "ARXIV_ABS_DELAY": "0",
        "HF_PAGE_DELAY": "0",
    }


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
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr, site)


@pytest.fixture
def crawl(server: FixtureServer, site: Path) -> Any:
    def _crawl(**kwargs: Any) -> CrawlResult:
        return run_crawl(server, site, **kwargs)

    return _crawl
