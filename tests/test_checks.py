"""Every setting of ours has a rule, and a bad value is one line before any request."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixture_server import FixtureServer
from hfpapers import python_too_old
from hfpapers.args import ArgumentError
from hfpapers.checks import LONGEST_GIT_WAIT, RULES, check_settings
from hfpapers.gitrepo import Git
from scripts.import_floors import import_graph, longest_chain, under
from tests.conftest import ROOT, SPIDERS, project_settings, run_crawl, source_settings
from tests.test_readme import own_settings, table_rows

DAY = "2026-02-18"
MISSING_SITE = "/nonexistent/hfpapers-site"

# For each setting in docs/settings.md's tables: a value its rule refuses, and the line that says so.
BAD: dict[str, tuple[Any, str]] = {
    "SITE_DIR": (MISSING_SITE, f"SITE_DIR: {MISSING_SITE} is not a directory"),
    "HF_BASE_URL": ("huggingface.co", "HF_BASE_URL: 'huggingface.co' is not an http(s) URL, it takes http"),
    "ARXIV_API_URL": (
        "ftp://export.arxiv.org/api/query",
        "ARXIV_API_URL: 'ftp://export.arxiv.org/api/query'",
    ),
    "ARXIV_BASE_URL": ("https://", "ARXIV_BASE_URL: 'https://' is not an http(s) URL"),
    "ARXIV_API_DELAY": (
        "-1",
        "ARXIV_API_DELAY: '-1' is not a number of seconds and at most 3600, it takes seconds, 0 or more",
    ),
    "ARXIV_ABS_DELAY": ("nan", "ARXIV_ABS_DELAY: 'nan' is not a number of seconds"),
    "HF_PAGE_DELAY": (
        "1e6",
        "HF_PAGE_DELAY: '1e6' is not a number of seconds and at most 3600, it takes seconds",
    ),
    "POST_AUTHOR": ("lim\n4349", "POST_AUTHOR: 'lim\\n4349' is not an author, it takes one line"),
    "POST_CATEGORIES": ("Daily Papers,,일간", "POST_CATEGORIES: 'Daily Papers,,일간' is not a list of names"),
    "POST_CATEGORIES_WEEKLY": ("주간,", "POST_CATEGORIES_WEEKLY: '주간,' is not a list of names, it takes"),
    "POST_CATEGORIES_MONTHLY": (" ", "POST_CATEGORIES_MONTHLY: ' ' is not a list of names"),
    "POST_TAGS": ("ai,,papers", "POST_TAGS: 'ai,,papers' is not a list of names"),
    "POST_TAGS_WEEKLY": (",weekly", "POST_TAGS_WEEKLY: ',weekly' is not a list of names"),
    "POST_TAGS_MONTHLY": (["ok", ""], "POST_TAGS_MONTHLY: ['ok', ''] is not a list of names"),
    "POST_PERMALINK": (
        "/posts/{date}/",
        "POST_PERMALINK: '/posts/{date}/' is not a post URL pattern, it takes",
    ),
    "SITE_POST_URL": ("/posts/{slug}/", "SITE_POST_URL: '/posts/{slug}/' is not a post URL pattern"),
    "POST_CATEGORY_TAGS": (
        "-1",
        "POST_CATEGORY_TAGS: '-1' is not a whole number, it takes a whole number, 0",
    ),
    "POST_CHART_TOP": (
        "ten",
        "POST_CHART_TOP: 'ten' is not a whole number, it takes a whole number, 0 or more",
    ),
    "POST_CHART_COLOR": ("blue", "POST_CHART_COLOR: 'blue' is not a colour, it takes #rrggbb"),
    "POST_IMAGE": (
        "maybe",
        "POST_IMAGE: 'maybe' is not a yes/no value, it takes True/False, 1/0, yes/no or on/off",
    ),
    "POST_PERIOD_TOP": ("0", "POST_PERIOD_TOP: '0' is not a whole number of at least 1, it takes"),
    "POST_AI_SUMMARY": ("2", "POST_AI_SUMMARY: '2' is not a yes/no value"),
    "POST_TIME": ("25:99", "POST_TIME: '25:99' is not a time of day, it takes HH:MM (00:00 to 23:59)"),
    "POST_TIME_WEEKLY": ("9.30", "POST_TIME_WEEKLY: '9.30' is not a time of day"),
    "POST_TIME_MONTHLY": ("24:00", "POST_TIME_MONTHLY: '24:00' is not a time of day"),
    "POST_TIMEZONE": (
        "Mars/Base",
        "POST_TIMEZONE: 'Mars/Base' is not a time zone, it takes a tz database name",
    ),
    "FIRST_DAY": ("2023-02-30", "FIRST_DAY: '2023-02-30' is not a date, it takes YYYY-MM-DD"),
    "ARXIV_BATCH_SIZE": (
        "2001",
        "ARXIV_BATCH_SIZE: '2001' is not a batch size, it takes a whole number from 1 to 2000",
    ),
    "ARXIV_ABS_MAX_PAGES": ("-1", "ARXIV_ABS_MAX_PAGES: '-1' is not a whole number, it takes"),
    "HF_API_PAGE_SIZE": ("1.5", "HF_API_PAGE_SIZE: '1.5' is not a whole number of at least 1"),
    "HF_API_MAX_PAGES": ("", "HF_API_MAX_PAGES: '' is not a whole number of at least 1"),
    "RETRY_BACKOFF_BASE": ("-0.5", "RETRY_BACKOFF_BASE: '-0.5' is not a number of seconds"),
    "RETRY_BACKOFF_MAX": ("inf", "RETRY_BACKOFF_MAX: 'inf' is not a number of seconds"),
    "SUMMARY_API_URL": ("127.0.0.1:8811/v1", "SUMMARY_API_URL: '127.0.0.1:8811/v1' is not an http(s) URL"),
    "SUMMARY_MODEL": (
        "qwen\t2.5",
        "SUMMARY_MODEL: 'qwen\\t2.5' is not a model name, it takes one line of text",
    ),
    "SUMMARY_PROMPT": ("  ", "SUMMARY_PROMPT: '  ' is not a prompt, it takes the system prompt's text"),
    "SUMMARY_TEMPERATURE": (
        "3",
        "SUMMARY_TEMPERATURE: '3' is not a temperature, it takes a number from 0 to 2",
    ),
    "SUMMARY_MAX_CHARS": ("abc", "SUMMARY_MAX_CHARS: 'abc' is not a whole number of at least 1"),
    # In the words the README quotes.
    "SUMMARY_CONCURRENCY": ("0", "SUMMARY_CONCURRENCY: '0' is not a whole number of at least 1"),
    "SUMMARY_DELAY": ("-1", "SUMMARY_DELAY: '-1' is not a number of seconds and at most 3600, it takes"),
    "SUMMARY_TIMEOUT": ("0", "SUMMARY_TIMEOUT: '0' is not a number of seconds above 0, it takes seconds"),
    "SUMMARY_RETRY_TIMES": ("-1", "SUMMARY_RETRY_TIMES: '-1' is not a whole number, it takes"),
    "SUMMARY_MAX_FAILURES": ("0", "SUMMARY_MAX_FAILURES: '0' is not a whole number of at least 1"),
    "PUBLISH_GIT": ("maybe", "PUBLISH_GIT: 'maybe' is not a yes/no value, it takes True/False"),
    "PUBLISH_PUSH": ("TRUE!", "PUBLISH_PUSH: 'TRUE!' is not a yes/no value"),
    "PUBLISH_GIT_REMOTE": (
        "--upload-pack=touch x",
        "PUBLISH_GIT_REMOTE: '--upload-pack=touch x' is not a git",
    ),
    "PUBLISH_GIT_BRANCH": ("-f", "PUBLISH_GIT_BRANCH: '-f' is not a branch name, it takes a git branch name"),
    "PUBLISH_PUSH_RETRIES": ("three", "PUBLISH_PUSH_RETRIES: 'three' is not a whole number, it takes"),
    "PUBLISH_TIMEOUT": (
        "0",
        "PUBLISH_TIMEOUT: '0' is not a number of seconds above 0 and at most 86400, it takes seconds, more",
    ),
    "PUBLISH_GIT_AUTHOR": (
        "hfpapers bot",
        "PUBLISH_GIT_AUTHOR: 'hfpapers bot' is not a git author, it takes Name <",
    ),
}


@pytest.mark.parametrize("name", sorted(table_rows()))
def test_every_setting_in_the_settings_doc_has_a_rule_that_refuses_a_bad_value(name: str, site: Path) -> None:
    """A setting added to docs/settings.md without a rule (or without a bad example here) fails."""
    assert name in RULES, f"{name} has no rule in hfpapers.checks.RULES"
    assert name in BAD, f"{name}: give a value its rule refuses in BAD"
    value, line = BAD[name]
    settings = {"SITE_DIR": str(site), name: value}
    with pytest.raises(ArgumentError) as caught:
        SPIDERS["daily"].plan({"date": DAY}, project_settings(**settings))
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


def test_the_rules_are_the_settings_of_ours() -> None:
    assert sorted(RULES) == sorted(own_settings())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUBLISH_PUSH", "yes"),
        ("POST_IMAGE", "OFF"),
        ("POST_AI_SUMMARY", "true"),
        ("POST_TIME", "9:05"),
        ("POST_TIME_MONTHLY", "00:00"),
        ("POST_TIMEZONE", "UTC"),
        ("POST_PERMALINK", ""),
        ("POST_PERMALINK", "/{kind}/{key}.html"),
        ("POST_TAGS", ""),
        ("POST_TAGS", ["a", "b"]),
        ("POST_CHART_TOP", 0),
        ("SUMMARY_API_URL", ""),
        ("SUMMARY_TEMPERATURE", "0.7"),
        ("PUBLISH_GIT_BRANCH", "feature/posts"),
        ("PUBLISH_GIT_REMOTE", "git@github.com:me/blog.git"),
        ("PUBLISH_GIT_AUTHOR", "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"),
        ("HF_PAGE_DELAY", 0),
    ],
)
def test_good_values_pass(name: str, value: Any, site: Path) -> None:
    check_settings(project_settings(SITE_DIR=str(site), **{name: value}))


def test_the_defaults_pass(site: Path) -> None:
    check_settings(project_settings(SITE_DIR=str(site)))


def test_a_yes_is_read_as_scrapy_reads_a_flag(site: Path) -> None:
    """Scrapy's getbool knows no yes/no/on/off: the check hands the run a real bool."""
    settings = project_settings(SITE_DIR=str(site), POST_IMAGE="no", POST_AI_SUMMARY="On")
    SPIDERS["daily"].plan({"date": DAY}, settings)
    assert settings.getbool("POST_IMAGE") is False
    assert settings.getbool("POST_AI_SUMMARY") is True


