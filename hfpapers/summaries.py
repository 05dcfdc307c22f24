"""`Summarizer`: a Korean summary per paper from an OpenAI-compatible endpoint, cached.

Settings: ``SUMMARY_API_URL`` (empty: off, and nothing changes), ``SUMMARY_MODEL``,
``SUMMARY_PROMPT``, ``SUMMARY_TEMPERATURE``, ``SUMMARY_MAX_CHARS``,
``SUMMARY_CONCURRENCY``, ``SUMMARY_DELAY`` and ``SUMMARY_TIMEOUT``; settings.py
gives each default. The key comes from the environment variable
``SUMMARY_API_KEY`` only, is sent as ``Authorization: Bearer …``, and is never
stored in a setting, a log line or the stats.

Answers are cached in ``SITE_DIR/_data/papers/summaries-ko.json`` by arXiv id,
model and a hash of the abstract and prompt: a refresh, a re-run or a weekly
post asks nothing again; a changed abstract or model asks anew.

A model's answer is untrusted text: one line, no markdown headings or list
markers, at most ``SUMMARY_MAX_CHARS``, mostly Korean, a finished answer
(``finish_reason`` "stop"), not an echo of the prompt, linking nothing the
abstract does not, and holding neither ``SUMMARY_API_KEY`` nor ``PUBLISH_GIT_TOKEN``;
the renderer escapes it like an abstract. Anything else is dropped like an answer
that never came.

The cache is committed to a repository others push to. A file that cannot be
read, or holds text that cannot be written back (a lone surrogate such as
``"\\ud800"``), or is a symbolic link (which could point anywhere outside the
site) is kept aside (``summaries-ko.json.bad-<time>``), never overwritten or
followed; in a ``_data/papers`` that is no real folder of the site
(`Site.real_folder`, the writer's rule too) it is neither read nor written. A save merges
with what is on disk then, under the lock publishing takes, so two runs at
once keep each other's answers; publishing adds only this run's answers (`Summarizer.saved`)
to a cache someone changed on the remote.

Which papers are asked, how many at once, and when to stop is the
`KoreanSummaryPipeline`'s business (summary_pipeline.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import BaseSettings

from hfpapers.credentials import TOKEN_VARIABLE
from hfpapers.gitrepo import PUBLISH_LOCK, common_git_dir
from hfpapers.items import Paper
from hfpapers.safeio import UnsafeInputError, exclusive, loads_bounded, read_capped
from hfpapers.site import Site
from hfpapers.text import clean_text, trim_url

logger = logging.getLogger(__name__)

SLOT = "summary"
KEY_VARIABLE = "SUMMARY_API_KEY"
CACHE_NAME = "summaries-ko.json"
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
# Fewer Hangul syllables than this is no Korean summary ("가", "!!!가???").
MIN_HANGUL = 5
# At least this share of an answer's words hold Hangul: English with one Korean word is no summary.
MIN_KOREAN_SHARE = 0.5
# An answer holding this many characters of the prompt in a row echoes it (spaces aside).
ECHO_CHARS = 20
# The cache is ours, but committed to a repository others may push to: read back with care.
MAX_CACHE_BYTES = 64 * 1024 * 1024
# One chat answer: a summary of 400 characters takes a few kB; an endpoint may add some.
MAX_ANSWER_BYTES = 1024 * 1024
# Markdown that would make one answer more than one line of the post.
_MARKUP_RE = re.compile(r"(?:^|\s)(?:#{1,6}|[-*+]|\d+[.)])\s+")
_WORD_RE = re.compile(r"\w+")
# Anything a reader could take for an address: any scheme, or www. without one.
_LINK_RE = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"'{}\[\]|\\^`]*")
_SCHEME_RE = re.compile(r"(?i)^[a-z][a-z0-9+.-]*://")
# A key or token shorter than this is looked for in no answer (hide_secret masks none shorter).
MIN_SECRET_CHARS = 6
# Only an answer the model finished; "length" is one cut off mid-sentence.
FINISHED = (None, "stop")


class SummaryError(ValueError):
    """The endpoint's answer holds no usable summary."""


def clean_summary(text: str, max_chars: int) -> str:
    """One line of plain text: no headings or list markers, newlines collapsed, capped."""
    line = " ".join(_MARKUP_RE.sub(" ", part).strip() for part in text.splitlines())
    line = clean_text(line)
    if len(line) > max_chars:
        line = line[: max_chars - 1].rstrip() + "…"
    return line


def is_korean(text: str, title: str = "") -> bool:
    """Enough Hangul, and at least half the words Korean: English terms are fine, and the
    paper's title, which a summary may name, does not count against it."""
    if len(_HANGUL_RE.findall(text)) < MIN_HANGUL:
        return False
    named = {w.casefold() for w in _WORD_RE.findall(title)}
    words = [w for w in _WORD_RE.findall(text) if not w.isdigit() and w.casefold() not in named]
    korean = sum(1 for w in words if _HANGUL_RE.search(w))
    return korean >= MIN_KOREAN_SHARE * len(words)


