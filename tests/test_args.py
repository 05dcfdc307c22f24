"""Argument and setting checks, in-process: the one line `scrapy crawl` prints before exiting 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fixture_server import FixtureServer
from hfpapers.args import PERIOD_ARGUMENTS, ArgumentError, arguments_of, plan_periods, plan_run
from hfpapers.checks import RULES
from hfpapers.commands.crawl import MAIN_SETTINGS
from tests.conftest import SPIDERS, project_settings, run_crawl
from tests.test_checks import scrapy_command

DAY = "2026-02-18"


def error_of(args: dict[str, str], spider: str = "daily", **settings: Any) -> str:
    with pytest.raises(ArgumentError) as caught:
        SPIDERS[spider].plan(args, project_settings(**settings))
    return f"error: {caught.value}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "error: date: '2026-02-30' is not a real date"),
        ("../x", "error: date: '../x' is not a date in the form YYYY-MM-DD"),
        ("yesterday", "error: date: 'yesterday' is not a date in the form YYYY-MM-DD"),
        ("2026-2-1", "error: date: '2026-2-1' is not a date in the form YYYY-MM-DD"),
        ("2099-01-01", "error: date: 2099-01-01 is in the future (the Hugging Face day is "),
        ("2020-01-01", "error: date: 2020-01-01 is before the first Daily Papers day (2023-05-04)"),
    ],
)
def test_bad_date(value: str, message: str, site: Path) -> None:
    assert error_of({"date": value}, SITE_DIR=str(site)).startswith(message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"start": "2026-02-20", "end": "2026-02-13"}, "error: start: 2026-02-20 is after end 2026-02-13"),
        ({"start": "2026-02-13"}, "error: start/end: a backfill needs both start and end"),
        ({"date": DAY, "start": DAY, "end": DAY}, "error: date: give either date or start/end, not both"),
        ({"date": DAY, "top": "0"}, "error: top: '0' is not a positive whole number"),
        ({"date": DAY, "force": "maybe"}, "error: force: 'maybe' is not a yes/no value (use 1 or 0)"),
    ],
)
def test_bad_arguments(args: dict[str, str], message: str, site: Path) -> None:
    assert error_of(args, SITE_DIR=str(site)) == message


@pytest.mark.parametrize(
    ("spider", "args", "message"),
    [
        ("weekly", {"week": "2026-W60"}, "error: week: '2026-W60' is not a real ISO week"),
        ("weekly", {"week": "2026-8"}, "error: week: '2026-8' is not a week in the form YYYY-Www"),
        ("monthly", {"month": "2026-13"}, "error: month: '2026-13' is not a month in the form YYYY-MM"),
        ("monthly", {"month": "2099-01"}, "error: month: 2099-01 is in the future"),
    ],
)
def test_bad_period_arguments(spider: str, args: dict[str, str], message: str, site: Path) -> None:
    assert error_of(args, spider, SITE_DIR=str(site)).startswith(message)


def test_site_dir_must_be_a_writable_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert error_of({"date": DAY}, SITE_DIR=str(missing)) == f"error: SITE_DIR: {missing} is not a directory"
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "_posts").write_text("a file where the folder should be")
    assert error_of({"date": DAY}, SITE_DIR=str(blocked)) == (
        f"error: SITE_DIR: {blocked / '_posts'} is not a writable directory"
    )
    assert os.listdir(blocked) == ["_posts"]


def test_publishing_needs_a_git_work_tree(site: Path) -> None:
    assert error_of({"date": DAY}, SITE_DIR=str(site), PUBLISH_GIT=True) == (
        f"error: PUBLISH_GIT: SITE_DIR {site} is not a git work tree"
    )


def test_publishing_refuses_a_folder_its_repository_ignores(tmp_path: Path) -> None:
    """The README's ``./blog`` inside the hfpapers checkout: its commits would be hfpapers'."""
    project = tmp_path / "project"
    site = project / "blog"
    site.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("blog/\n")
    assert error_of({"date": DAY}, SITE_DIR=str(site), PUBLISH_GIT=True) == (
        f"error: PUBLISH_GIT: SITE_DIR {site} is a folder the git repository around it ignores,"
        " not a clone of the blog: make SITE_DIR the blog's own clone"
    )


def test_a_range_is_one_period_per_day(site: Path) -> None:
    plan = plan_run({"start": "2026-02-13", "end": "2026-02-23"}, project_settings(SITE_DIR=str(site)))
    assert [p.key for p in plan.periods][::5] == ["2026-02-13", "2026-02-18", "2026-02-23"]
    assert len(plan.periods) == 11


LINKED = "is a symbolic link; hfpapers writes only into real folders inside SITE_DIR"


def test_broken_site_folders_are_refused_before_any_request(tmp_path: Path) -> None:
    dangling = tmp_path / "dangling"
    dangling.mkdir()
    (dangling / "_posts").symlink_to(tmp_path / "gone")
    assert (
        error_of({"date": DAY}, SITE_DIR=str(dangling)) == f"error: SITE_DIR: {dangling / '_posts'} {LINKED}"
    )
    looped = tmp_path / "looped"
    looped.mkdir()
    (looped / "_data").symlink_to(looped / "_data")
    assert error_of({"date": DAY}, SITE_DIR=str(looped)) == f"error: SITE_DIR: {looped / '_data'} {LINKED}"


@pytest.mark.parametrize("linked", ["_posts", "_data", "_data/papers"])
def test_a_site_folder_linked_to_a_real_folder_is_refused_before_any_request(
    linked: str, tmp_path: Path
) -> None:
    """The writer writes nothing through a link: every list would fail at the end of the run."""
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    (site / linked).parent.mkdir(parents=True, exist_ok=True)
    elsewhere.mkdir()
    (site / linked).symlink_to(elsewhere, target_is_directory=True)
    assert error_of({"date": DAY}, SITE_DIR=str(site)) == f"error: SITE_DIR: {site / linked} {LINKED}"


def test_publishing_without_git_is_refused(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(site))  # a PATH with no git on it
    assert (
        error_of({"date": DAY}, SITE_DIR=str(site), PUBLISH_GIT=True)
        == "error: PUBLISH_GIT: git is not on PATH"
    )


# --- Arguments a spider does not take --------------------------------------------------


@pytest.mark.parametrize(
    ("spider", "args", "message"),
    [
        (
            "daily",
            {"dat": DAY},
            "error: dat: not an argument of daily (did you mean date?);"
            " daily takes date, start, end, top, force",
        ),
        (
            "weekly",
            {"month": "2026-02"},
            "error: month: not an argument of weekly (monthly takes it); weekly takes week, top, force",
        ),
        (
            "monthly",
            {"date": DAY},
            "error: date: not an argument of monthly (daily takes it); monthly takes month, top, force",
        ),
        (
            "daily",
            {"date": DAY, "SITE_DIR": "/srv/blog"},
            "error: SITE_DIR: not an argument of daily (a setting: give it with -s NAME=VALUE);"
            " daily takes date, start, end, top, force",
        ),
        ("daily", {"setting": "SITE_DIR=/srv/blog"}, "error: setting: not an argument of daily (a setting: "),
        (
            "weekly",
            {"colour": "red"},
            "error: colour: not an argument of weekly; weekly takes week, top, force",
        ),
    ],
)
def test_an_argument_the_spider_does_not_take_is_refused(
    spider: str, args: dict[str, str], message: str, site: Path
) -> None:
    """Ignored, it would crawl today, or the current week."""
    assert error_of(args, spider, SITE_DIR=str(site)).startswith(message)


def test_scrapyds_own_arguments_are_allowed(site: Path) -> None:
    plan = SPIDERS["daily"].plan(
        {"date": DAY, "_job": "abc123", "_version": "1"}, project_settings(SITE_DIR=str(site))
    )
    assert [p.key for p in plan.periods] == [DAY]


@pytest.mark.slow
def test_a_misspelt_argument_is_refused_before_any_request(server: FixtureServer, site: Path) -> None:
    result = run_crawl(server, site, args={"dat": DAY})
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip() == (
        "error: dat: not an argument of daily (did you mean date?); daily takes date, start, end, top, force"
    )
    assert server.count() == {}


@pytest.mark.slow
def test_schedule_refuses_an_option_of_another_spider() -> None:
    """`--spider monthly --date D` would queue the previous month."""
    proc = scrapy_command(
        "schedule",
        "--url",
        "http://127.0.0.1:9",
        "--spider",
        "monthly",
        "--date",
        DAY,
        "-s",
        "SITE_DIR=/srv/blog",
    )
    assert proc.returncode == 2, proc.stderr  # not 1: Scrapyd was never asked
    assert (
        proc.stderr.strip()
        == "error: --date: not an argument of monthly (daily takes it); monthly takes --month"
    )


# --- `scrapy crawl SPIDER --help` ------------------------------------------------------------


@pytest.mark.slow
def test_crawl_help_shows_each_spiders_arguments_and_the_main_settings() -> None:
    """Scrapy's own help says only `-a NAME=VALUE  set spider argument`."""
    proc = scrapy_command("crawl", "daily", "--help")
    assert proc.returncode == 0, proc.stderr
    help_text = proc.stdout
    for spider, arguments in PERIOD_ARGUMENTS.items():
        line = next(line for line in help_text.splitlines() if line.strip().startswith(f"{spider}:"))
        assert f"-a {next(iter(arguments))}=" in line
    for name in arguments_of("daily") + arguments_of("weekly") + arguments_of("monthly"):
        assert f"-a {name}=" in help_text
    for name in MAIN_SETTINGS:
        assert name in RULES
        assert f"\n  {name} " in help_text
    assert "  SITE_DIR          the Jekyll site the posts and data files go into (required)\n" in help_text