def test_a_bad_url_is_shown_without_its_credentials(site: Path) -> None:
    """The line also goes to Scrapyd's log."""
    settings = project_settings(SITE_DIR=str(site), SUMMARY_API_URL="ftp://user:s3cr3t@host/v1")
    with pytest.raises(ArgumentError) as caught:
        check_settings(settings)
    assert "s3cr3t" not in str(caught.value)


def test_schedule_checks_values_but_not_this_machines_site() -> None:
    """`scrapy schedule` runs where the site may not be; the Scrapyd node checks the folder."""
    check_settings(project_settings(SITE_DIR=MISSING_SITE), local=False)
    with pytest.raises(ArgumentError, match=r"^POST_TIME: '25:99'"):
        check_settings(project_settings(SITE_DIR=MISSING_SITE, POST_TIME="25:99"), local=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    "setting",
    ["SUMMARY_API_URL=127.0.0.1:8811/v1", "HF_PAGE_DELAY=abc", "POST_TIMEZONE=Mars/Base"],
)
def test_crawl_refuses_a_bad_setting_in_one_line_before_any_request(
    setting: str, server: FixtureServer, site: Path
) -> None:
    """Scrapy reads these deep in the run: a bad URL or delay is a traceback there, and a time
    zone is read when the post is rendered, after the whole crawl."""
    name, value = setting.split("=", 1)
    result = run_crawl(server, site, args={"date": DAY}, settings={name: value})
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith(f"error: {name}: {value!r} is not ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert server.count() == {}
    assert not any(site.iterdir())


def scrapy_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS`` in a subprocess, for its exit status and output."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
def test_schedule_refuses_a_bad_setting_before_asking_scrapyd() -> None:
    proc = scrapy_command(
        "schedule", "--url", "http://127.0.0.1:9", "-s", "SITE_DIR=/srv/blog", "-s", "POST_TIME=25:99"
    )
    # 2, not the 1 of "cannot reach Scrapyd": refused before any request.
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "error: POST_TIME: '25:99' is not a time of day, it takes HH:MM (00:00 to 23:59)"
    )


