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

A stop (SIGINT, SIGTERM) is the crawl's: each signal is handed to the crawl running,
which writes and publishes the lists whole by then (a second signal stops it at once,
as it would stop ``scrapy crawl``); the plan waits for it, starts no further crawl and
exits with its status. The crawl runs in a process group of its own, so a Ctrl-C in a
terminal, which signals the whole group, reaches it once, through here. GitHub's runner
signals the step's shell alone: the step ``exec``s this module to be that process.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


class Stop:
    """The stop signals of a run, each handed on to the crawl running (if any)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: list[int] = []
        self.crawl: subprocess.Popen[bytes] | None = None
        self.handed_on = 0  # how many of the signals received the crawl was given

    def __bool__(self) -> bool:
        return bool(self.received)

    def _handle(self, signum: int, _frame: object) -> None:
        self.received.append(signum)
        self._hand_on()

    def _hand_on(self) -> None:
        crawl = self.crawl
        while crawl is not None and self.handed_on < len(self.received):
            signum = self.received[self.handed_on]
            self.handed_on += 1  # first: a signal that comes meanwhile hands on only the rest
            if crawl.poll() is None:
                crawl.send_signal(signum)

    @contextmanager
    def installed(self) -> Iterator[Stop]:
        previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def run(self, argv: list[str]) -> int:
        """Runs a crawl to its end, handing it each stop signal; its exit status (128 + the
        signal's number when a signal ended it, as a shell says)."""
        self.handed_on = 0  # a crawl starts only before any stop: every signal is its
        # Its own process group: a terminal's Ctrl-C (to the whole group) reaches it once, from here.
        self.crawl = subprocess.Popen(argv, process_group=0)
        self._hand_on()  # a signal that came while it was being started
        try:
            status = self.crawl.wait()
        finally:
            self.crawl = None
        return 128 - status if status < 0 else status


def main(argv: Sequence[str] | None = None) -> int:
    with Stop().installed() as stop:
        return _main(argv, stop)


def _main(argv: Sequence[str] | None, stop: Stop) -> int:
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
    failed: list[Crawl] = []
    status = 0
    for n, crawl in enumerate(crawls):
        if stop:  # a stop came during the crawl before (or before the first): no further crawl
            return _stopped(stop, status, failed, crawls[n:])
        print(f"plan: {crawl}", flush=True)
        if options.dry_run:
            continue
        status = stop.run([sys.executable, *crawl.argv(options.settings)])
        if status != 0:
            failed.append(crawl)
    if stop:
        return _stopped(stop, status, failed, [])
    for crawl in failed:
        print(f"failed: {crawl}", file=sys.stderr)
    return 1 if failed else 0


def _stopped(stop: Stop, status: int, failed: list[Crawl], left: list[Crawl]) -> int:
    """After a stop: says what failed and what was not run; the stopped crawl's status (1 when it
    ended well but crawls were left)."""
    for crawl in failed:
        print(f"failed: {crawl}", file=sys.stderr)
    name = signal.Signals(stop.received[0]).name
    for crawl in left:
        print(f"not run ({name} came first): {crawl}", file=sys.stderr)
    return status or (1 if left or failed else 0)


if __name__ == "__main__":
    sys.exit(main())
