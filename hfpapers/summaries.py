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
markers, at most ``SUMMARY_MAX_CHARS``, and Korean (an answer without Hangul
is dropped); the renderer escapes it like an abstract.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings

from hfpapers.items import Paper
from hfpapers.site import Site
from hfpapers.text import clean_text

logger = logging.getLogger(__name__)

SLOT = "summary"
KEY_VARIABLE = "SUMMARY_API_KEY"
CACHE_NAME = "summaries-ko.json"
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
# Fewer Hangul syllables than this is no Korean summary ("가", "!!!가???").
MIN_HANGUL = 5
# The cache is ours, but committed to a repository others may push to: read back with care.
MAX_CACHE_BYTES = 64 * 1024 * 1024
# Markdown that would make one answer more than one line of the post.
_MARKUP_RE = re.compile(r"(?:^|\s)(?:#{1,6}|[-*+]|\d+[.)])\s+")


class SummaryError(ValueError):
    """The endpoint's answer holds no usable summary."""


def clean_summary(text: str, max_chars: int) -> str:
    """One line of plain text: no headings or list markers, newlines collapsed, capped."""
    line = " ".join(_MARKUP_RE.sub(" ", part).strip() for part in text.splitlines())
    line = clean_text(line)
    if len(line) > max_chars:
        line = line[: max_chars - 1].rstrip() + "…"
    return line


def is_korean(text: str) -> bool:
    return len(_HANGUL_RE.findall(text)) >= MIN_HANGUL


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
        self.path = site.root / "_data" / "papers" / CACHE_NAME
        self.cache: dict[str, dict[str, str]] = self._load()
        self.changed = False

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.url:
            return {}
        if not self.path.exists():
            return {}
        try:
            # A regular file of a sane size: not a FIFO, nor a link to /dev/zero.
            if not self.path.is_file() or self.path.stat().st_size > MAX_CACHE_BYTES:
                raise ValueError("not a regular file of at most 64 MiB")
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("%s: unreadable (%s); summaries will be asked for again", self.path, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("summary"), str)}

    def key(self, paper: Paper) -> str:
        digest = hashlib.sha256(f"{self.prompt}\0{paper.title}\0{paper.abstract}".encode()).hexdigest()[:16]
        return f"{paper.arxiv_id}|{self.model}|{digest}"

    def cached(self, paper: Paper) -> str | None:
        """The cached summary, checked again like a fresh answer (the file may have been edited)."""
        entry = self.cache.get(self.key(paper))
        if not entry:
            return None
        summary = clean_summary(entry["summary"], self.max_chars)
        return summary if is_korean(summary) else None

    def remember(self, paper: Paper, summary: str) -> None:
        self.cache[self.key(paper)] = {"summary": summary, "model": self.model}
        self.changed = True

    def request(self, paper: Paper, callback: Any, errback: Any) -> Request:
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
            callback=callback,
            errback=errback,
            cb_kwargs={"arxiv_id": paper.arxiv_id},
            meta={
                "download_slot": SLOT,
                "download_timeout": self.timeout,
                # An endpoint, not a site: robots.txt does not govern it.
                "dont_obey_robotstxt": True,
            },
            dont_filter=True,
        )

    def parse(self, response: Response) -> str:
        """The summary in an OpenAI-style chat answer; raises `SummaryError`."""
        try:
            data = json.loads(response.body)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise SummaryError("not a chat completion") from None
        if not isinstance(content, str):
            raise SummaryError("not a chat completion")
        summary = clean_summary(content, self.max_chars)
        if not is_korean(summary):
            raise SummaryError("not Korean")
        return summary

    def save(self) -> Path | None:
        """Write the cache (atomically) if it changed; its path, or None."""
        if not self.changed:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.changed = False
        return self.path