def echoes(text: str, prompt: str) -> bool:
    """Whether ``text`` repeats a stretch of ``prompt`` (the model reciting its instructions)."""
    said, told = "".join(text.split()), "".join(prompt.split())
    size = min(ECHO_CHARS, len(told))
    if size < 8:
        return False
    return any(told[n : n + size] in said for n in range(0, len(told) - size + 1))


def links_in(text: str) -> list[str]:
    """The addresses ``text`` holds, each whole, without the punctuation that ends a sentence."""
    return [trim_url(m.group(0)) for m in _LINK_RE.finditer(text)]


def foreign_links(text: str, source: str) -> list[str]:
    """Addresses in ``text`` that ``source`` (title and abstract) does not hold, compared whole:
    ``https://github.com/org`` is not the abstract's ``https://github.com/org/repo``. The post
    would make them links nobody wrote. ``www.x.org`` may name the source's ``https://www.x.org``."""
    known = {form for link in links_in(source) for form in (link, _SCHEME_RE.sub("", link, count=1))}
    return [link for link in links_in(text) if link not in known]


def check_summary(text: str, *, prompt: str, title: str, abstract: str, max_chars: int) -> str:
    """A model's answer as the post's one line; raises `SummaryError` when it is no summary."""
    summary = clean_summary(text, max_chars)
    if echoes(summary, prompt):
        raise SummaryError("echoes the prompt")
    if not is_korean(summary, title):
        raise SummaryError("not Korean")
    links = foreign_links(summary, f"{title}\n{abstract}")
    if links:
        raise SummaryError(f"a link the abstract does not have: {links[0][:80]}")
    return summary


def holds_secret(text: str) -> bool:
    """Whether ``text`` holds the endpoint's key or the publishing token (an endpoint that echoes
    its request): never cached, committed or posted. One shorter than a real key's least
    would match ordinary words, and is not looked for."""
    secrets = (os.environ.get(name, "") for name in (KEY_VARIABLE, TOKEN_VARIABLE))
    return any(len(secret) >= MIN_SECRET_CHARS and secret in text for secret in secrets)


