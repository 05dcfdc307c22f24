"""The spiders' arguments (day, range, week, month, top, force): what each spider takes,
and the run they ask for.

Kept apart from the spider so the `crawl` command can reject bad input with one
line before Scrapy starts, and the spider checks the same rules when it is
started another way (Scrapyd, CrawlerProcess). The settings' rules are
`hfpapers.checks`, below this module.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scrapy.settings import BaseSettings

# ArgumentError is raised here too, and imported from here by the commands.
from hfpapers.checks import (
    ArgumentError,
    check_settings,
    is_setting_name,
    parse_yes_no,
    read_setting,
    read_whole,
    shown_name,
    shown_value,
)
from hfpapers.periods import DEFAULTS, KINDS, PARSERS, Period, day_period, parse_date

# The arguments (-a NAME=VALUE) each spider takes, with what they take: the one declaration
# that the argument check and `scrapy crawl --help` read.
PERIOD_ARGUMENTS: dict[str, dict[str, str]] = {
    "daily": {
        "date": "YYYY-MM-DD: the day (default: the current UTC day, the Hugging Face day)",
        "start": "YYYY-MM-DD: the first day of a range (a backfill), with end",
        "end": "YYYY-MM-DD: the last day of the range",
    },
    "weekly": {"week": "YYYY-Www: the ISO week (default: the previous week)"},
    "monthly": {"month": "YYYY-MM: the month (default: the previous month)"},
}
COMMON_ARGUMENTS = {
    "top": "N: keep the N most liked papers",
    "force": "1: replace the existing post even when this run found fewer papers",
}


def arguments_of(spider: str) -> list[str]:
    return [*PERIOD_ARGUMENTS[spider], *COMMON_ARGUMENTS]


def check_arguments(
    given: Iterable[str], spider: str, takes: Iterable[str] | None = None, dash: str = ""
) -> None:
    """Refuse an argument ``spider`` does not take, naming what it takes.

    Scrapyd adds ``_job`` (and may add other ``_`` arguments): not ours, allowed.
    ``takes`` and ``dash`` word it for `scrapy schedule`'s options (``--date``).
    """
    known = list(takes if takes is not None else arguments_of(spider))
    for name in given:
        if name.startswith("_") or name in known:
            continue
        others = [other for other, names in PERIOD_ARGUMENTS.items() if name in names and other != spider]
        if others:
            hint = f" ({' and '.join(others)} takes it)"
        elif name == "setting" or is_setting_name(name):
            hint = " (a setting: give it with -s NAME=VALUE)"
        elif close := difflib.get_close_matches(name, known, n=1):
            hint = f" (did you mean {dash}{close[0]}?)"
        else:
            hint = ""
        listing = ", ".join(dash + k for k in known)
        raise ArgumentError(
            f"{dash}{shown_name(name)}: not an argument of {spider}{hint}; {spider} takes {listing}"
        )


def check_input(arguments: Iterable[str], settings: BaseSettings, kind: str) -> None:
    """The spider's argument names, then every setting (`plan_run` then reads the values)."""
    check_arguments(arguments, kind)
    check_settings(settings)


@dataclass(frozen=True)
class RunPlan:
    periods: list[Period]
    top: int | None
    force: bool


def hf_today() -> date:
    """The current Hugging Face day: the UTC date."""
    return datetime.now(UTC).date()


def _shown_in(error: ValueError, value: str) -> str:
    """A parser's reason, with the value in it as a refusal shows one (`shown_value`)."""
    return str(error).replace(repr(value), shown_value(value))


def parse_day(name: str, value: str, first: date, last: date) -> date:
    try:
        day = parse_date(value)
    except ValueError as exc:
        raise ArgumentError(f"{name}: {_shown_in(exc, value)}") from None
    if day < first:
        raise ArgumentError(f"{name}: {value} is before the first Daily Papers day ({first})")
    if day > last:
        raise ArgumentError(f"{name}: {value} is in the future (the Hugging Face day is {last})")
    return day


def plan_run(
    kwargs: dict[str, Any], settings: BaseSettings, today: date | None = None, kind: str = "daily"
) -> RunPlan:
    """The periods to crawl and the options (`check_input` checks the settings first)."""
    periods = plan_periods(kwargs, settings, kind, today)
    top = kwargs.get("top")
    if top is not None:
        try:
            top = read_whole(top)
        except (TypeError, ValueError):
            top = 0
        if top < 1:
            raise ArgumentError(f"top: {shown_value(kwargs['top'])} is not a positive whole number")
    force = kwargs.get("force")
    try:
        force = False if force is None else parse_yes_no(force)
    except ValueError:
        raise ArgumentError(f"force: {shown_value(force)} is not a yes/no value (use 1 or 0)") from None
    return RunPlan(periods=periods, top=top, force=force)


def plan_periods(
    kwargs: dict[str, Any], settings: BaseSettings, kind: str = "daily", today: date | None = None
) -> list[Period]:
    """The days, week or month the arguments ask for (``date``/``start``/``end``, ``week``, ``month``)."""
    last = today or hf_today()
    first = read_setting(settings, "FIRST_DAY")
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
        raise ArgumentError(f"{name}: {_shown_in(exc, str(value))}") from None
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
    # Given empty (-a date=, a variable that was never set) is no day: never "today" unasked.
    return [day_period(last if one is None else parse_day("date", str(one), first, last))]