@pytest.mark.slow
def test_backfill_refuses_a_bad_setting_before_asking_scrapyd() -> None:
    """It passes -s settings on to every node: a bad one would fail every job there."""
    proc = scrapy_command(
        "backfill", "--start", "2026-02-16", "--end", "2026-02-20", "--node", "http://127.0.0.1:9",
        "-s", "SITE_DIR=/srv/blog", "-s", "CLOSESPIDER_TIMEOUT=abc",
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "error: CLOSESPIDER_TIMEOUT: 'abc' is not a number of seconds, it takes seconds, 0 or more"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POST_TIMEZONE", "../../etc/passwd"),  # gettz opens paths: a name only
        ("POST_TIMEZONE", "/usr/share/zoneinfo/UTC"),
        ("HF_BASE_URL", "http://127.0.0.1:99999"),  # a port out of range
        ("ARXIV_BATCH_SIZE", "100000000000000000000"),
        ("CLOSESPIDER_TIMEOUT", "-5"),  # would close the run at once
        ("DOWNLOAD_TIMEOUT", "x"),
        ("RETRY_TIMES", "x"),
        ("DOWNLOAD_MAXSIZE", "x"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_values_that_ended_in_tracebacks_are_refused_in_one_line(name: str, value: str, site: Path) -> None:
    settings = project_settings(SITE_DIR=str(site), **{name: value})
    with pytest.raises(ArgumentError, match=rf"^{name}: '{re.escape(value)}' is not "):
        check_settings(settings)


def test_a_week_past_the_last_day_there_is_is_one_line() -> None:
    from hfpapers.periods import week_period

    with pytest.raises(ValueError, match=r"^'9999-W52' ends past the last day there is \(9999-12-31\)$"):
        week_period("9999-W52")


# --- Whole numbers, log levels, timeouts: what the run can use ---------------------------------


@pytest.mark.parametrize("name", ["SUMMARY_CONCURRENCY", "RETRY_TIMES", "POST_CHART_TOP", "HF_API_MAX_PAGES"])
@pytest.mark.parametrize("value", ["\u00b2", "١٢", "１２", " 3", "3\n", "1_000", "3.0"])
def test_a_whole_number_is_ascii_digits_and_nothing_else(name: str, value: str, site: Path) -> None:
    """'²' passes str.isdigit and int() raises on it; int() reads "١٢" as 12 and " 3" as 3."""
    with pytest.raises(ArgumentError, match=rf"^{name}: {re.escape(repr(value))} is not a whole number"):
        check_settings(project_settings(SITE_DIR=str(site), **{name: value}))


@pytest.mark.parametrize("value", ["١.٥", "1_0", " 2", "2\n", "0x10"])
def test_seconds_are_ascii_digits_and_nothing_else(value: str, site: Path) -> None:
    with pytest.raises(ArgumentError, match=rf"^HF_PAGE_DELAY: {re.escape(repr(value))} is not a number"):
        check_settings(project_settings(SITE_DIR=str(site), HF_PAGE_DELAY=value))


@pytest.mark.parametrize("value", ["3", "0.5", "1e1", ".5", 2, 2.5])
def test_seconds_as_people_write_them_pass(value: object, site: Path) -> None:
    check_settings(project_settings(SITE_DIR=str(site), HF_PAGE_DELAY=value))


@pytest.mark.parametrize("value", ["info", "Debug", "LOUD", "20"])
def test_a_log_level_is_one_logging_knows_as_written(value: str, site: Path) -> None:
    """Scrapy hands LOG_LEVEL to logging as it is, and logging knows no "info": a traceback."""
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site), LOG_LEVEL=value))
    assert str(caught.value) == (
        f"LOG_LEVEL: {value!r} is not a log level, it takes CRITICAL, ERROR, WARNING, INFO or DEBUG,"
        " in capitals"
    )


@pytest.mark.parametrize("value", ["DEBUG", "WARNING", "WARN", 20])
def test_log_levels_logging_knows_pass(value: object, site: Path) -> None:
    check_settings(project_settings(SITE_DIR=str(site), LOG_LEVEL=value))


def test_a_publish_timeout_git_cannot_wait_is_refused(site: Path) -> None:
    """subprocess waits at most 2**31 ms: with 3000000 every git command fails with OverflowError."""
    with pytest.raises(
        ArgumentError, match=r"^PUBLISH_TIMEOUT: '3000000' is not a number of seconds above 0 and"
    ):
        check_settings(project_settings(SITE_DIR=str(site), PUBLISH_TIMEOUT="3000000"))
    longest = project_settings(SITE_DIR=str(site), PUBLISH_TIMEOUT=str(LONGEST_GIT_WAIT))
    check_settings(longest)
    # The longest it takes is one git runs with (subprocess's limit is 2**31 ms).
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    proc = Git(site, "", longest.getfloat("PUBLISH_TIMEOUT"))("status", "--short")
    assert proc.returncode == 0


# --- Summaries: a key in the URL, a URL without a model ---------------------------------------