def completions_url(base: str) -> str:
    """``{base}/chat/completions``, keeping a query (``?api-version=…``); a base that
    already names the endpoint is taken as it is."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path += "/chat/completions"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


class Summarizer:
    def __init__(self, settings: BaseSettings, site: Site):
        self.url = settings.get("SUMMARY_API_URL").strip()
        self.model = settings.get("SUMMARY_MODEL")
        self.prompt = settings.get("SUMMARY_PROMPT")
        self.temperature = settings.getfloat("SUMMARY_TEMPERATURE")
        self.max_chars = settings.getint("SUMMARY_MAX_CHARS")
        self.timeout = settings.getfloat("SUMMARY_TIMEOUT")
        self.retries = settings.getint("SUMMARY_RETRY_TIMES")
        # How long a save waits for another run's save or publishing (publish.py waits as long).
        self.lock_timeout = settings.getfloat("PUBLISH_TIMEOUT")
        self.site = site
        self.path = site.root / "_data" / "papers" / CACHE_NAME
        self.cache: dict[str, dict[str, str]] = {k: v for k, v in self._read().items() if _usable(v)}
        # This run's answers: what a save adds to the file as it is then.
        self.new: dict[str, dict[str, str]] = {}
        # Every answer this run saved: all that publishing adds to the cache someone else changed.
        self.saved: dict[str, dict[str, str]] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def changed(self) -> bool:
        return bool(self.new)

    def _read(self) -> dict[str, Any]:
        """The cache file's entries, all of them; {} when there is none. A file that is
        there but unreadable is kept aside, with a warning, so no save overwrites it."""
        if not self.url:
            return {}
        try:
            self.site.real_folder(self.path.parent)
        except FileNotFoundError:
            return {}
        except OSError as exc:  # _data/papers a link out of the site: nothing there is ours to move
            logger.warning("%s: not read (%s)", self.path, exc)
            return {}
        try:
            if stat.S_ISLNK(os.lstat(self.path).st_mode):
                raise ValueError(f"a symbolic link to {os.readlink(self.path)}, not a file of the site")
            data = loads_bounded(read_capped(self.path, MAX_CACHE_BYTES), max_bytes=MAX_CACHE_BYTES)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            # Valid JSON, but no UTF-8: "\ud800" would fail every save after it.
            _dumped(data)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self._set_aside(str(exc))
            return {}
        return data

    def _set_aside(self, why: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        aside = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        try:
            os.replace(self.path, aside)  # a symbolic link itself, never what it points to
        except OSError as exc:
            # Cannot move it (a read-only folder): the save will fail as well, and say so.
            logger.warning("%s: unreadable (%s) and cannot be kept aside (%s)", self.path, why, exc)
            return
        logger.warning(
            "%s: unreadable (%s); kept aside as %s, summaries will be asked for again", self.path, why, aside
        )

    def key(self, paper: Paper) -> str:
        digest = hashlib.sha256(f"{self.prompt}\0{paper.title}\0{paper.abstract}".encode()).hexdigest()[:16]
        return f"{paper.arxiv_id}|{self.model}|{digest}"

    def cached(self, paper: Paper) -> str | None:
        """The cached summary, checked again like a fresh answer (the file may have been edited)."""
        entry = self.cache.get(self.key(paper))
        if not entry:
            return None
        try:
            return self.check(entry["summary"], paper)
        except SummaryError:
            return None

    def check(self, text: str, paper: Paper) -> str:
        summary = check_summary(
            text, prompt=self.prompt, title=paper.title, abstract=paper.abstract, max_chars=self.max_chars
        )
        if holds_secret(summary):
            raise SummaryError(f"holds {KEY_VARIABLE} or {TOKEN_VARIABLE}")
        return summary

    def remember(self, paper: Paper, summary: str) -> None:
        entry = {"summary": summary, "model": self.model}
        self.cache[self.key(paper)] = self.new[self.key(paper)] = entry

    def request(self, paper: Paper, timeout: float) -> Request:
        """The chat completion asking for ``paper``'s summary; no answer after ``timeout``
        seconds (at most ``SUMMARY_TIMEOUT``) is a timeout."""
        body = {
            "model": self.model,
            "temperature": self.temperature,
            "messages": [
                {"role": "system", "content": self.prompt},
                {"role": "user", "content": f"Title: {paper.title}\n\nAbstract: {paper.abstract}"},
            ],
        }
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(KEY_VARIABLE)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return Request(
            completions_url(self.url),
            method="POST",
            body=json.dumps(body, ensure_ascii=False),
            headers=headers,
            callback=NO_CALLBACK,
            meta={
                "download_slot": SLOT,
                "download_timeout": min(timeout, self.timeout),
                "max_retry_times": self.retries,
                # An endpoint, not a site: robots.txt does not govern it.
                "dont_obey_robotstxt": True,
                # A chat answer is small: a stream of more is refused where it arrives.
                "download_maxsize": MAX_ANSWER_BYTES,
            },
            dont_filter=True,
        )

    def parse(self, response: Response, paper: Paper) -> str:
        """The summary of ``paper`` in an OpenAI-style chat answer; raises `SummaryError`."""
        try:
            data = loads_bounded(response.body, max_bytes=MAX_ANSWER_BYTES)
            choice = data["choices"][0]
            content = choice["message"]["content"]
            finish = choice.get("finish_reason")
        except UnsafeInputError as exc:
            raise SummaryError(f"not a chat completion: {exc}") from None
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise SummaryError("not a chat completion") from None
        if not isinstance(content, str):
            raise SummaryError("not a chat completion")
        if finish not in FINISHED:
            raise SummaryError(f"cut off (finish_reason {str(finish)[:40]!r})")
        return self.check(content, paper)

    def save(self) -> Path | None:
        """Add this run's answers to the cache file as it is now, atomically, under the lock
        publishing takes; its path, or None when there was nothing new. Raises `OSError`
        (also `TimeoutError`: the lock was held too long) or `ValueError` (text that is no
        UTF-8); then the file is as it was and no temporary file is left."""
        if not self.new:
            return None
        self.site.real_folder(self.path.parent, create=True)
        with self._locked():
            # Another run may have saved since we read: keep its entries, and any we do not understand.
            text = _dumped({**self._read(), **self.new})
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(text)
                os.chmod(tmp, 0o644)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        self.saved.update(self.new)
        self.new = {}
        return self.path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The lock GitPublisher takes in the common git folder when SITE_DIR is in a git work tree
        (a save never lands between another run's add and commit), else a lock on the cache's
        folder. Waits at most PUBLISH_TIMEOUT, as publishing does; then `TimeoutError`."""
        git_dir = common_git_dir(self.site.root)
        if git_dir is not None:
            fd = os.open(git_dir / PUBLISH_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        else:
            fd = os.open(self.path.parent, os.O_RDONLY | os.O_CLOEXEC)
        try:
            with exclusive(fd, self.lock_timeout, poll=0.05) as held:
                if not held:
                    raise TimeoutError(
                        f"another run held the summaries cache's lock for {self.lock_timeout:g} s"
                        " (PUBLISH_TIMEOUT)"
                    )
                yield
        finally:
            os.close(fd)


def _usable(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("summary"), str)


def _dumped(cache: dict[str, Any]) -> bytes:
    """The cache file's bytes; `UnicodeEncodeError` (a `ValueError`) for a lone surrogate."""
    return (json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
