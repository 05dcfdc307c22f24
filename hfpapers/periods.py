"""`Period`: the span one list covers (a day, an ISO week or a month).

A list's identity lives here and nowhere else: the Hugging Face page and API
parameter it is read from, the spider argument that names it, the post and
data file it is written to, the post's title, date and settings, how its own
post is recognised, and the words its commit message uses. What differs by
kind is one row of `KINDS`; the item carries its `Period` from the request
to the publisher.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# A key is exactly its form, in ASCII digits: fullmatch, so "2026-W08\n" is no week, and
# re.ASCII, so "٢٠٢٦-W٠٨" (whose digits int() would read) is none either.
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_WEEK_RE = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


@dataclass(frozen=True)
class Kind:
    """What one kind of list (``daily``, ``weekly``, ``monthly``) is, in every place it shows."""

    name: str
    segment: str
    """Hugging Face's word for it: ``/papers/{segment}/KEY``, ``/api/daily_papers?{segment}=KEY``,
    and the spider argument (``-a date=``, ``-a week=``, ``-a month=``)."""
    slug: str
    """The post's name after its date, as the blog's series has it."""
    settings_suffix: str
    """``POST_CATEGORIES{suffix}``, ``POST_TAGS{suffix}``, ``POST_TIME{suffix}``."""
    title: Callable[[Period], str]
    span_ko: Callable[[Period], str]
    old_headings: Callable[[Period], tuple[str, ...]]
    """The first body line of its post as the old script (or an earlier hfpapers) wrote it."""
    old_summary_file: bool = False
    """Whether the old script kept its data file as a summary: ``{year, month, total_papers,
    top_papers}`` (its monthly-YYYY-MM.json) instead of a list of papers."""

    def setting(self, name: str) -> str:
        """``POST_TAGS`` -> ``POST_TAGS_WEEKLY`` for a week."""
        return name + self.settings_suffix


def _week_span(period: Period) -> str:
    first, last = period.first, period.last
    year, week, _ = first.isocalendar()
    return f"{year}년 {week}주차 ({first.month}월 {first.day}일 ~ {last.month}월 {last.day}일)"


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "daily",
            segment="date",
            slug="daily-papers",
            settings_suffix="",
            title=lambda p: f"Hugging Face Daily Papers - {p.key}",
            span_ko=lambda p: p.key,
            old_headings=lambda p: (f"# {p.title}",),
        ),
        Kind(
            "weekly",
            segment="week",
            slug="weekly-papers",
            settings_suffix="_WEEKLY",
            title=lambda p: f"Hugging Face 주간 논문 - {p.span_ko}",
            span_ko=_week_span,
            old_headings=lambda p: (f"# {p.title}",),
        ),
        Kind(
            "monthly",
            segment="month",
            # The blog's monthly series (2025-11-01-monthly-papers-summary.md) is named and titled so.
            slug="monthly-papers-summary",
            settings_suffix="_MONTHLY",
            title=lambda p: f"Hugging Face Papers Monthly Summary - {p.span_ko}",
            span_ko=lambda p: f"{p.first.year}년 {p.first.month}월",
            old_headings=lambda p: (f"# {p.title}", f"# Hugging Face Papers 월간 요약 - {p.span_ko}"),
            old_summary_file=True,
        ),
    )
}


@dataclass(frozen=True)
class Period:
    kind: str
    """``daily``, ``weekly`` or ``monthly``."""
    key: str
    """``2026-02-18``, ``2026-W08`` or ``2026-02``: Hugging Face's own notation."""
    first: date
    last: date

    def __str__(self) -> str:
        return self.key

    @property
    def of_kind(self) -> Kind:
        return KINDS[self.kind]

    @property
    def is_day(self) -> bool:
        """A day's list: its post ranks every paper; a week's or month's summarises."""
        return self.first == self.last

    @property
    def slug(self) -> str:
        return self.of_kind.slug

    @property
    def post_name(self) -> str:
        """``2026-02-18-daily-papers.md``, ``2026-02-01-monthly-papers-summary.md``…"""
        return f"{self.first.isoformat()}-{self.slug}.md"

    def permalink(self, pattern: str) -> str:
        """``/posts/{slug}-{key}/`` -> ``/posts/daily-papers-2026-02-18/``; "" for an empty pattern."""
        return pattern.format(slug=self.slug, key=self.key, kind=self.kind) if pattern else ""

    @property
    def data_name(self) -> str:
        return f"{self.kind}-{self.key}.json"

    @property
    def page_path(self) -> str:
        """Hugging Face's page: /papers/date/…, /papers/week/…, /papers/month/…"""
        return f"/papers/{self.of_kind.segment}/{self.key}"

    @property
    def api_param(self) -> str:
        return self.of_kind.segment

    @property
    def post_day(self) -> date:
        """The day its post is dated: a day's own; for a week or a month, the day after
        it (when the shipped schedule writes the post), so it follows the days it covers."""
        return self.first if self.is_day else self.last + timedelta(1)

    def covers(self, day: str) -> bool:
        return self.first.isoformat() <= day <= self.last.isoformat()

    @property
    def title(self) -> str:
        """The post's title, exactly: ``Hugging Face Daily Papers - 2026-02-18``…"""
        return self.of_kind.title(self)

    @property
    def span_ko(self) -> str:
        """``2026년 8주차 (2월 16일 ~ 2월 22일)``, ``2026년 2월``; the day itself for a day."""
        return self.of_kind.span_ko(self)

    @property
    def old_headings(self) -> tuple[str, ...]:
        return self.of_kind.old_headings(self)

    def commit_message(self, papers: int, refresh: bool) -> str:
        """``Daily papers 2026-02-18: 13 papers``, ``Weekly papers 2026-W08: …``."""
        message = f"{self.kind.capitalize()} papers {self.key}: {papers} papers"
        return message + " (refresh)" if refresh else message


