"""Every setting and spider argument of this project, checked before a run sends anything.

A setting Scrapy cannot read ended a run in a traceback (``getfloat('abc')``)
or, worse, after the whole crawl (a time zone is read when the post is
rendered). Here each setting of ours has one rule in `RULES` (setting ->
what it takes), and a bad value is one line:
``POST_TIME: '25:99' is not a time of day, it takes HH:MM (00:00 to 23:59)``.
The checks that read more than one setting, or the disk, are the ones that
existed before, called from the table: `check_site` (the site folder, git)
and `summaries.check_settings` (the summary endpoint's download slot).

`check_input` is what `PapersSpider.plan` calls, so the `crawl` command (before
Scrapy starts) and a spider started any other way (Scrapyd, CrawlerProcess)
refuse the same input.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

from dateutil import tz
from scrapy.settings import BaseSettings

from hfpapers import summaries
from hfpapers.args import ArgumentError, check_site, parse_flag
from hfpapers.credentials import mask_credentials, refuse_credentials

logger = logging.getLogger(__name__)

# --- Spider arguments ---------------------------------------------------------

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
        elif name == "setting" or name in RULES:
            hint = " (a setting: give it with -s NAME=VALUE)"
        elif close := difflib.get_close_matches(name, known, n=1):
            hint = f" (did you mean {dash}{close[0]}?)"
        else:
            hint = ""
        listing = ", ".join(dash + k for k in known)
        raise ArgumentError(f"{dash}{name}: not an argument of {spider}{hint}; {spider} takes {listing}")


# --- Settings -------------------------------------------------------------------


class Rule:
    """What one setting takes; `check` raises `ArgumentError` with one line."""

    # A check of this machine's disk or git: `scrapy schedule` leaves it to the Scrapyd node.
    local = False

    def check(self, name: str, settings: BaseSettings) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Value(Rule):
    """A value's own rule: ``read`` returns it as the run uses it, or raises ValueError."""

    what: str  # the value is not this ...
    takes: str  # ... it takes this
    read: Callable[[Any], Any]

    def check(self, name: str, settings: BaseSettings) -> None:
        value = settings.get(name)
        try:
            self.read(value)
        except ArgumentError:
            raise
        except (TypeError, ValueError, OSError):
            # Masked: the line goes to Scrapyd's log too.
            shown = mask_credentials(repr(value))
            raise ArgumentError(f"{name}: {shown} is not {self.what}, it takes {self.takes}") from None


@dataclass(frozen=True)
class Flag(Value):
    def check(self, name: str, settings: BaseSettings) -> None:
        super().check(name, settings)
        # Scrapy's getbool, which the run reads it with, knows only 0/1/True/False/true/false.
        if not settings.frozen:
            value = self.read(settings.get(name))
            logger.debug("%s: %r read as %s", name, settings.get(name), value)
            settings.set(name, value, priority=settings.getpriority(name) or "project")


@dataclass(frozen=True)
class Existing(Rule):
    """A setting an existing check words (its messages are documented): that check, called."""

    check_all: Callable[[BaseSettings], object]
    local: bool = False

    def check(self, name: str, settings: BaseSettings) -> None:
        self.check_all(settings)


def _number(
    kind: type[int] | type[float], low: float, high: float = math.inf, above: bool = False
) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        if isinstance(value, bool) or (kind is int and isinstance(value, float)):
            raise TypeError(value)  # int() would make 2.5 into 2
        number = kind(str(value).strip())
        if not (math.isfinite(number) and low <= number <= high) or (above and number == low):
            raise ValueError(value)
        return number

    return read


def whole(low: int) -> Value:
    return Value(
        f"a whole number of at least {low}" if low else "a whole number",
        f"a whole number, {low} or more",
        _number(int, low),
    )


def seconds(positive: bool = False) -> Value:
    if positive:
        return Value("a number of seconds above 0", "seconds, more than 0", _number(float, 0, above=True))
    return Value("a number of seconds", "seconds, 0 or more", _number(float, 0))


def _flag(value: Any) -> bool:
    flag = parse_flag(value)
    if flag is None or str(value).strip() == "":
        raise ValueError(value)
    return flag


def _url(optional: bool) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        text = str(value).strip()
        if optional and not text:
            return text
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(value)
        _ = parts.port  # ValueError for a port out of range (99999)
        return text

    return read