KEYED_URLS = [
    "http://user:sk-abcdefghijkl@127.0.0.1:11434/v1",
    "https://sk-abcdefghijkl@api.example.org/v1",
    "https://api.example.org/v1?api-key=abcdefghijkl",
    "https://api.example.org/v1?x=1&access_token=abcdefghijkl",
    "https://api.example.org/sk-abcdefghijkl/v1",
]


@pytest.mark.parametrize("url", KEYED_URLS)
def test_a_summary_url_with_a_key_in_it_is_refused_without_showing_it(url: str, site: Path) -> None:
    """A key in a setting shows in warnings, and in Scrapyd's job list when `scrapy schedule` sends it."""
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site), SUMMARY_API_URL=url, SUMMARY_MODEL="m"))
    assert str(caught.value).startswith("SUMMARY_API_URL: a URL with a key in it (")
    assert "SUMMARY_API_KEY environment variable" in str(caught.value)
    assert "abcdefghijkl" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:11434/v1",
        "https://api.openai.com/v1",
        "https://my.openai.azure.com/openai/deployments/gpt/chat/completions?api-version=2024-02-01",
        "https://sk-internal-gateway.example.org/v1",
    ],
)
def test_a_summary_url_without_a_key_passes(url: str, site: Path) -> None:
    check_settings(project_settings(SITE_DIR=str(site), SUMMARY_API_URL=url, SUMMARY_MODEL="qwen2.5:7b"))


@pytest.mark.slow
def test_schedule_refuses_a_summary_url_with_a_key_without_showing_it() -> None:
    proc = scrapy_command(
        "schedule", "--url", "http://127.0.0.1:9", "-s", "SITE_DIR=/srv/blog",
        "-s", f"SUMMARY_API_URL={KEYED_URLS[0]}", "-s", "SUMMARY_MODEL=qwen2.5:7b",
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr  # not 1: Scrapyd was never asked
    assert proc.stderr.startswith("error: SUMMARY_API_URL: a URL with a key in it (a user name or password)")
    assert proc.stderr.count("\n") == 1 and "abcdefghijkl" not in proc.stderr + proc.stdout


@pytest.mark.parametrize("model", ["", "  "])
def test_a_summary_url_without_a_model_is_refused(model: str, site: Path) -> None:
    """Without it every request would send "model": ""."""
    settings = project_settings(
        SITE_DIR=str(site), SUMMARY_API_URL="http://127.0.0.1:11434/v1", SUMMARY_MODEL=model
    )
    with pytest.raises(ArgumentError) as caught:
        check_settings(settings)
    assert str(caught.value) == (
        "SUMMARY_MODEL: SUMMARY_API_URL is set, so give SUMMARY_MODEL too,"
        " such as -s SUMMARY_MODEL=qwen2.5:7b"
    )


# --- Setting names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("SITE_DIRR", "SITE_DIR"),
        ("site_dir", "SITE_DIR"),
        ("Site_Dirr", "SITE_DIR"),
        ("POST_AUTHR", "POST_AUTHOR"),
        ("SUMARY_API_URL", "SUMMARY_API_URL"),
        ("log_level", "LOG_LEVEL"),
        ("DOWNLOAD_DELAYS", "DOWNLOAD_DELAY"),
    ],
)
def test_a_mistyped_setting_name_is_refused_naming_the_one_meant(typed: str, meant: str, site: Path) -> None:
    """A slip of the keyboard leaves the setting meant at its default, silently."""
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site), **{typed: "x"}), local=False)
    assert str(caught.value) == f"{typed}: not a setting of hfpapers or Scrapy; did you mean {meant}?"


ADD_ON_SETTINGS = [
    "ZYTE_API_KEY", "SPIDERMON_ENABLED", "PLAYWRIGHT_LAUNCH_OPTIONS", "SPLASH_URL", "SENTRY_DSN",
    "SCHEDULER_PERSIST", "REDIS_URL", "ROTATING_PROXY_LIST", "FAKEUSERAGENT_PROVIDERS", "SCRAPEOPS_API_KEY",
]  # fmt: skip


def test_an_add_ons_setting_is_warned_about_once_and_not_refused(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = project_settings(SITE_DIR=str(site), **dict.fromkeys(ADD_ON_SETTINGS, "1"))
    check_settings(settings)
    check_settings(settings)
    for name in ADD_ON_SETTINGS:
        assert caplog.text.count(f"{name}: not a setting of hfpapers or Scrapy; left to") == 1


def test_only_names_given_with_s_are_checked(site: Path) -> None:
    """A settings module, the environment (SCRAPY_…) and a spider's custom_settings are not typed."""
    settings = project_settings(SITE_DIR=str(site))
    for priority in ("default", "project", "spider"):
        settings.set("SITE_DIRR", "x", priority=priority)
        check_settings(settings)


# --- SITE_DIR: given, and a Jekyll site or a folder to start one in ---------------------------


def test_site_dir_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The working directory is seldom the blog: no default."""
    monkeypatch.chdir(tmp_path)
    for settings in (project_settings(), project_settings(SITE_DIR=""), project_settings(SITE_DIR=" ")):
        with pytest.raises(ArgumentError) as caught:
            check_settings(settings)
        assert str(caught.value) == (
            "SITE_DIR: give the Jekyll site the posts go into, with -s SITE_DIR=/path/to/blog"
            " (an empty folder starts a new one)"
        )


@pytest.mark.parametrize(
    "entries",
    [
        [],
        [".git/"],  # a fresh clone of an empty repository
        [".git/", "_posts/", "_data/"],  # what a run made in an empty folder
        ["_config.yml", "notes.txt", "index.html"],
        [".git/", "_config.yaml", "README.md"],
    ],
)
def test_a_jekyll_site_or_a_folder_to_start_one_in_is_taken(entries: list[str], tmp_path: Path) -> None:
    site = folder_with(tmp_path / "site", entries)
    check_settings(project_settings(SITE_DIR=str(site)))


@pytest.mark.parametrize(
    ("entries", "first"),
    [
        (["notes.txt"], "notes.txt"),
        ([".git/", "_posts/", "README.md"], "README.md"),
        (["src/"], "src"),
        (["_config.yml/"], "_config.yml"),  # a folder by that name is no configuration
    ],
)
def test_a_folder_of_other_files_is_no_site(entries: list[str], first: str, tmp_path: Path) -> None:
    """The system's temporary folder, a home folder: _posts and _data are not to be made there."""
    site = folder_with(tmp_path / "site", entries)
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site)))
    assert str(caught.value) == (
        f"SITE_DIR: {site} is not a Jekyll site: it holds {first!r} but no _config.yml"
        " (give the site's folder, or an empty one to start a site in)"
    )
    assert sorted(p.name for p in site.iterdir()) == sorted(e.rstrip("/") for e in entries)


