"""Which crawls a scheduled or hand-started run makes: decided here, and nowhere else.

The GitHub Actions route (``deploy/github-actions/papers.yml``) runs
``python -m hfpapers.plan`` twice a day (09:15 and 23:00 KST) with no list
named: every run writes the day's post (the evening run refreshes its likes),
on a Monday also the ISO week that has just closed, on the 1st also the month
that has. Started by hand, it crawls what it is given instead: a day, a week,
a month, a range of days (a backfill), or any of them together.

Each crawl is its own ``scrapy crawl`` process, with the ``-s`` settings given
here passed on; a crawl that fails does not stop the next, and the exit status
is 1 when any failed (2, before anything runs, for arguments that name nothing).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hfpapers.periods import PARSERS, day_period, previous_month, previous_week


@dataclass(frozen=True)
class Crawl:
    spider: str
    args: tuple[tuple[str, str], ...]

    def argv(self, settings: Sequence[str] = ()) -> list[str]:
        """``scrapy crawl SPIDER -a NAME=VALUE… -s NAME=VALUE…`` (after the interpreter)."""
        argv = ["-m", "scrapy", "crawl", self.spider]
        for name, value in self.args:
            argv += ["-a", f"{name}={value}"]
        for setting in settings:
            argv += ["-s", setting]
        return argv

    def __str__(self) -> str:
        words = ["scrapy", "crawl", self.spider]
        for name, value in self.args:
            words += ["-a", f"{name}={value}"]
        return shlex.join(words)


def scheduled(now: datetime) -> list[Crawl]:
    """A scheduled run at ``now``: the UTC day (Hugging Face's day), on a Monday also the
    week before it, on the 1st also the month before it."""
    today = now.astimezone(UTC).date()
    crawls = [Crawl("daily", (("date", day_period(today).key),))]
    if today.isoweekday() == 1:
        crawls.append(Crawl("weekly", (("week", previous_week(today).key),)))
    if today.day == 1:
        crawls.append(Crawl("monthly", (("month", previous_month(today).key),)))
    return crawls


def asked(*, date: str = "", week: str = "", month: str = "", start: str = "", end: str = "") -> list[Crawl]:
    """What a run started by hand names; raises ValueError with one line for a value that
    names no day, week or month, or half a range."""
    crawls = []
    for spider, name, value in (
        ("daily", "date", date),
        ("weekly", "week", week),
        ("monthly", "month", month),
    ):
        if value:
            crawls.append(Crawl(spider, ((name, _period_key(spider, name, value)),)))
    if start or end:
        if not (start and end):
            raise ValueError("start and end: a range needs both (YYYY-MM-DD)")
        first, last = _period_key("daily", "start", start), _period_key("daily", "end", end)
        if first > last:
            raise ValueError(f"start: {first} is after end {last}")
        crawls.append(Crawl("daily", (("start", first), ("end", last))))
    return crawls


_FORMS = {"daily": ("day", "YYYY-MM-DD"), "weekly": ("week", "YYYY-Www"), "monthly": ("month", "YYYY-MM")}


def _period_key(spider: str, name: str, value: str) -> str:
    """The period's key as Hugging Face writes it (the crawl checks the rest: the future, FIRST_DAY)."""
    try:
        return PARSERS[spider](value.strip()).key
    except ValueError:
        what, form = _FORMS[spider]
        raise ValueError(f"{name}: {value!r} is not a {what} in the form {form}") from None


def _now(value: str) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"now: {value!r} is not a time in ISO 8601 (2026-02-23T00:15:00Z)") from None
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hfpapers.plan",
        description="Run the crawls a scheduled run makes (no list named), or the lists named.",
    )
    for name, form in (("date", "YYYY-MM-DD"), ("week", "YYYY-Www"), ("month", "YYYY-MM")):
        parser.add_argument(f"--{name}", default="", metavar=form, help=f"crawl this {name}")
    parser.add_argument("--start", default="", metavar="YYYY-MM-DD", help="a backfill from this day…")
    parser.add_argument("--end", default="", metavar="YYYY-MM-DD", help="…to this day")
    parser.add_argument("--now", default="", metavar="ISO-TIME", help="the run's time (default: the clock)")
    parser.add_argument("--dry-run", action="store_true", help="print the crawls, run none")
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE", help="passed to each crawl"
    )
    options = parser.parse_args(argv)
    try:
        crawls = asked(
            date=options.date, week=options.week, month=options.month, start=options.start, end=options.end
        )
        if not crawls:
            crawls = scheduled(_now(options.now))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = []
    for crawl in crawls:
        print(f"plan: {crawl}", flush=True)
        if options.dry_run:
            continue
        if subprocess.run([sys.executable, *crawl.argv(options.settings)], check=False).returncode != 0:
            failed.append(str(crawl))
    for crawl_text in failed:
        print(f"failed: {crawl_text}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