def test_the_last_month_there_is_says_it_is_in_the_future() -> None:
    """Its next month is in the year 10000, which `date` cannot hold."""
    from datetime import date

    from hfpapers.args import ArgumentError, plan_periods
    from tests.conftest import project_settings

    with pytest.raises(
        ArgumentError, match=r"^month: 9999-12 is in the future \(the Hugging Face day is 2026-12-04\)$"
    ):
        plan_periods({"month": "9999-12"}, project_settings(), kind="monthly", today=date(2026, 12, 4))


# --- Numbers and yes/no: one reading each -----------------------------------------------------


@pytest.mark.parametrize("top", ["\u00b2", "١٢", "１２", " 3", "3\n", "1_000", "+3", "3.0"])
def test_top_is_ascii_digits_and_nothing_else(top: str, site: Path) -> None:
    """'²' passes str.isdigit and int() raises on it; int() reads "١٢" as 12 and " 3" as 3."""
    assert error_of({"date": DAY, "top": top}, SITE_DIR=str(site)) == (
        f"error: top: {top!r} is not a positive whole number"
    )


@pytest.mark.parametrize(
    ("value", "read"),
    [("1", True), ("0", False), ("yes", True), ("Off", False), ("TRUE", True), ("on", True)],
)
def test_force_and_a_yes_no_setting_read_the_same_words(value: str, read: bool, site: Path) -> None:
    settings = project_settings(SITE_DIR=str(site), POST_IMAGE=value)
    assert SPIDERS["daily"].plan({"date": DAY, "force": value}, settings).force is read
    assert settings.getbool("POST_IMAGE") is read