def folder_with(path: Path, entries: list[str]) -> Path:
    path.mkdir()
    for entry in entries:
        if entry.endswith("/"):
            (path / entry).mkdir()
        else:
            (path / entry).write_text("x\n")
    return path


# --- The whole process: one line, exit 2, nothing written anywhere ------------------------------


def crawl_from(
    work: Path, server: FixtureServer, args: dict[str, str], settings: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl daily`` from ``work``, a folder outside the checkout (the project found
    through SCRAPY_SETTINGS_MODULE): where a post lands when no SITE_DIR is given."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "daily"]
    for name, value in args.items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in {**source_settings(server), **settings}.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "hfpapers.settings"}
    return subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "settings", "line"),
    [
        ({}, {}, "error: SITE_DIR: give the Jekyll site the posts go into, with -s SITE_DIR="),
        (
            {},
            {"SITE_DIRR": "{site}"},
            "error: SITE_DIRR: not a setting of hfpapers or Scrapy; did you mean SITE_DIR?",
        ),
        (
            {},
            {"site_dir": "{site}"},
            "error: site_dir: not a setting of hfpapers or Scrapy; did you mean SITE_DIR?",
        ),
        (
            {},
            {"POST_AUTHR": "me", "SITE_DIR": "{site}"},
            "error: POST_AUTHR: not a setting of hfpapers or Scrapy;",
        ),
        (
            {},
            {"SITE_DIR": "{other}"},
            "error: SITE_DIR: {other} is not a Jekyll site: it holds 'notes.txt' but",
        ),
        (
            {},
            {"SITE_DIR": "{site}", "LOG_LEVEL": "info"},
            "error: LOG_LEVEL: 'info' is not a log level, it takes",
        ),
        (
            {},
            {"SITE_DIR": "{site}", "SUMMARY_CONCURRENCY": "\u00b2"},
            "error: SUMMARY_CONCURRENCY: '²' is not a ",
        ),
        ({"top": "\u00b2"}, {"SITE_DIR": "{site}"}, "error: top: '²' is not a positive whole number"),
        (
            {},
            {"SITE_DIR": "{site}", "SUMMARY_API_URL": "http://127.0.0.1:9/v1"},
            "error: SUMMARY_MODEL: SUMMARY_API_URL is set, so give SUMMARY_MODEL too",
        ),
    ],
)
def test_a_slip_is_one_line_and_exit_2_with_nothing_written(
    args: dict[str, str], settings: dict[str, str], line: str, server: FixtureServer, tmp_path: Path
) -> None:
    """Run from outside the checkout: where a post would land if SITE_DIR fell back to the
    working directory."""
    work, site, other = tmp_path / "work", tmp_path / "site", folder_with(tmp_path / "other", ["notes.txt"])
    work.mkdir()
    site.mkdir()
    places = {"site": str(site), "other": str(other)}
    result = crawl_from(
        work, server, args, {name: value.format(**places) for name, value in settings.items()}
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith(line.format(**places)), result.stderr[-3000:]
    assert result.stderr.count("\n") == 1
    assert server.count() == {}
    assert [list(p.iterdir()) for p in (work, site)] == [[], []]
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_an_add_ons_setting_is_one_warning_and_the_run_goes_on(server: FixtureServer, tmp_path: Path) -> None:
    work, site = tmp_path / "work", tmp_path / "site"
    work.mkdir()
    site.mkdir()
    result = crawl_from(work, server, {"date": DAY}, {"SITE_DIR": str(site), "SPIDERMON_ENABLED": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("SPIDERMON_ENABLED: not a setting of hfpapers or Scrapy") == 1
    assert (site / "_posts" / f"{DAY}-daily-papers.md").exists()
    assert list(work.iterdir()) == []


@pytest.mark.slow
def test_schedule_refuses_a_mistyped_setting_name() -> None:
    proc = scrapy_command(
        "schedule", "--url", "http://127.0.0.1:9", "-s", "SITE_DIR=/srv/blog", "-s", "POST_AUTHR=me"
    )
    assert proc.returncode == 2, proc.stderr  # not 1: Scrapyd was never asked
    assert (
        proc.stderr == "error: POST_AUTHR: not a setting of hfpapers or Scrapy; did you mean POST_AUTHOR?\n"
    )


# --- Where the checks stand ---------------------------------------------------------------------


def test_the_checks_stand_at_the_bottom_of_the_house() -> None:
    """They import what their rules read, never what they check: no spider, pipeline,
    summarizer or publisher. And the house has at most 7 floors, no cycle."""
    graph = import_graph()
    bottom = {
        "hfpapers",  # the version, and the line an older Python gets
        "hfpapers.credentials",
        "hfpapers.gitrepo",
        "hfpapers.periods",
        "hfpapers.settings",
        "hfpapers.site",
    }
    assert under(graph, "hfpapers.checks") <= bottom | {"hfpapers.text"}
    assert under(graph, "hfpapers.args") <= bottom | {"hfpapers.text", "hfpapers.checks"}
    assert len(longest_chain(graph)) <= 7  # heights() raises ValueError for a cycle


def test_a_package_is_a_floor_of_its_own(tmp_path: Path) -> None:
    """Importing a name from a package runs its __init__, and what that imports."""
    files = {
        "hfpapers/__init__.py": "",
        "hfpapers/writer.py": "from exporters import Renderer\n",
        "hfpapers/base.py": "",
        "exporters/__init__.py": "from exporters.post import Renderer\n",
        "exporters/post.py": "from hfpapers import base\n\ndef later():\n    from . import tex\n",
        "exporters/tex.py": "import hfpapers.base\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["hfpapers.writer"] == {"exporters"}
    assert graph["exporters"] == {"exporters.post"}
    assert graph["exporters.post"] == {"hfpapers.base", "exporters.tex"}
    assert graph["exporters.tex"] == {"hfpapers.base"}
    assert longest_chain(graph) == [
        "hfpapers.writer",
        "exporters",
        "exporters.post",
        "exporters.tex",
        "hfpapers.base",
    ]
    (tmp_path / "hfpapers/base.py").write_text("from hfpapers.writer import x\n")
    with pytest.raises(ValueError, match="an import cycle"):
        longest_chain(import_graph(tmp_path))


# --- An older Python ---------------------------------------------------------------------------


def test_an_older_python_is_told_how_to_make_the_venv_again() -> None:
    """A venv keeps the Python it was made with: installing a newer one changes nothing in it."""
    assert python_too_old((3, 10, 13), "/home/me/hfpapers/.venv", "/usr") == (
        "error: hfpapers needs Python 3.11 or newer; this venv has 3.10.13: make it again with a newer one:"
        " rm -rf /home/me/hfpapers/.venv && python3.11 -m venv /home/me/hfpapers/.venv"
        " && /home/me/hfpapers/.venv/bin/pip install -r requirements.txt"
    )
    assert python_too_old((3, 9, 2), "/usr", "/usr") == (
        "error: hfpapers needs Python 3.11 or newer; this is 3.9.2: make a venv with a newer one:"
        " python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt"
    )
    assert python_too_old((3, 11, 0), "/x/.venv", "/usr") is None
    assert python_too_old((3, 13, 1), "/usr", "/usr") is None


def test_the_package_module_reads_in_any_python() -> None:
    """What an older Python reads before it is told: no f-string, annotation or __future__
    import (a SyntaxError in 3.5, 3.6 or 2.7 would come before the one line)."""
    source = (ROOT / "hfpapers" / "__init__.py").read_text(encoding="utf-8")
    tree = ast.parse(source, feature_version=(3, 4))  # f-strings and variable annotations are 3.6's
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert functions and not any(
        f.returns or any(a.annotation for a in f.args.args + f.args.kwonlyargs) for f in functions
    )


def older_pythons() -> list[str]:
    """Pythons from 3.6 to 3.10 on this machine (pyenv's, or on PATH)."""
    found = {
        str(path)
        for path in Path.home().glob(".pyenv/versions/3.*/bin/python3")
        if re.fullmatch(r"3\.(6|7|8|9|10)\.\d+", path.parent.parent.name)
    }
    return sorted(
        found | {p for v in ("3.10", "3.9") if (p := shutil.which(f"python{v}")) and "shims" not in p}
    )


@pytest.mark.slow
@pytest.mark.skipif(not older_pythons(), reason="needs a Python from 3.6 to 3.10")
@pytest.mark.parametrize("python", older_pythons())
def test_an_older_python_says_so_in_one_line_before_anything_is_installed(
    python: str, tmp_path: Path
) -> None:
    """Nothing installed for it: the line comes before any import that would fail."""
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import hfpapers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: hfpapers needs Python 3.11 or newer; this venv has 3.")
    assert f"rm -rf {venv} && python3.11 -m venv {venv} && {venv}/bin/pip install" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_a_log_file_the_run_writes_in_the_site_is_the_runs(tmp_path: Path) -> None:
    """Scrapy opens LOG_FILE between the crawl command's check and the spider's."""
    site = folder_with(tmp_path / "site", ["_posts/", "crawl.log"])
    check_settings(project_settings(SITE_DIR=str(site), LOG_FILE=str(site / "crawl.log")))
    with pytest.raises(ArgumentError, match=r"is not a Jekyll site: it holds 'crawl.log' but no _config.yml"):
        check_settings(project_settings(SITE_DIR=str(site), LOG_FILE=str(tmp_path / "crawl.log")))


# --- Secrets are never settings ------------------------------------------------------------

SECRET = "ghp_7Hs9QmX2vLk4Rt8Wz1Yc5Nb3Jd6Fg0Pa"


@pytest.mark.parametrize(
    ("typed", "variable"),
    [
        ("PUBLISH_GIT_TOKEN", "PUBLISH_GIT_TOKEN"),
        ("SUMMARY_API_KEY", "SUMMARY_API_KEY"),
        ("summary_api_key", "SUMMARY_API_KEY"),
        ("SUMMARY_API_KEYS", "SUMMARY_API_KEY"),  # a slip would be warned about and sent on
        ("PUBLISH_GIT_TOKN", "PUBLISH_GIT_TOKEN"),
    ],
)
@pytest.mark.parametrize("local", [True, False])
def test_a_secret_given_as_a_setting_is_refused_without_showing_it(
    typed: str, variable: str, local: bool, site: Path
) -> None:
    settings = project_settings(SITE_DIR=str(site), **{typed: SECRET})
    with pytest.raises(ArgumentError) as caught:
        check_settings(settings, local=local)
    line = str(caught.value)
    assert line.startswith(f"{typed}: a secret is never a setting")
    assert f"set the {variable} environment variable" in line
    assert SECRET not in line and "\n" not in line


def test_no_setting_is_taken_for_a_secret() -> None:
    """SUMMARY_API_URL is three letters from SUMMARY_API_KEY: a setting, passed on."""
    from scrapy.settings import BaseSettings

    from hfpapers.checks import KNOWN_SETTINGS, check_secrets

    check_secrets(BaseSettings(dict.fromkeys(KNOWN_SETTINGS, "1"), priority="cmdline"))


def test_the_secrets_refused_are_those_the_code_reads_from_the_environment() -> None:
    from hfpapers import credentials, summaries

    assert summaries.KEY_VARIABLE in credentials.SECRET_VARIABLES
    assert credentials.TOKEN_VARIABLE in credentials.SECRET_VARIABLES


def refused_by(command: str, setting: str, server: FixtureServer, site: Path) -> tuple[int, str, str]:
    """``-s setting`` given to ``scrapy crawl`` (against the fixture server), ``schedule`` or
    ``backfill`` (against a Scrapyd node): (status, stdout, stderr), with nothing sent."""
    from tests.scrapyd_node import HostileScrapyd

    name, value = setting.split("=", 1)
    if command == "crawl":
        result = run_crawl(server, site, args={"date": DAY}, settings={name: value})
        assert server.count() == {}
        assert not any(site.iterdir())
        return result.returncode, result.stdout, result.stderr
    node = HostileScrapyd()
    try:
        where = ["--url", node.url] if command == "schedule" else ["--node", node.url]
        if command == "backfill":
            where += ["--start", "2026-02-16", "--end", "2026-02-17"]
        proc = scrapy_command(command, *where, "-s", "SITE_DIR=/srv/blog", "-s", setting)
        assert node.asked == []
        return proc.returncode, proc.stdout, proc.stderr
    finally:
        node.stop()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["SUMMARY_API_KEY", "PUBLISH_GIT_TOKEN"])
@pytest.mark.parametrize("command", ["crawl", "schedule", "backfill"])
def test_every_command_refuses_a_secret_setting_before_sending_anything(
    command: str, name: str, server: FixtureServer, site: Path
) -> None:
    status, out, err = refused_by(command, f"{name}={SECRET}", server, site)
    assert status == 2, err[-2000:]
    assert err.startswith(f"error: {name}: a secret is never a setting")
    assert len(err.strip().splitlines()) == 1
    assert SECRET not in out + err


# --- Scrapy's own settings, read as Scrapy reads them -------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("DOWNLOAD_DELAY", "abc", "DOWNLOAD_DELAY: 'abc' is not a number of seconds and at most 3600"),
        ("DOWNLOAD_DELAY", "1e10", "DOWNLOAD_DELAY: '1e10' is not a number of seconds and at most 3600"),
        ("DOWNLOAD_DELAY", "inf", "DOWNLOAD_DELAY: 'inf' is not a number"),
        ("CONCURRENT_REQUESTS", "abc", "CONCURRENT_REQUESTS: 'abc' is not a whole number of at least 1"),
        (
            "CONCURRENT_REQUESTS_PER_DOMAIN",
            "0",
            "CONCURRENT_REQUESTS_PER_DOMAIN: '0' is not a whole number of at least 1",
        ),
        (
            "REACTOR_THREADPOOL_MAXSIZE",
            "0",
            "REACTOR_THREADPOOL_MAXSIZE: '0' is not a whole number of at least 1",
        ),
        ("CONCURRENT_REQUESTS", "1.5", "CONCURRENT_REQUESTS: '1.5' is not a whole number"),
        ("ROBOTSTXT_OBEY", "maybe", "ROBOTSTXT_OBEY: 'maybe' is not a yes/no value as Scrapy reads it"),
        ("TELNETCONSOLE_ENABLED", "on", "TELNETCONSOLE_ENABLED: 'on' is not a yes/no value"),
        ("REDIRECT_MAX_TIMES", "x", "REDIRECT_MAX_TIMES: 'x' is not a whole number"),
        ("DOWNLOAD_WARNSIZE", "x", "DOWNLOAD_WARNSIZE: 'x' is not a whole number"),
        ("CLOSESPIDER_ITEMCOUNT", "x", "CLOSESPIDER_ITEMCOUNT: 'x' is not a whole number"),
        ("AUTOTHROTTLE_MAX_DELAY", "nan", "AUTOTHROTTLE_MAX_DELAY: 'nan' is not a number"),
        ("LOG_FILE", "MISSING/x.log", "LOG_FILE: 'MISSING/x.log' cannot be written: MISSING is not a dir"),
        ("LOG_ENCODING", "bogus", "LOG_ENCODING: 'bogus' is not an encoding, it takes a codec's name"),
        ("LOG_ENCODING", "rot13", "LOG_ENCODING: 'rot13' is not an encoding"),  # no text codec
        ("LOG_ENCODING", "idna", "LOG_ENCODING: 'idna' is not an encoding"),  # cannot write a line
    ],
)
def test_a_scrapy_setting_scrapy_cannot_read_is_one_line(
    name: str, value: str, line: str, site: Path, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing")  # a folder no one made
    value, line = value.replace("MISSING", missing), line.replace("MISSING", missing)
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site), **{name: value}))
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DOWNLOAD_DELAY", "0.5"),  # an int by default, read as a number of seconds
        ("DNS_TIMEOUT", "2.5"),
        ("ROBOTSTXT_OBEY", "False"),
        ("TELNETCONSOLE_ENABLED", "0"),
        ("CONCURRENT_REQUESTS", "4"),
        ("USER_AGENT", ""),
        ("LOG_FILE", "run.log"),
        ("LOG_ENCODING", "latin-1"),
    ],
)
def test_a_scrapy_setting_scrapy_reads_passes(name: str, value: str, site: Path, tmp_path: Path) -> None:
    if name == "LOG_FILE":
        value = str(tmp_path / value)
    check_settings(project_settings(SITE_DIR=str(site), **{name: value}))


