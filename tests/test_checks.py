"""Every setting of ours has a rule, and a bad value is one line before any request (issue 18.1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixture_server import FixtureServer
from hfpapers.args import ArgumentError
from hfpapers.checks import RULES, check_settings
from tests.conftest import ROOT, SPIDERS, project_settings, run_crawl
from tests.test_readme import own_settings, table_rows

DAY = "2026-02-18"
MISSING_SITE = "/nonexistent/hfpapers-site"

# For each setting in the README's tables: a value its rule refuses, and the line that says so.
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
        "ARXIV_API_DELAY: '-1' is not a number of seconds, it takes seconds, 0 or more",
    ),
    "ARXIV_ABS_DELAY": ("nan", "ARXIV_ABS_DELAY: 'nan' is not a number of seconds"),
    "HF_PAGE_DELAY": ("abc", "HF_PAGE_DELAY: 'abc' is not a number of seconds, it takes seconds, 0 or more"),
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
    # These three keep the words summaries.check_settings had (the README quotes one).
    "SUMMARY_CONCURRENCY": ("0", "SUMMARY_CONCURRENCY: '0' is not a whole number of at least 1"),
    "SUMMARY_DELAY": ("-1", "SUMMARY_DELAY: '-1' is not a non-negative number of seconds"),
    "SUMMARY_TIMEOUT": ("0", "SUMMARY_TIMEOUT: '0' is not a positive number of seconds"),
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
        "PUBLISH_TIMEOUT: '0' is not a number of seconds above 0, it takes seconds, more",
    ),
    "PUBLISH_GIT_AUTHOR": (
        "hfpapers bot",
        "PUBLISH_GIT_AUTHOR: 'hfpapers bot' is not a git author, it takes Name <",
    ),
}


@pytest.mark.parametrize("name", sorted(table_rows()))
def test_every_setting_in_the_readme_has_a_rule_that_refuses_a_bad_value(name: str, site: Path) -> None:
    """A setting added to the README without a rule (or without a bad example here) fails."""
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
        ("SUMMARY_API_URL", "http://127.0.0.1:11434/v1"),
        ("SUMMARY_TEMPERATURE", "0.7"),
        ("PUBLISH_GIT_BRANCH", "feature/posts"),
        ("PUBLISH_GIT_REMOTE", "git@github.com:me/blog.git"),
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


@pytest.mark.parametrize(
    "setting",
    ["SUMMARY_API_URL=127.0.0.1:8811/v1", "HF_PAGE_DELAY=abc", "POST_TIMEZONE=Mars/Base"],
)
def test_crawl_refuses_a_bad_setting_in_one_line_before_any_request(
    setting: str, server: FixtureServer, site: Path
) -> None:
    """Before: a 224-line traceback (the URL), a traceback (the delay), a failure after the crawl."""
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


def test_schedule_refuses_a_bad_setting_before_asking_scrapyd() -> None:
    proc = scrapy_command(
        "schedule", "--url", "http://127.0.0.1:9", "-s", "SITE_DIR=/srv/blog", "-s", "POST_TIME=25:99"
    )
    # 2, not the 1 of "cannot reach Scrapyd": refused before any request.
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "error: POST_TIME: '25:99' is not a time of day, it takes HH:MM (00:00 to 23:59)"
    )


def test_backfill_refuses_a_bad_setting_before_asking_scrapyd() -> None:
    """It passed -s settings to every node as they came (second adversarial run)."""
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