@pytest.mark.parametrize("value", ["", "maybe", "2", "y"])
def test_force_and_a_yes_no_setting_refuse_the_same_words(value: str, site: Path) -> None:
    """One reading of yes and no: "-a force=" is no more a no than "-s POST_IMAGE=" is."""
    assert error_of({"date": DAY, "force": value}, SITE_DIR=str(site)) == (
        f"error: force: {value!r} is not a yes/no value (use 1 or 0)"
    )
    assert error_of({"date": DAY}, SITE_DIR=str(site), POST_IMAGE=value).startswith(
        f"error: POST_IMAGE: {value!r} is not a yes/no value"
    )


@pytest.mark.parametrize("spider", ["daily", "weekly", "monthly"])
def test_the_first_day_is_read_by_its_rule_wherever_it_is_read(spider: str) -> None:
    """`scrapy schedule` and `backfill` plan the period before the settings are checked."""
    with pytest.raises(ArgumentError) as caught:
        plan_periods({}, project_settings(FIRST_DAY="2023-5-4"), kind=spider)
    assert str(caught.value) == "FIRST_DAY: '2023-5-4' is not a date, it takes YYYY-MM-DD"


# --- An empty argument is no value: never today, never the default -------------------------


@pytest.mark.parametrize(
    ("spider", "args", "message"),
    [
        ("daily", {"date": ""}, "error: date: '' is not a date in the form YYYY-MM-DD"),
        ("daily", {"start": "", "end": DAY}, "error: start: '' is not a date in the form YYYY-MM-DD"),
        ("daily", {"start": DAY, "end": ""}, "error: end: '' is not a date in the form YYYY-MM-DD"),
        ("daily", {"date": DAY, "top": ""}, "error: top: '' is not a positive whole number"),
        ("daily", {"date": DAY, "force": ""}, "error: force: '' is not a yes/no value (use 1 or 0)"),
        ("weekly", {"week": ""}, "error: week: '' is not a week in the form YYYY-Www"),
        ("monthly", {"month": ""}, "error: month: '' is not a month in the form YYYY-MM"),
    ],
)
def test_an_empty_argument_is_refused(spider: str, args: dict[str, str], message: str, site: Path) -> None:
    assert error_of(args, spider, SITE_DIR=str(site)) == message


