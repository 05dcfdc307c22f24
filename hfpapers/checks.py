"""Every setting of this project, checked before a run sends anything.

A setting Scrapy cannot read ended a run in a traceback (``getfloat('abc')``)
or, worse, after the whole crawl (a time zone is read when the post is
rendered). Here each setting of ours has one rule in `RULES` (setting ->
what it takes), and a bad value is one line:
``POST_TIME: '25:99' is not a time of day, it takes HH:MM (00:00 to 23:59)``.
A name given with ``-s`` that is neither ours nor Scrapy's is refused when it
is close to one (``SITE_DIRR``: did you mean ``SITE_DIR``?) and warned about
otherwise (an add-on's setting).

This module is the bottom of the input checks: it imports no spider, pipeline,
summarizer or publisher, only what a rule needs to read (credentials, git, the
site folder). `hfpapers.args` builds the spider arguments' checks on it.
"""

from __future__ import annotations

import codecs
import difflib
import json
import logging
import math
import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from dateutil import tz
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings, default_settings

from hfpapers import settings as project_settings
from hfpapers.credentials import (
    SECRET_VARIABLES,
    TOKEN_VARIABLE,
    mask_credentials,
    plain_http_refusal,
    refuse_credentials,
)
from hfpapers.gitrepo import DETACHED, detached_head, is_ignored, is_work_tree, remote_urls, split_identity
from hfpapers.periods import parse_date
from hfpapers.site import Site
from hfpapers.text import link_problem

logger = logging.getLogger(__name__)


class ArgumentError(ValueError):
    """A spider argument or setting is unusable; the message is one line."""


# The most of a value a refusal shows: enough to recognise it, not a page of digits.
SHOWN_CHARS = 200


