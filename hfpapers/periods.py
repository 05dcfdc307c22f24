"""`Period`: the span one list covers (a day, an ISO week or a month).

A list's identity lives here and nowhere else: the Hugging Face page and API
parameter it is read from, the post and data file it is written to, and the
words its commit message uses. The item carries its `Period` from the
request to the publisher.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


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
    def slug(self) -> str:
        """The post's name after its date, as the blog's series has it."""
        return {"daily": "daily-papers", "weekly": "weekly-papers", "monthly": "monthly-papers-summary"}[
            self.kind
        ]

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
        segment = {"daily": "date", "weekly": "week", "monthly": "month"}[self.kind]
        return f"/papers/{segment}/{self.key}"

    @property
    def api_param(self) -> str:
        return {"daily": "date", "weekly": "week", "monthly": "month"}[self.kind]

    def covers(self, day: str) -> bool:
        return self.first.isoformat() <= day <= self.last.isoformat()

    @property
    def title(self) -> str:
        """The post's title, exactly: ``Hugging Face Daily Papers - 2026-02-18``…"""
        if self.kind == "daily":
            return f"Hugging Face Daily Papers - {self.key}"
        if self.kind == "weekly":
            return f"Hugging Face 주간 논문 - {self.span_ko}"
        # The blog's monthly series (2025-11-01-monthly-papers-summary.md) is titled so.
        return f"Hugging Face Papers Monthly Summary - {self.span_ko}"

    @property
    def span_ko(self) -> str:
        """``2026년 8주차 (2월 16일 ~ 2월 22일)``, ``2026년 2월``; the day itself for a day."""
        first, last = self.first, self.last
        if self.kind == "daily":
            return self.key
        if self.kind == "monthly":
            return f"{first.year}년 {first.month}월"
        year, week, _ = first.isocalendar()
        return f"{year}년 {week}주차 ({first.month}월 {first.day}일 ~ {last.month}월 {last.day}일)"

    @property
    def old_headings(self) -> tuple[str, ...]:
        """The first body line of a post the old script (or hfpapers before 1.2) wrote."""
        if self.kind == "monthly":
            return (f"# {self.title}", f"# Hugging Face Papers 월간 요약 - {self.span_ko}")
        return (f"# {self.title}",)

    def commit_message(self, papers: int, refresh: bool) -> str:
        """``Daily papers 2026-02-18: 13 papers``, ``Weekly papers 2026-W08: …``."""
        message = f"{self.kind.capitalize()} papers {self.key}: {papers} papers"
        return message + " (refresh)" if refresh else message


def day_period(day: date) -> Period:
    return Period("daily", day.isoformat(), day, day)


def week_period(value: str) -> Period:
    """``2026-W08`` (ISO week) -> Monday to Sunday. Raises ValueError."""
    match = _WEEK_RE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a week in the form YYYY-Www")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{value!r} is not a real ISO week") from None
    return Period("weekly", value, monday, monday + timedelta(6))


def month_period(value: str) -> Period:
    """``2026-02`` -> the 1st to the last day. Raises ValueError."""
    match = _MONTH_RE.match(value)
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
    if kind == "daily":
        return day_period(date.fromisoformat(key))
    if kind == "weekly":
        return week_period(key)
    if kind == "monthly":
        return month_period(key)
    raise ValueError(f"{kind!r} is not a kind of list")


def previous_week(today: date) -> Period:
    year, week, _ = (today - timedelta(7)).isocalendar()
    return week_period(f"{year}-W{week:02d}")


def previous_month(today: date) -> Period:
    last = today.replace(day=1) - timedelta(1)
    return month_period(f"{last.year}-{last.month:02d}")