@pytest.mark.slow
def test_an_empty_period_is_one_line_and_exit_2_for_crawl_and_schedule(
    server: FixtureServer, site: Path
) -> None:
    from tests.scrapyd_node import HostileScrapyd

    crawled = run_crawl(server, site, args={"date": ""})
    assert crawled.returncode == 2
    assert crawled.stderr == "error: date: '' is not a date in the form YYYY-MM-DD\n"
    assert server.count() == {}
    node = HostileScrapyd()
    try:
        for option in ("--date", "--week", "--month"):
            spider = {"--date": "daily", "--week": "weekly", "--month": "monthly"}[option]
            proc = scrapy_command(
                "schedule", "--url", node.url, "--spider", spider, option, "", "-s", "SITE_DIR=/srv/blog"
            )
            assert proc.returncode == 2, proc.stdout + proc.stderr
            assert proc.stderr.startswith(f"error: {option[2:]}: '' is not a ")
            assert len(proc.stderr.splitlines()) == 1
        assert node.asked == []
    finally:
        node.stop()


@pytest.mark.parametrize(
    ("spider", "args", "start"),
    [
        ("daily", {"date": DAY, "top": "9" * 5000}, "error: top: '999"),
        ("daily", {"date": "9" * 5000}, "error: date: '999"),
        ("daily", {"start": "9" * 5000, "end": DAY}, "error: start: '999"),
        ("daily", {"date": DAY, "force": "x" * 5000}, "error: force: 'xxx"),
        ("weekly", {"week": "9" * 5000}, "error: week: '999"),
        ("daily", {"x" * 5000: "1"}, "error: xxx"),
    ],
)
def test_a_long_value_is_shown_by_a_short_prefix(
    spider: str, args: dict[str, str], start: str, site: Path
) -> None:
    line = error_of(args, spider, SITE_DIR=str(site))
    assert line.startswith(start)
    assert "…" in line and len(line) < 300


def test_a_long_setting_name_is_shown_by_a_short_prefix(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    name = "ADDON_" + "X" * 5000
    SPIDERS["daily"].plan({"date": DAY}, project_settings(SITE_DIR=str(site), **{name: "1"}))
    (warning,) = [record.getMessage() for record in caplog.records if "not a setting" in record.getMessage()]
    assert warning.startswith("ADDON_XXX") and len(warning) < 300