def _clipped(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def shown_value(value: Any) -> str:
    """A value as a refusal shows it: its repr, credentials masked, at most `SHOWN_CHARS`."""
    return _clipped(mask_credentials(repr(value)))


def shown_name(name: str) -> str:
    """A name as typed (a setting's, an argument's), as a refusal shows it: one line, at most
    `SHOWN_CHARS`."""
    return _clipped(name if name.isprintable() else repr(name))


# The exit status of a command that refuses its input (one line on stderr, nothing asked).
USAGE_ERROR = 2


# --- Yes/no ---------------------------------------------------------------------


def parse_yes_no(value: Any) -> bool:
    """A yes/no value as people write it: ``True``/``False``, ``1``/``0``, ``yes``/``no``,
    ``on``/``off``, in any case. Raises ValueError for anything else ("" included).

    The one reading of a yes/no value: settings (Scrapy's getbool knows only 0/1 and
    true/false, so a rule hands the run a real bool) and the ``force`` argument."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


# --- Numbers ----------------------------------------------------------------------

# As typed (-s, Scrapyd's setting=): ASCII digits and nothing before or after. int() and
# float() also read " 3", "1_000" and "١٢", and str.isdigit() takes "²", which int() refuses.
_WHOLE_RE = re.compile(r"-?\d+", re.ASCII)
_DECIMAL_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)


def read_whole(value: Any) -> int:
    """A whole number as a setting or argument gives it: an int, or its ASCII digits.
    Raises ValueError (TypeError for 2.5 or True, which int() would make 2 and 1)."""
    if isinstance(value, (bool, float)):
        raise TypeError(value)
    if isinstance(value, str):
        if not _WHOLE_RE.fullmatch(value):
            raise ValueError(value)
        return int(value)  # ValueError past 4,300 digits
    if isinstance(value, int):
        return value
    raise TypeError(value)


def _read_decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, str):
        if not _DECIMAL_RE.fullmatch(value):
            raise ValueError(value)
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(value)


def _number(
    kind: type[int] | type[float], low: float, high: float = math.inf, above: bool = False
) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        number = read_whole(value) if kind is int else _read_decimal(value)
        if not (math.isfinite(number) and low <= number <= high) or (above and number == low):
            raise ValueError(value)
        return number

    return read


# --- Rules ------------------------------------------------------------------------


class Rule:
    """What one setting takes; `check` raises `ArgumentError` with one line."""

    # A check of this machine's disk or git: `scrapy schedule` leaves it to the Scrapyd node.
    local = False

    def check(self, name: str, settings: BaseSettings) -> None:
        raise NotImplementedError

    def check_as_written(self, name: str, settings: BaseSettings) -> None:
        """What a `local` rule checks of the value itself, without this machine: for
        `scrapy schedule`, where `check` is left to the node."""


@dataclass(frozen=True)
class Value(Rule):
    """A value's own rule: ``read`` returns it as the run uses it, or raises ValueError."""

    what: str  # the value is not this ...
    takes: str  # ... it takes this ("": the first half says it all)
    read: Callable[[Any], Any]

    def read_from(self, settings: BaseSettings, name: str) -> Any:
        """The setting as the run uses it; `ArgumentError` when this rule refuses it."""
        value = settings.get(name)
        try:
            return self.read(value)
        except ArgumentError:
            raise
        except (TypeError, ValueError, OSError):
            # Masked: the line goes to Scrapyd's log too.
            shown = shown_value(value)
            takes = f", it takes {self.takes}" if self.takes else ""
            raise ArgumentError(f"{name}: {shown} is not {self.what}{takes}") from None

    def check(self, name: str, settings: BaseSettings) -> None:
        self.read_from(settings, name)


@dataclass(frozen=True)
class Flag(Value):
    def check(self, name: str, settings: BaseSettings) -> None:
        value = self.read_from(settings, name)
        # Scrapy's getbool, which the run reads it with, knows only 0/1/True/False/true/false.
        if not settings.frozen:
            logger.debug("%s: %r read as %s", name, settings.get(name), value)
            settings.set(name, value, priority=settings.getpriority(name) or "project")


@dataclass(frozen=True)
class NeededWith(Value):
    """A value that must be given when ``other`` is: ``SUMMARY_MODEL`` with ``SUMMARY_API_URL``."""

    other: str = ""
    example: str = ""

    def check(self, name: str, settings: BaseSettings) -> None:
        value = self.read_from(settings, name)
        if str(settings.get(self.other) or "").strip() and not str(value).strip():
            raise ArgumentError(
                f"{name}: {self.other} is set, so give {name} too, such as -s {name}={self.example}"
            )


def whole(low: int, most: int | None = None) -> Value:
    """A count; ``most`` bounds one that sizes a run's work (requests, waits, lines)."""
    limit = f", at most {most}" if most is not None else ""
    return Value(
        f"a whole number of at least {low}" if low else "a whole number",
        f"a whole number, {low} or more{limit}",
        _number(int, low, math.inf if most is None else most),
    )


def seconds(positive: bool = False, most: float = math.inf) -> Value:
    at_most = f" and at most {most:g}" if most < math.inf else ""
    limit = f", at most {most:g}" if most < math.inf else ""
    if positive:
        return Value(
            f"a number of seconds above 0{at_most}",
            f"seconds, more than 0{limit}",
            _number(float, 0, most, above=True),
        )
    return Value(f"a number of seconds{at_most}", f"seconds, 0 or more{limit}", _number(float, 0, most))


def _url(optional: bool) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or (value and link_problem(value)) or (not value and not optional):
            raise ValueError(value)
        return value

    return read


# What puts a key in a URL: a user or password (http://user:sk-…@host), a query parameter
# named for one (?api-key=, ?access_token=, ?sig=), or a key itself (OpenAI's sk-…).
_URL_LOGIN_RE = re.compile(r"://[^/?#]*@")
_URL_KEY_PARAMETER_RE = re.compile(
    r"[?&;][^=&;#]*(?:key|token|secret|passw|auth|sig|credential)[^=&;#]*=", re.IGNORECASE
)
_API_KEY_RE = re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{8,}")


def _key_in_url(text: str) -> str | None:
    if _URL_LOGIN_RE.search(text):
        return "a user name or password"
    if _URL_KEY_PARAMETER_RE.search(text):
        return "a key in its query string"
    # After the host: a host may be named sk-internal-gateway.
    after_host = text.split("://", 1)[-1].partition("/")[2]
    if _API_KEY_RE.search(after_host):
        return "an API key"
    return None


def _summary_url(value: Any) -> str:
    what = _key_in_url(str(value))  # before anything shows it
    if what:
        raise ArgumentError(
            f"SUMMARY_API_URL: a URL with a key in it ({what}) would show in logs and in Scrapyd's"
            " job list: give the URL without it, and the key in the SUMMARY_API_KEY environment variable"
        )
    return _url(optional=True)(value)


def _time_of_day(value: Any) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value), re.ASCII)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(value)
    return str(value)


