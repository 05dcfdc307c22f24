"""Everyday slips at the command line are one line naming what to type, exit 2, never a traceback;
and this project's commands run from any folder through scripts/hfpapers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.cmdline import ScrapyArgumentParser

from fixture_server import FixtureServer
from hfpapers.commands.crawl import Command
from tests.conftest import ROOT, project_settings, source_settings

SPIDERS = "spiders: daily, weekly, monthly"
ARGUMENT = "scrapy crawl takes spider arguments as -a NAME=VALUE: use -a"


def slip(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What `scrapy crawl ARGV` says before Scrapy starts, parsed as scrapy.cmdline parses it."""
    command = Command()
    command.settings = project_settings()
    parser = ScrapyArgumentParser(conflict_handler="resolve")
    command.add_options(parser)
    opts, args = parser.parse_known_args(argv)
    with pytest.raises(SystemExit) as exit_info:
        command.process_options(args, opts)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and err.count("\n") == 1, err
    return err.strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dialy"], f"no spider 'dialy' (did you mean daily?); {SPIDERS}"),
        (["Weekly", "-a", "week=2026-W08"], f"no spider 'Weekly' (did you mean weekly?); {SPIDERS}"),
        (["papers"], f"no spider 'papers'; {SPIDERS}"),
        # `scrapy schedule`'s options, given to crawl:
        (["daily", "--date", "2026-02-18"], f"{ARGUMENT} date=2026-02-18"),
        (["--week=2026-W08", "weekly"], f"{ARGUMENT} week=2026-W08"),
        (["daily", "--top", "3"], f"{ARGUMENT} top=3"),
        (["daily", "--site-dir", "blog"], "scrapy crawl takes settings as -s NAME=VALUE:"
                                          " use -s SITE_DIR=blog"),
        (["daily", "--colour"], "scrapy crawl has no option --colour: spider arguments are -a NAME=VALUE,"
                                " settings -s NAME=VALUE (scrapy crawl daily --help lists them)"),
        # A second word:
        (["daily", "2026-02-18"], "scrapy crawl takes one spider; give '2026-02-18' as -a date=2026-02-18"),
        (["monthly", "2026-02"], "scrapy crawl takes one spider; give '2026-02' as -a month=2026-02"),
        (["daily", "weekly"], "scrapy crawl takes one spider (daily, weekly, monthly), not 'daily weekly'"),
    ],
)  # fmt: skip
def test_a_slip_is_one_line_naming_what_to_type(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert slip(argv, capsys) == f"error: {message}"


def scrapy(*args: str, cwd: Path, command: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [command] if command else [sys.executable, "-m", "scrapy"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    return subprocess.run([*argv, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.slow
def test_an_unknown_spider_is_one_line_from_the_checkout() -> None:
    proc = scrapy("crawl", "dialy", cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr == f"error: no spider 'dialy' (did you mean daily?); {SPIDERS}\n"


@pytest.mark.slow
@pytest.mark.parametrize("process", ["AsyncCrawlerProcess", "CrawlerProcess"])
def test_a_site_the_spiders_own_check_refuses_is_one_line_too(
    process: str, server: FixtureServer, tmp_path: Path
) -> None:
    """The command's check passes an empty folder; Scrapy then opens LOG_FILE, here at
    _posts, and the spider's check refuses the site: one line and exit 2 all the same,
    with either kind of crawler process Scrapy may run the crawl in."""
    site = tmp_path / "site"
    site.mkdir()
    settings = [arg for name, value in source_settings(server).items() for arg in ("-s", f"{name}={value}")]
    settings += ["-s", f"FORCE_CRAWLER_PROCESS={process == 'CrawlerProcess'}"]
    proc = scrapy(
        "crawl", "daily", "-a", "date=2026-02-18", "-s", f"SITE_DIR={site}", "-s", f"LOG_FILE={site}/_posts",
        *settings, cwd=ROOT,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (
        2,
        f"error: SITE_DIR: {site}/_posts is not a writable directory\n",
    )
    assert server.count() == {}  # nothing asked


LAUNCHER = str(ROOT / "scripts" / "hfpapers")


@pytest.mark.slow
def test_the_launcher_runs_the_commands_from_any_folder(server: FixtureServer, tmp_path: Path) -> None:
    """From the blog's folder, with SITE_DIR relative to it, as the owner types it there."""
    blog = tmp_path / "blog"
    blog.mkdir()
    settings = [arg for name, value in source_settings(server).items() for arg in ("-s", f"{name}={value}")]
    proc = scrapy(
        "crawl", "daily", "-a", "date=2026-02-18", "-s", "SITE_DIR=.", *settings, cwd=blog, command=LAUNCHER
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (blog / "_posts" / "2026-02-18-daily-papers.md").is_file()
    assert proc.stderr.rstrip().endswith("Run outcome: ok")
    slipped = scrapy("crawl", "dialy", cwd=blog, command=LAUNCHER)
    assert (slipped.returncode, slipped.stderr) == (
        2,
        f"error: no spider 'dialy' (did you mean daily?); {SPIDERS}\n",
    )


@pytest.mark.slow
def test_the_launcher_finds_the_checkouts_deploy_targets(tmp_path: Path) -> None:
    """`scrapy schedule --target local` from elsewhere: scrapy.cfg's target, not 'no deploy target'."""
    proc = scrapy("schedule", "-s", "SITE_DIR=/srv/blog", "--timeout", "5", cwd=tmp_path, command=LAUNCHER)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: local (http://127.0.0.1:6800): cannot schedule daily: "), (
        proc.stderr
    )


@pytest.mark.slow
def test_the_launcher_without_the_venv_says_how_to_make_it(tmp_path: Path) -> None:
    checkout = tmp_path / "hfpapers"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(LAUNCHER, checkout / "scripts" / "hfpapers")
    linked = tmp_path / "bin" / "hfpapers"  # found through a link in the owner's ~/bin
    linked.parent.mkdir()
    linked.symlink_to(checkout / "scripts" / "hfpapers")
    proc = scrapy("crawl", "daily", cwd=tmp_path, command=str(linked))
    assert proc.returncode == 2
    make = "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"
    assert proc.stderr == f"error: no venv in {checkout}: run {make} there\n"