def _time_of_day(value: Any) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(value)
    return str(value)


def _time_zone(value: Any) -> str:
    # gettz("") is the machine's own zone: a post's date must not depend on where it ran. A
    # name, not a path: gettz also opens files ("/etc/localtime", "../../etc/passwd").
    name = str(value).strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", name):
        raise ValueError(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if tz.gettz(name) is None:
            raise ValueError(value)
    return name


def _pattern(fields: set[str], needed: set[str]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(value)
        if not value and not needed:
            return value
        used = set()
        for _, field, spec, conversion in Formatter().parse(value):  # a lone { or } raises ValueError
            if field is None:
                continue
            # {key.upper}, {key!r}, {key:>9} or {} would format something else than the key.
            if field not in fields or spec or conversion:
                raise ValueError(value)
            used.add(field)
        if not needed <= used:
            raise ValueError(value)
        return value

    return read


def _permalink(value: Any) -> str:
    # Empty: no permalink line; otherwise every post needs its own URL: {key} in it.
    return value if value == "" else _pattern({"slug", "key", "kind"}, {"key"})(value)


def _one_line(value: Any) -> str:
    if not isinstance(value, str) or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise ValueError(value)
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(value)
    return value


def _names(value: Any) -> list[str]:
    # What getlist reads: a list, or a string split at commas; "a,,b" and "a," hold an empty name.
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) and item.strip() and _one_line(item) for item in items):
        raise ValueError(value)
    return items


def _colour(value: Any) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(value)):
        raise ValueError(value)
    return str(value)


def _day(value: Any) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
        raise ValueError(value)
    return date.fromisoformat(str(value))


# A remote or a branch is an argument of git push: one starting with "-" would be an option.
_BAD_BRANCH_RE = re.compile(r"^-|[\s\x00-\x1f\x7f~^:?*\[\\]|\.\.|@\{|\.lock$|/$|^/|//")


def _branch(value: Any) -> str:
    if not isinstance(value, str) or (value and _BAD_BRANCH_RE.search(value)):
        raise ValueError(value)
    return value


def _remote(value: Any) -> str:
    text = str(value)
    refused = refuse_credentials(text)  # before anything shows it
    if refused:
        raise ArgumentError(refused)
    if not text or text.startswith("-") or any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError(value)
    return text


def _author(value: Any) -> str:
    name, email = parseaddr(str(value))
    if not name.strip() or "@" not in email or not _one_line(value):
        raise ValueError(value)
    return str(value)


FLAG = Flag("a yes/no value", "True/False, 1/0, yes/no or on/off", _flag)
NAMES = Value("a list of names", "names separated by commas, none empty (empty: none)", _names)
URL = Value("an http(s) URL", "http://host/… or https://host/…", _url(optional=False))
TIME = Value("a time of day", "HH:MM (00:00 to 23:59)", _time_of_day)
SUMMARY_SLOT = Existing(summaries.check_settings)