def _time_zone(value: Any) -> str:
    # gettz("") is the machine's own zone: a post's date must not depend on where it ran. A
    # name, not a path: gettz also opens files ("/etc/localtime", "../../etc/passwd").
    # As written, no space or newline around it: the writer reads the value as it is.
    name = str(value)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", name, re.ASCII):
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
        _one_line(value)  # a URL, and a line of the post's front matter
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


# What YAML, Markdown or a terminal would take for a line break or control, beyond ASCII's.
_NOT_ONE_LINE = frozenset("\x7f\x85\u2028\u2029")


def _one_line(value: Any) -> str:
    if not isinstance(value, str) or any(ord(c) < 32 or c in _NOT_ONE_LINE for c in value):
        raise ValueError(value)
    return value


def _name(value: Any) -> str:
    # A name the run looks up or sends as written: " lim4349" is no key of authors.yml.
    # Blank is no name (SUMMARY_MODEL's rule says when one is needed).
    if _one_line(value).strip() and value != value.strip():
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
    # The post writes each name trimmed (`yaml_list`): "Papers, 일간" is two names.
    if not all(isinstance(item, str) and item.strip() != "" and _one_line(item) for item in items):
        raise ValueError(value)
    return [item.strip() for item in items]


def _colour(value: Any) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", str(value)):
        raise ValueError(value)
    return str(value)


# A remote or a branch is an argument of git push: one starting with "-" would be an option.
_BAD_BRANCH_RE = re.compile(r"\A-|[\s\x00-\x1f\x7f~^:?*\[\\]|\.\.|@\{|\.lock\Z|/\Z|\A/|//")


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
    identity = split_identity(_one_line(value))
    if identity is None or not identity[0].strip():
        raise ValueError(value)
    return value


def _encoding(value: Any) -> str:
    # The log file's: Scrapy opens LOG_FILE with it before any check of the spider's.
    if not isinstance(value, str):
        raise TypeError(value)
    try:
        codecs.lookup(value)
        # A text codec that can write a log line (rot13, base64 and hex are no text codecs;
        # idna cannot write a line with spaces), with what it cannot hold escaped.
        "2026-12-07 [x] INFO: Run outcome: ok 한\n".encode(value, "backslashreplace")
    except (LookupError, UnicodeError, TypeError):
        raise ValueError(value) from None
    return value


def _log_level(value: Any) -> str | int:
    # As Scrapy hands it to logging: a level's name exactly as logging spells it ("info" is
    # none), or a number from a settings file.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or value not in logging.getLevelNamesMapping():
        raise ValueError(value)
    return value


# --- The site folder ------------------------------------------------------------------

# Jekyll's configuration file, by the names Jekyll looks for.
JEKYLL_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")
# What a folder may hold and still be a new site: git's own folder, and what a run writes.
NEW_SITE_ENTRIES = {".git", "_posts", "_data"}


def _written_by_runs(path: Path, settings: BaseSettings) -> set[str]:
    """What a run writes in the folder ``path``: its posts and data, and its log when
    LOG_FILE is there (Scrapy opens it between the command's check and the spider's)."""
    names = set(NEW_SITE_ENTRIES)
    log_file = settings.get("LOG_FILE")
    if log_file:
        log = Path(os.path.abspath(Path(log_file).expanduser()))
        if log.parent.resolve() == path:
            names.add(log.name)
    return names


def _not_a_site(path: Path, settings: BaseSettings) -> str | None:
    """Why ``path`` (a folder) is not a Jekyll site or a folder to start one in; None when it is."""
    if any((path / name).is_file() for name in JEKYLL_CONFIGS):
        return None
    ours = _written_by_runs(path, settings)
    try:
        with os.scandir(path) as entries:
            other = next((entry.name for entry in entries if entry.name not in ours), None)
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror}"
    if other is None:
        return None
    return (
        f"{path} is not a Jekyll site: it holds {other!r} but no _config.yml"
        " (give the site's folder, or an empty one to start a site in)"
    )