def day_period(day: date) -> Period:
    return Period("daily", day.isoformat(), day, day)


def parse_date(value: str) -> date:
    """``2026-02-18`` -> that day. Raises ValueError, saying whether the form or the day is wrong.

    Only this form: `date.fromisoformat` also reads ``20260218`` and ``2026-W08-1``."""
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None


def week_period(value: str) -> Period:
    """``2026-W08`` (ISO week) -> Monday to Sunday. Raises ValueError."""
    match = _WEEK_RE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a week in the form YYYY-Www")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
        sunday = monday + timedelta(6)
    except ValueError:
        raise ValueError(f"{value!r} is not a real ISO week") from None
    except OverflowError:  # 9999-W52 ends in the year 10000
        raise ValueError(f"{value!r} ends past the last day there is (9999-12-31)") from None
    return Period("weekly", value, monday, sunday)


def month_period(value: str) -> Period:
    """``2026-02`` -> the 1st to the last day. Raises ValueError."""
    match = _MONTH_RE.fullmatch(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{value!r} is not a month in the form YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    if year < 1:
        raise ValueError(f"{value!r} is not a month in the form YYYY-MM")
    # monthrange, not "the 1st of the next month - 1 day": 9999-12 has no next month.
    return Period(
        "monthly", value, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    )


def from_key(kind: str, key: str) -> Period:
    """The period a record names: (``daily``, ``2026-02-18``), (``weekly``, ``2026-W08``)…"""
    if kind not in PARSERS:
        raise ValueError(f"{kind!r} is not a kind of list")
    return PARSERS[kind](key)


def previous_week(today: date) -> Period:
    year, week, _ = (today - timedelta(7)).isocalendar()
    return week_period(f"{year}-W{week:02d}")


def previous_month(today: date) -> Period:
    last = today.replace(day=1) - timedelta(1)
    return month_period(f"{last.year}-{last.month:02d}")


def _parse_day(value: str) -> Period:
    return day_period(parse_date(value))


# Each kind's key as written (``2026-02-18``, ``2026-W08``, ``2026-02``) -> its Period;
# ValueError for a key that is none.
PARSERS: dict[str, Callable[[str], Period]] = {
    "daily": _parse_day,
    "weekly": week_period,
    "monthly": month_period,
}
# Each kind's period when its argument is left out: the current day, the previous week, month.
DEFAULTS: dict[str, Callable[[date], Period]] = {
    "daily": day_period,
    "weekly": previous_week,
    "monthly": previous_month,
}
