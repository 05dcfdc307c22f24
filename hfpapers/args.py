"""Validation of the spiders' arguments (day, range, week, month) and output settings.

Kept apart from the spider so the `crawl` command can reject bad input
with one line before Scrapy starts, and the spider checks the same rules
when it is started another way (Scrapyd, CrawlerProcess).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from hfpapers.gitrepo import DETACHED, detached_head, is_work_tree
from hfpapers.periods import DEFAULTS, KINDS, PARSERS, Period, day_period
from hfpapers.site import Site

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ArgumentError(ValueError):
    """A spider argument or setting is unusable; the message is one line."""


@dataclass(frozen=True)
class RunPlan:
    periods: list[Period]
    top: int | None
    force: bool


def hf_today() -> date:
    """The current Hugging Face day: the UTC date."""
    return datetime.now(UTC).date()


def parse_day(name: str, value: str, first: date, last: date) -> date:
    if not _DATE_RE.match(value):
        raise ArgumentError(f"{name}: {value!r} is not a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ArgumentError(f"{name}: {value!r} is not a real date") from None
    if day < first:
        raise ArgumentError(f"{name}: {value} is before the first Daily Papers day ({first})")
    if day > last:
        raise ArgumentError(f"{name}: {value} is in the future (the Hugging Face day is {last})")
    return day


def parse_flag(value: Any) -> bool | None:
    """A yes/no value as people write it (``True``, ``1``, ``yes``, ``on``, any case; "" is no), or None."""
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    return None


def _flag(name: str, value: Any) -> bool:
    flag = parse_flag(value)
    if flag is None:
        raise ArgumentError(f"{name}: {value!r} is not a yes/no value (use 1 or 0)")
    return flag


def check_site(settings: BaseSettings) -> Path:
    """The site folder, and git when publishing (the checks module refuses a remote with
    credentials before this runs)."""
    path = Site.from_settings(settings).root
    if not path.is_dir():
        raise ArgumentError(f"SITE_DIR: {path} is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ArgumentError(f"SITE_DIR: {path} is not writable")
    if settings.getbool("PUBLISH_GIT"):
        if shutil.which("git") is None:
            raise ArgumentError("PUBLISH_GIT: git is not on PATH")
        if not is_work_tree(path):
            raise ArgumentError(f"PUBLISH_GIT: SITE_DIR {path} is not a git work tree")
        pushed_to_a_branch = settings.getbool("PUBLISH_PUSH") and settings.get("PUBLISH_GIT_BRANCH")
        if not pushed_to_a_branch and detached_head(path):
            raise ArgumentError(f"PUBLISH_GIT: HEAD is detached in {path}: {DETACHED}")
    for sub in ("_posts", "_data", "_data/papers"):
        target = path / sub
        # lexists: a dangling symbolic link or a loop is there, and no folder.
        if os.path.lexists(target) and not (target.is_dir() and os.access(target, os.W_OK | os.X_OK)):
            raise ArgumentError(f"SITE_DIR: {target} is not a writable directory")
    return path


def first_day(settings: BaseSettings) -> date:
    try:
        return date.fromisoformat(settings.get("FIRST_DAY"))
    except ValueError:
        raise ArgumentError(f"FIRST_DAY: {settings.get('FIRST_DAY')!r} is not a date") from None


def plan_run(
    kwargs: dict[str, Any], settings: BaseSettings, today: date | None = None, kind: str = "daily"
) -> RunPlan:
    """The periods to crawl and the options (`checks.check_run` checks the settings first)."""
    periods = plan_periods(kwargs, settings, kind, today)
    top = kwargs.get("top")
    if top is not None:
        if not str(top).isdigit() or int(top) < 1:
            raise ArgumentError(f"top: {top!r} is not a positive whole number")
        top = int(top)
    force = _flag("force", kwargs.get("force", ""))
    return RunPlan(periods=periods, top=top, force=force)


def plan_periods(
    kwargs: dict[str, Any], settings: BaseSettings, kind: str = "daily", today: date | None = None
) -> list[Period]:
    """The days, week or month the arguments ask for (``date``/``start``/``end``, ``week``, ``month``)."""
    last = today or hf_today()
    first = first_day(settings)
    if kind == "daily":
        return _daily_periods(kwargs, first, last)
    return [_one_period(kind, kwargs, first, last)]


def _one_period(kind: str, kwargs: dict[str, Any], first: date, last: date) -> Period:
    name = KINDS[kind].segment  # the spider's argument: week, month
    value = kwargs.get(name)
    if value is None:
        return DEFAULTS[kind](last)
    try:
        period = PARSERS[kind](str(value))
    except ValueError as exc:
        raise ArgumentError(f"{name}: {exc}") from None
    if period.last < first:
        raise ArgumentError(f"{name}: {value} is before the first Daily Papers day ({first})")
    if period.first > last:
        raise ArgumentError(f"{name}: {value} is in the future (the Hugging Face day is {last})")
    return period


def _daily_periods(kwargs: dict[str, Any], first: date, last: date) -> list[Period]:
    one, start, end = kwargs.get("date"), kwargs.get("start"), kwargs.get("end")
    if one is not None and (start is not None or end is not None):
        raise ArgumentError("date: give either date or start/end, not both")
    if start is not None or end is not None:
        if start is None or end is None:
            raise ArgumentError("start/end: a backfill needs both start and end")
        start_day = parse_day("start", str(start), first, last)
        end_day = parse_day("end", str(end), first, last)
        if start_day > end_day:
            raise ArgumentError(f"start: {start_day} is after end {end_day}")
        span = (end_day - start_day).days + 1
        return [day_period(start_day + timedelta(n)) for n in range(span)]
    return [day_period(parse_day("date", str(one), first, last) if one else last)]