def _check_site_dir_as_written(settings: BaseSettings) -> None:
    given = settings.get("SITE_DIR")
    if isinstance(given, str) and (given != given.strip() or not given.isprintable()):
        # The run reads the path as it is: "/blog\n" is another folder than "/blog".
        raise ArgumentError(
            f"SITE_DIR: {shown_value(given)} starts or ends with a space, or holds a newline or other"
            " control character: give the folder's path alone"
        )


def check_site(settings: BaseSettings) -> Path:
    """The site folder: given, a Jekyll site (or a folder to start one in), writable; and
    git when publishing (the PUBLISH_GIT_REMOTE rule has refused credentials before this runs)."""
    if not str(settings.get("SITE_DIR") or "").strip():
        raise ArgumentError(
            "SITE_DIR: give the Jekyll site the posts go into, with -s SITE_DIR=/path/to/blog"
            " (an empty folder starts a new one)"
        )
    _check_site_dir_as_written(settings)
    path = Site.from_settings(settings).root
    if not path.is_dir():
        raise ArgumentError(f"SITE_DIR: {path} is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ArgumentError(f"SITE_DIR: {path} is not writable")
    why = _not_a_site(path, settings)
    if why:
        raise ArgumentError(f"SITE_DIR: {why}")
    if settings.getbool("PUBLISH_GIT"):
        if shutil.which("git") is None:
            raise ArgumentError("PUBLISH_GIT: git is not on PATH")
        if not is_work_tree(path):
            raise ArgumentError(f"PUBLISH_GIT: SITE_DIR {path} is not a git work tree")
        if is_ignored(path):
            raise ArgumentError(
                f"PUBLISH_GIT: SITE_DIR {path} is a folder the git repository around it ignores,"
                " not a clone of the blog: make SITE_DIR the blog's own clone"
            )
        pushed_to_a_branch = settings.getbool("PUBLISH_PUSH") and settings.get("PUBLISH_GIT_BRANCH")
        if not pushed_to_a_branch and detached_head(path):
            raise ArgumentError(f"PUBLISH_GIT: HEAD is detached in {path}: {DETACHED}")
        if settings.getbool("PUBLISH_PUSH") and os.environ.get(TOKEN_VARIABLE):
            refused = plain_http_refusal(remote_urls(path, settings.get("PUBLISH_GIT_REMOTE")))
            if refused:
                raise ArgumentError(refused)
    for sub in ("_posts", "_data", "_data/papers"):
        target = path / sub
        # The writer refuses to write through a link (`Site.real_folder`), even to a real
        # folder: refused here, before any request, not list by list at the end.
        if target.is_symlink():
            raise ArgumentError(
                f"SITE_DIR: {target} is a symbolic link;"
                " hfpapers writes only into real folders inside SITE_DIR"
            )
        if target.exists() and not (target.is_dir() and os.access(target, os.W_OK | os.X_OK)):
            raise ArgumentError(f"SITE_DIR: {target} is not a writable directory")
    return path


class SiteFolder(Rule):
    """``SITE_DIR``: `check_site`, which reads the disk, git, ``PUBLISH_GIT`` and ``PUBLISH_PUSH``."""

    local = True

    def check(self, name: str, settings: BaseSettings) -> None:
        check_site(settings)

    def check_as_written(self, name: str, settings: BaseSettings) -> None:
        _check_site_dir_as_written(settings)


class LogFile(Rule):
    """``LOG_FILE``: a file Scrapy can open to append to (it opens it before any check of the
    spider's, and a path it cannot open ends the run in a traceback); empty: no log file."""

    local = True

    def check(self, name: str, settings: BaseSettings) -> None:
        value = settings.get(name)
        if not value:
            return
        path = Path(os.path.abspath(str(value)))
        if path.is_dir():
            why = "it is a directory"
        elif path.exists():
            why = "" if os.access(path, os.W_OK) else "it is not writable"
        elif not path.parent.is_dir():
            why = f"{path.parent} is not a directory"
        else:
            why = "" if os.access(path.parent, os.W_OK | os.X_OK) else f"{path.parent} is not writable"
        if why:
            raise ArgumentError(f"{name}: {shown_value(value)} cannot be written: {why}")


FLAG = Flag("a yes/no value", "True/False, 1/0, yes/no or on/off", parse_yes_no)
NAMES = Value("a list of names", "names separated by commas, none empty (empty: none)", _names)
URL = Value("an http(s) URL", "http://host/… or https://host/…", _url(optional=False))
TIME = Value("a time of day", "HH:MM (00:00 to 23:59)", _time_of_day)
# subprocess and the lock's wait take at most about 24.8 days (2**31 ms); a day is plenty.
LONGEST_GIT_WAIT = 86400
# A delay between requests, in seconds: a download slot's wait is not cut short by a stop.
LONGEST_DELAY = 3600

# Every setting this project defines (those of settings.py that Scrapy's defaults lack) and
# what it takes. Checked in this order: SITE_DIR last, its check reads PUBLISH_GIT and
# PUBLISH_PUSH. tests/test_checks.py fails for a setting without a rule.
RULES: dict[str, Rule] = {
    "HF_BASE_URL": URL,
    "ARXIV_API_URL": URL,
    "ARXIV_BASE_URL": URL,
    "FIRST_DAY": Value("a date", "YYYY-MM-DD", parse_date),
    "ARXIV_API_DELAY": seconds(most=LONGEST_DELAY),
    "ARXIV_ABS_DELAY": seconds(most=LONGEST_DELAY),
    "HF_PAGE_DELAY": seconds(most=LONGEST_DELAY),
    # The API answers at most 2,000 entries a request (its max_results); 100 is its page size.
    "ARXIV_BATCH_SIZE": Value("a batch size", "a whole number from 1 to 2000", _number(int, 1, 2000)),
    # The most of each count that sizes a run's work: far above any real use, below what
    # would keep a run (or its retries) going for hours or flood a post.
    "ARXIV_ABS_MAX_PAGES": whole(0, 100),  # 15 s each: 25 minutes
    "HF_API_PAGE_SIZE": whole(1, 1000),  # a month is about 1,000 papers
    "HF_API_MAX_PAGES": whole(1, 100),
    "RETRY_BACKOFF_BASE": seconds(),
    "RETRY_BACKOFF_MAX": seconds(),
    "POST_AUTHOR": Value("an author", "one line, a key of the site's _data/authors.yml (empty: none)", _name),
    "POST_CATEGORIES": NAMES,
    "POST_CATEGORIES_WEEKLY": NAMES,
    "POST_CATEGORIES_MONTHLY": NAMES,
    "POST_TAGS": NAMES,
    "POST_TAGS_WEEKLY": NAMES,
    "POST_TAGS_MONTHLY": NAMES,
    "POST_CATEGORY_TAGS": whole(0, 20),
    "POST_CHART_TOP": whole(0, 100),
    "POST_CHART_COLOR": Value("a colour", "#rrggbb, such as #4c6ef5", _colour),
    "POST_IMAGE": FLAG,
    "POST_PERIOD_TOP": whole(1, 1000),
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
        _summary_url,
    ),
    "SUMMARY_MODEL": NeededWith(
        "a model name",
        "one line of text, no space around it",
        _name,
        other="SUMMARY_API_URL",
        example="qwen2.5:7b",
    ),
    "SUMMARY_PROMPT": Value("a prompt", "the system prompt's text, not empty", _text),
    "SUMMARY_TEMPERATURE": Value("a temperature", "a number from 0 to 2", _number(float, 0, 2)),
    "SUMMARY_MAX_CHARS": whole(1, 4000),
    # 0 would leave every request in its download slot forever, past the deadline and a
    # SIGTERM. In the words the README quotes.
    "SUMMARY_CONCURRENCY": Value("a whole number of at least 1", "", _number(int, 1)),
    "SUMMARY_DELAY": seconds(most=LONGEST_DELAY),
    "SUMMARY_TIMEOUT": seconds(positive=True),
    "SUMMARY_RETRY_TIMES": whole(0, 10),
    "SUMMARY_MAX_FAILURES": whole(1, 100),
    "PUBLISH_GIT": FLAG,
    "PUBLISH_PUSH": FLAG,
    "PUBLISH_GIT_REMOTE": Value("a git remote", "a remote's name or URL, without credentials", _remote),
    "PUBLISH_GIT_BRANCH": Value(
        "a branch name", "a git branch name (empty: the checked-out branch)", _branch
    ),
    "PUBLISH_PUSH_RETRIES": whole(0, 10),
    "PUBLISH_TIMEOUT": seconds(positive=True, most=LONGEST_GIT_WAIT),
    "PUBLISH_GIT_AUTHOR": Value("a git author", "Name <email@example.org>", _author),
    "SITE_DIR": SiteFolder(),
}


