"""What an answer from Hugging Face or arXiv holds, and why one never came, in one line."""

from __future__ import annotations

import reprlib
from typing import Any
from urllib.parse import urlparse

from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError

# Said with a host name that does not resolve: most often, this machine is offline.
OFFLINE_HINT = "offline? ./scripts/demo.sh crawls recorded data without the internet"
# What a name that does not resolve raises: Scrapy's own error, or Twisted's from a
# download handler that does not translate it.
UNRESOLVED = (CannotResolveHostError, DNSLookupError)

_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxother = 2, 4, 4, 60


def shown(value: Any, limit: int = 60) -> str:
    """A value from the web as a log line or a message quotes it: its repr, at most about
    ``limit`` characters (a 10 MB id is no 10 MB line), with lone surrogates and control
    characters escaped (a log file written as UTF-8 cannot hold a lone surrogate)."""
    if isinstance(value, str):
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    _SHOWN.maxstring = limit
    try:
        return _SHOWN.repr(value)
    except ValueError:  # an int past the 4,300 digits Python turns into text
        return f"<a {type(value).__name__} too large to show>"


def why_failed(error: BaseException, url: str, size_limit: int = 0) -> str:
    """``HTTP 503``, or the error and the host that caused it, in one line (``size_limit``:
    the request's DOWNLOAD_MAXSIZE, named when an answer grew past it)."""
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    why = f"{type(error).__name__} from {urlparse(url).netloc}: {error}"
    if isinstance(error, DownloadCancelledError) and not str(error):
        # Scrapy cancels an answer without Content-Length that grows past the size limit with
        # no message (it logs a warning of its own); one that announces its size gets one.
        limit = f"DOWNLOAD_MAXSIZE ({size_limit:,} bytes)" if size_limit > 0 else "its size limit"
        why += f"the answer was cut off: larger than {limit}"
    if isinstance(error, UNRESOLVED):
        why += f" ({OFFLINE_HINT})"
    return why


def key_in_url(url: str) -> str | None:
    """``/papers/date/2026-02-20`` -> ``2026-02-20`` after any redirect (weeks and months alike)."""
    parts = urlparse(url).path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2] in ("date", "week", "month") else None


def text_of(response: Response, error: type[ValueError]) -> str:
    """The answer's text; an answer that is no text (an image, a binary) is bad data."""
    if not isinstance(response, TextResponse):
        raise error(f"{response.url} answered with no text ({shown(response.headers.get('Content-Type'))})")
    return response.text