def test_a_folder_is_no_log_file(site: Path, tmp_path: Path) -> None:
    for folder in (tmp_path, site):
        settings = project_settings(SITE_DIR=str(site), LOG_FILE=str(folder))
        with pytest.raises(ArgumentError, match=r"^LOG_FILE: .* cannot be written: it is a directory$"):
            check_settings(settings)


def test_scrapys_readers_are_the_types_checked() -> None:
    """Every getint/getfloat/getbool/getdict("NAME") in Scrapy's source reads NAME as the type
    the check holds it to: its default's, or the one SCRAPY_READ_AS names."""
    import scrapy
    from scrapy.settings import default_settings

    from hfpapers.checks import scrapy_type

    readers = {"getint": int, "getfloat": float, "getbool": bool, "getdict": dict}
    found: dict[str, set[type]] = {}
    call = re.compile(r"\.(getint|getfloat|getbool|getdict)\(\s*\"([A-Z][A-Z0-9_]+)\"")
    names = {name for name in dir(default_settings) if name.isupper()}
    for path in Path(scrapy.__file__).parent.rglob("*.py"):
        for reader, name in call.findall(path.read_text(encoding="utf-8")):
            if name in names and default_settings.__dict__.get(name) is not None:
                found.setdefault(name, set()).add(readers[reader])
    assert len(found) > 50
    wrong = {name: kinds for name, kinds in found.items() if kinds != {scrapy_type(name)}}
    assert wrong == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "setting", "line"),
    [
        ("crawl", "DOWNLOAD_DELAY=abc", "error: DOWNLOAD_DELAY: 'abc' is not a number"),
        ("crawl", "ROBOTSTXT_OBEY=maybe", "error: ROBOTSTXT_OBEY: 'maybe' is not a yes/no value"),
        ("crawl", "LOG_FILE=MISSING/x.log", "error: LOG_FILE: 'MISSING/x.log' cannot be written"),
        ("crawl", "DOWNLOAD_SLOTS=[1]", "error: DOWNLOAD_SLOTS: '[1]' is not a JSON object"),
        ("schedule", "CONCURRENT_REQUESTS=abc", "error: CONCURRENT_REQUESTS: 'abc' is not a whole number"),
        ("schedule", "FEEDS=5", "error: FEEDS: '5' is not a JSON object"),
        ("backfill", "REDIRECT_MAX_TIMES=x", "error: REDIRECT_MAX_TIMES: 'x' is not a whole number"),
        ("backfill", "LOG_FILE=/srv/x.log", "error: LOG_FILE: Scrapyd writes each job's log itself"),
    ],
)
def test_every_command_refuses_a_scrapy_setting_scrapy_cannot_read(
    command: str, setting: str, line: str, server: FixtureServer, site: Path, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing")  # a folder no one made
    setting, line = setting.replace("MISSING", missing), line.replace("MISSING", missing)
    status, _, err = refused_by(command, setting, server, site)
    assert status == 2, err[-2000:]
    assert err.startswith(line)
    assert len(err.strip().splitlines()) == 1


# --- A value is checked as the run reads it: as written -----------------------------------


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("POST_TIMEZONE", "Asia/Seoul\n", "POST_TIMEZONE: 'Asia/Seoul\\n' is not a time zone"),
        ("POST_TIMEZONE", " UTC", "POST_TIMEZONE: ' UTC' is not a time zone"),
        ("POST_PERMALINK", "/posts/{key}/\n", "POST_PERMALINK: '/posts/{key}/\\n' is not a post URL pattern"),
        ("SITE_POST_URL", "{title}\nx: y", "SITE_POST_URL: '{title}\\nx: y' is not a post URL pattern"),
        ("POST_TAGS", "ai\n", "POST_TAGS: 'ai\\n' is not a list of names"),
        ("POST_TAGS", "ai\u2028papers", "POST_TAGS: 'ai\\u2028papers' is not a list of names"),
        ("POST_CATEGORIES", "Daily\x85Papers", "POST_CATEGORIES: 'Daily\\x85Papers' is not a list of names"),
        ("POST_AUTHOR", " lim4349", "POST_AUTHOR: ' lim4349' is not an author"),
        ("SUMMARY_MODEL", "qwen2.5:7b ", "SUMMARY_MODEL: 'qwen2.5:7b ' is not a model name"),
    ],
)
def test_a_value_the_run_would_read_with_a_space_or_newline_is_refused(
    name: str, value: str, line: str, site: Path
) -> None:
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site), **{name: value}), local=False)
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("suffix", ["\n", " ", "\r"])
@pytest.mark.parametrize("local", [True, False])  # False: scrapy schedule, which leaves the disk to the node
def test_a_site_dir_with_a_space_or_newline_around_it_is_one_line(
    suffix: str, local: bool, site: Path
) -> None:
    with pytest.raises(ArgumentError) as caught:
        check_settings(project_settings(SITE_DIR=str(site) + suffix), local=local)
    line = str(caught.value)
    assert line.startswith(f"SITE_DIR: {str(site) + suffix!r} starts or ends with a space, or holds a")
    assert "\n" not in line


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["POST_TIMEZONE=Asia/Seoul\n", "SITE_DIR"])
def test_crawl_refuses_a_value_with_a_newline_before_any_request(
    setting: str, server: FixtureServer, site: Path
) -> None:
    name, _, value = setting.partition("=")
    result = run_crawl(server, site, args={"date": DAY}, settings={name: value or f"{site}\n"})
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith(f"error: {name}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert server.count() == {}
    assert not any(site.iterdir())


@pytest.mark.parametrize(
    ("name", "most"),
    [
        ("RETRY_TIMES", 10),
        ("HF_API_PAGE_SIZE", 1000),
        ("HF_API_MAX_PAGES", 100),
        ("ARXIV_ABS_MAX_PAGES", 100),
        ("SUMMARY_RETRY_TIMES", 10),
        ("SUMMARY_MAX_FAILURES", 100),
        ("SUMMARY_MAX_CHARS", 4000),
        ("PUBLISH_PUSH_RETRIES", 10),
        ("POST_CHART_TOP", 100),
        ("POST_PERIOD_TOP", 1000),
        ("POST_CATEGORY_TAGS", 20),
    ],
)
def test_a_count_that_sizes_a_runs_work_is_bounded(name: str, most: int, site: Path) -> None:
    check_settings(project_settings(SITE_DIR=str(site), **{name: str(most)}))
    for value in (str(most + 1), "9" * 30):
        with pytest.raises(ArgumentError) as caught:
            check_settings(project_settings(SITE_DIR=str(site), **{name: value}))
        assert str(caught.value).startswith(f"{name}: {value!r} is not a whole number")
        assert str(caught.value).endswith(f"at most {most}")