# Scrapy's own settings that the README's failure table names, and what they take here:
# Scrapy reads them deep in the run, where a bad value is a traceback.
SCRAPY_RULES: dict[str, Rule] = {
    "CLOSESPIDER_TIMEOUT": seconds(),
    # A wait Scrapy's shutdown does not cut short: an hour at most, so a stop is honoured.
    "DOWNLOAD_DELAY": seconds(most=LONGEST_DELAY),
    # None at a time: nothing is ever sent, and the run never ends.
    "CONCURRENT_REQUESTS": whole(1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": whole(1),
    "CONCURRENT_ITEMS": whole(1),
    "REACTOR_THREADPOOL_MAXSIZE": whole(1),
    "DOWNLOAD_TIMEOUT": seconds(positive=True),
    "DOWNLOAD_MAXSIZE": whole(0),
    "RETRY_TIMES": whole(0, 10),  # each waits up to RETRY_BACKOFF_MAX
    "LOG_LEVEL": Value("a log level", "CRITICAL, ERROR, WARNING, INFO or DEBUG, in capitals", _log_level),
    "LOG_FILE": LogFile(),
    "LOG_ENCODING": Value("an encoding", "a codec's name such as utf-8", _encoding),
}


# The reader Scrapy uses for a setting whose default is of another type (an int read with
# getfloat or getbool); every other setting is read as its default's type. tests/test_checks.py
# holds this against every getint/getfloat/getbool/getdict call in Scrapy's source.
SCRAPY_READ_AS: dict[str, type] = {
    "DNS_TIMEOUT": float,
    "DOWNLOAD_DELAY": float,
    "DOWNLOAD_TIMEOUT": float,
    "TELNETCONSOLE_ENABLED": bool,
}


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(value)
    return value


# A type -> what a value of it is, what it takes, and how Scrapy reads it (a ValueError or
# TypeError from the reader: not of that type).
_SCRAPY_TYPES: dict[type, tuple[str, str, Callable[[BaseSettings, str], Any]]] = {
    bool: (
        "a yes/no value as Scrapy reads it",
        "True/False, true/false or 1/0",
        lambda settings, name: settings.getbool(name),
    ),
    int: ("a whole number", "digits such as 8", lambda settings, name: settings.getint(name)),
    float: (
        "a number",
        "a finite number such as 0.5",
        lambda settings, name: _finite(settings.getfloat(name)),
    ),
}


def scrapy_type(name: str) -> type | None:
    """The type Scrapy reads its setting ``name`` as (None: not one of Scrapy's, or any text)."""
    if name in SCRAPY_READ_AS:
        return SCRAPY_READ_AS[name]
    kind = type(getattr(default_settings, name, None))
    return kind if kind in _SCRAPY_TYPES or kind is dict else None


def check_typed_objects(typed: Iterable[str]) -> None:
    """``-s NAME=VALUE`` pairs as typed: one of a Scrapy setting whose default is a dict
    (DOWNLOAD_SLOTS, FEEDS, ...) must be a JSON object. Scrapy merges it into the default as
    it applies ``-s``, before any check of ours runs: anything else ends there in a traceback."""
    for pair in typed:
        name, _, value = pair.partition("=")
        if scrapy_type(name.strip()) is not dict:
            continue
        try:
            readable = isinstance(json.loads(value), dict)
        except ValueError:
            readable = False
        if not readable:
            shown = shown_value(value)
            raise ArgumentError(f'{name.strip()}: {shown} is not a JSON object, such as {{"name": 1}}')


def check_scrapy_types(settings: BaseSettings) -> None:
    """Refuse a Scrapy setting given with ``-s`` that Scrapy cannot read as its type: it
    would end the run in a traceback where Scrapy reads it (a delay, a count, a flag)."""
    for name in typed_names(settings):
        kind = scrapy_type(name)
        if kind is None or kind not in _SCRAPY_TYPES or name in RULES or name in SCRAPY_RULES:
            continue
        what, takes, read = _SCRAPY_TYPES[kind]
        try:
            read(settings, name)
        except (TypeError, ValueError):
            shown = shown_value(settings.get(name))
            raise ArgumentError(f"{name}: {shown} is not {what}, it takes {takes}") from None


def read_setting(settings: BaseSettings, name: str) -> Any:
    """A setting of ours as the run uses it, read by its rule (`ArgumentError` when refused)."""
    rule = RULES[name]
    assert isinstance(rule, Value), f"{name} has no single value"
    return rule.read_from(settings, name)


# --- Setting names ----------------------------------------------------------------------

# Scrapy reads these too, though its defaults lack them.
_SCRAPY_UNDECLARED = {"CONCURRENT_REQUESTS_PER_IP", "META_COPY_WARN_SKIP_KEYS"}
KNOWN_SETTINGS = frozenset(
    {name for module in (default_settings, project_settings) for name in dir(module) if name.isupper()}
    | _SCRAPY_UNDECLARED
)
# How alike a name must be to a known one to be taken for a slip of the keyboard: SITE_DIRR,
# POST_AUTHR and SUMARY_API_URL are (0.94 to 0.97); an add-on's own names are not.
CLOSE = 0.85
_warned_names: set[str] = set()


def is_setting_name(name: str) -> bool:
    return name in KNOWN_SETTINGS


def close_setting(name: str) -> str | None:
    """The known setting ``name`` is a slip for (``site_dir``, ``SITE_DIRR``), or None."""
    if name.upper() in KNOWN_SETTINGS:
        return name.upper()
    close = difflib.get_close_matches(name.upper(), KNOWN_SETTINGS, n=1, cutoff=CLOSE)
    return close[0] if close else None


def typed_names(settings: BaseSettings) -> list[str]:
    """The names given with ``-s`` (and Scrapyd's ``setting=``, which it passes as ``-s``):
    not the environment's, settings.py's or a spider's own, which are set at other priorities."""
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    return [name for name in settings.attributes if settings.getpriority(name) == cmdline]


def check_secrets(settings: BaseSettings) -> None:
    """Refuse a secret given as a setting (or a slip of its name), never showing its value:
    Scrapyd writes a job's settings to its log and lists them; secrets come from the environment."""
    for name in typed_names(settings):
        close = difflib.get_close_matches(name.upper(), SECRET_VARIABLES, n=1, cutoff=CLOSE)
        if close:
            raise ArgumentError(
                f"{shown_name(name)}: a secret is never a setting (Scrapy and Scrapyd log and list"
                f" settings): drop -s {shown_name(name)}=… and set the {close[0]} environment variable"
            )


def check_names(settings: BaseSettings) -> None:
    """Refuse a typed name that is a slip for a known one; warn, once a process, of one that
    is like none (an add-on's, which this project cannot know)."""
    for name in typed_names(settings):
        if name in KNOWN_SETTINGS:
            continue
        close = close_setting(name)
        if close:
            shown = shown_name(name)
            raise ArgumentError(f"{shown}: not a setting of hfpapers or Scrapy; did you mean {close}?")
        if name not in _warned_names:
            _warned_names.add(name)
            logger.warning(
                "%s: not a setting of hfpapers or Scrapy; left to whatever add-on reads it", shown_name(name)
            )


def check_settings(settings: BaseSettings, local: bool = True) -> None:
    """Raise `ArgumentError` for a mistyped name, then for the first setting that breaks its rule.

    ``local=False`` skips the checks of this machine's site folder and git (for
    `scrapy schedule`: the job runs on a Scrapyd node, which makes them).
    """
    check_secrets(settings)
    check_names(settings)
    check_scrapy_types(settings)
    for name, rule in [*RULES.items(), *SCRAPY_RULES.items()]:
        if local or not rule.local:
            rule.check(name, settings)
        else:
            rule.check_as_written(name, settings)
