"""Scrapy's own component lists are Scrapy's: the project turns components off, never rewrites a base."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import default_settings
from scrapy.utils.defer import deferred_f_from_coro_f

import hfpapers
from fixture_server import FixtureServer
from hfpapers import settings as project
from tests.conftest import project_settings

OFF = {
    "EXTENSIONS": [
        "scrapy.extensions.remote_control.RemoteControl",
        "scrapy.extensions.telnet.TelnetConsole",
    ],
    "DOWNLOADER_MIDDLEWARES": ["scrapy.downloadermiddlewares.cookies.CookiesMiddleware"],
}


def test_no_base_setting_is_rewritten() -> None:
    """Scrapy's settings docs: the *_BASE settings are never to be changed in a project."""
    bases = [name for name in vars(default_settings) if name.endswith("_BASE")]
    assert len(bases) > 5
    assert [name for name in bases if hasattr(project, name)] == []
    settings = project_settings()
    for name in bases:
        assert settings[name] == getattr(default_settings, name), name


def test_the_servers_and_cookies_are_off_where_scrapy_says() -> None:
    settings = project_settings()
    for setting, paths in OFF.items():
        for path in paths:
            assert settings[setting][path] is None, path
            assert path in settings[f"{setting}_BASE"]  # still Scrapy's, only not used here
    assert not settings.getbool("TELNETCONSOLE_ENABLED") and not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert not settings.getbool("COOKIES_ENABLED")


@deferred_f_from_coro_f
async def test_a_crawl_runs_without_them(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    result = await crawl(args={"date": "2026-02-18"})
    assert result.record.ok, result.log[-3000:]
    crawler = result.crawler
    assert crawler is not None and crawler.engine is not None
    extensions = {type(extension).__name__ for extension in crawler.extensions.middlewares}
    middlewares = {
        type(middleware).__name__ for middleware in crawler.engine.downloader.middleware.middlewares
    }
    assert "CoreStats" in extensions and "RunLedger" in extensions
    assert not {"RemoteControl", "TelnetConsole"} & extensions
    assert "BackoffRetryMiddleware" in middlewares and "CookiesMiddleware" not in middlewares
    assert "listening" not in result.log.lower()


@deferred_f_from_coro_f
async def test_replacing_the_extensions_brings_back_no_server(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """``-s EXTENSIONS=…`` replaces the project's dict: the *_ENABLED settings still hold."""
    result = await crawl(
        args={"date": "2026-02-18"}, settings={"EXTENSIONS": {"hfpapers.ledger.RunLedger": 500}}
    )
    assert result.crawler is not None
    extensions = {type(extension).__name__ for extension in result.crawler.extensions.middlewares}
    assert "RunLedger" in extensions and not {"RemoteControl", "TelnetConsole"} & extensions
    assert "listening" not in result.log.lower()


def test_the_user_agent_names_the_one_version() -> None:
    """hfpapers/__init__.py holds it; setup.py gives it to the egg (tests/test_scrapyd.py)."""
    assert hfpapers.__version__ == "1.3"
    assert project_settings()["USER_AGENT"].startswith(f"hfpapers/{hfpapers.__version__} (+https://")


@deferred_f_from_coro_f
async def test_the_renderers_are_feed_exporters_too(server: FixtureServer, crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """FEED_EXPORTERS names them by module (the exporters package imports none of its
    modules): a feed of either format holds what the writer wrote, byte for byte (its seal too)."""
    post, data = tmp_path / "post.md", tmp_path / "data.json"
    feeds = {str(post): {"format": "korean_post"}, str(data): {"format": "papers_data"}}
    result = await crawl(args={"date": "2026-02-18"}, settings={"FEEDS": feeds})
    assert result.record.ok, result.log[-3000:]
    assert post.read_bytes() == result.post("2026-02-18").read_bytes()
    assert data.read_bytes() == result.data_file("2026-02-18").read_bytes()