# Every setting this project defines (those of settings.py that Scrapy's defaults lack) and
# what it takes. Checked in this order: SITE_DIR last, its check reads PUBLISH_GIT and
# PUBLISH_PUSH. tests/test_checks.py fails for a setting without a rule.
RULES: dict[str, Rule] = {
    "HF_BASE_URL": URL,
    "ARXIV_API_URL": URL,
    "ARXIV_BASE_URL": URL,
    "FIRST_DAY": Value("a date", "YYYY-MM-DD", _day),
    "ARXIV_API_DELAY": seconds(),
    "ARXIV_ABS_DELAY": seconds(),
    "HF_PAGE_DELAY": seconds(),
    # The API answers at most 2,000 entries a request (its max_results); 100 is its page size.
    "ARXIV_BATCH_SIZE": Value("a batch size", "a whole number from 1 to 2000", _number(int, 1, 2000)),
    "HF_API_PAGE_SIZE": whole(1),
    "HF_API_MAX_PAGES": whole(1),
    "RETRY_BACKOFF_BASE": seconds(),
    "RETRY_BACKOFF_MAX": seconds(),
    "POST_AUTHOR": Value(
        "an author", "one line, a key of the site's _data/authors.yml (empty: none)", _one_line
    ),
    "POST_CATEGORIES": NAMES,
    "POST_CATEGORIES_WEEKLY": NAMES,
    "POST_CATEGORIES_MONTHLY": NAMES,
    "POST_TAGS": NAMES,
    "POST_TAGS_WEEKLY": NAMES,
    "POST_TAGS_MONTHLY": NAMES,
    "POST_CATEGORY_TAGS": whole(0),
    "POST_CHART_TOP": whole(0),
    "POST_CHART_COLOR": Value("a colour", "#rrggbb, such as #4c6ef5", _colour),
    "POST_IMAGE": FLAG,
    "POST_PERIOD_TOP": whole(1),
    "POST_AI_SUMMARY": FLAG,
    "POST_TIME": TIME,
    "POST_TIME_WEEKLY": TIME,
    "POST_TIME_MONTHLY": TIME,
    "POST_TIMEZONE": Value("a time zone", "a tz database name such as Asia/Seoul or UTC", _time_zone),
    "POST_PERMALINK": Value(
        "a post URL pattern",
        "a path with {key}, and maybe {slug} and {kind}, such as /posts/{slug}-{key}/ (empty: none)",
        _permalink,
    ),
    "SITE_POST_URL": Value(
        "a post URL pattern",
        "a path with {title} and no other {…}, such as /posts/{title}/",
        _pattern({"title"}, set()),
    ),
    "SUMMARY_API_URL": Value(
        "an http(s) URL",
        "http://host/… or https://host/…, such as http://127.0.0.1:11434/v1 (empty: no summaries)",
        _url(optional=True),
    ),
    "SUMMARY_MODEL": Value("a model name", "one line of text", _one_line),
    "SUMMARY_PROMPT": Value("a prompt", "the system prompt's text, not empty", _text),
    "SUMMARY_TEMPERATURE": Value("a temperature", "a number from 0 to 2", _number(float, 0, 2)),
    "SUMMARY_MAX_CHARS": whole(1),
    "SUMMARY_CONCURRENCY": SUMMARY_SLOT,
    "SUMMARY_DELAY": SUMMARY_SLOT,
    "SUMMARY_TIMEOUT": SUMMARY_SLOT,
    "SUMMARY_RETRY_TIMES": whole(0),
    "SUMMARY_MAX_FAILURES": whole(1),
    "PUBLISH_GIT": FLAG,
    "PUBLISH_PUSH": FLAG,
    "PUBLISH_GIT_REMOTE": Value("a git remote", "a remote's name or URL, without credentials", _remote),
    "PUBLISH_GIT_BRANCH": Value(
        "a branch name", "a git branch name (empty: the checked-out branch)", _branch
    ),
    "PUBLISH_PUSH_RETRIES": whole(0),
    "PUBLISH_TIMEOUT": seconds(positive=True),
    "PUBLISH_GIT_AUTHOR": Value("a git author", "Name <email@example.org>", _author),
    "SITE_DIR": Existing(check_site, local=True),
}


# Scrapy's own settings that the README's failure table names, and what they take here:
# Scrapy reads them deep in the run, where a bad value is a traceback.
SCRAPY_RULES: dict[str, Rule] = {
    "CLOSESPIDER_TIMEOUT": seconds(),
    "DOWNLOAD_TIMEOUT": seconds(positive=True),
    "DOWNLOAD_MAXSIZE": whole(0),
    "RETRY_TIMES": whole(0),
    "LOG_LEVEL": Value("a log level", "CRITICAL, ERROR, WARNING, INFO or DEBUG", lambda v: _log_level(v)),
}


def _log_level(value: Any) -> str:
    if str(value).upper() not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
        raise ValueError(value)
    return str(value)


def check_settings(settings: BaseSettings, local: bool = True) -> None:
    """Raise `ArgumentError` for the first setting that breaks its rule.

    ``local=False`` skips the checks of this machine's site folder and git (for
    `scrapy schedule`: the job runs on a Scrapyd node, which makes them).
    """
    for name, rule in [*RULES.items(), *SCRAPY_RULES.items()]:
        if local or not rule.local:
            rule.check(name, settings)


def check_input(arguments: Iterable[str], settings: BaseSettings, kind: str) -> None:
    """The spider's argument names, then every setting (`args.plan_run` then reads the values)."""
    check_arguments(arguments, kind)
    check_settings(settings)
