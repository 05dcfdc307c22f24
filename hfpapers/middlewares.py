"""Downloader middlewares: retries that wait (`BackoffRetryMiddleware`),
redirects that stay on the host asked (`SameHostRedirectMiddleware`), and a
count of every request tried, per service (`AttemptCounter`)."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


# Seconds as HTTP writes them: ASCII digits ("²" passes str.isdigit, and float() refuses it).
_SECONDS_RE = re.compile(r"[0-9]+", re.ASCII)
# How often a wait before a retry looks whether the run is ending.
WAIT_STEP = 0.25


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None for anything else."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if _SECONDS_RE.fullmatch(text):
        return float(text)  # inf for thousands of digits: capped by RETRY_BACKOFF_MAX
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries what Scrapy's `RetryMiddleware` retries (429, 5xx, timeouts), but
    first waits: the server's ``Retry-After`` when it sends one, else
    ``RETRY_BACKOFF_BASE`` (1 s) doubled on each retry; never more than
    ``RETRY_BACKOFF_MAX`` (300 s). Only the retried request waits; the rest
    of the crawl goes on.

    A run that is ending (a stop, or the spider winding down before its deadline) retries
    nothing: Scrapy sends no request once it closes the spider, and a wait would hold the
    close. A wait under way ends then too; the request fails as it last did.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.max_wait = settings.getfloat("RETRY_BACKOFF_MAX", 300.0)

    def wait_for(self, retry: Request, response: Response | None) -> float:
        told = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if told is not None:
            return min(told, self.max_wait)
        attempt = retry.meta.get("retry_times", 1)
        return min(self.base * 2 ** (attempt - 1), self.max_wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )
        if retry is None:
            return response
        return retry if await self._wait(retry, response) else response

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request) and not await self._wait(result, None):
            return None  # the exception goes on to the request's errback
        return result

    def _ending(self) -> str:
        """Why the run is ending ("" while it is not)."""
        if not self.crawler.crawling:
            return "the run was stopped"
        return str(getattr(self.crawler.spider, "winding_down", ""))

    async def _wait(self, retry: Request, response: Response | None) -> bool:
        """Wait before ``retry``; False when the run ends first (then it is not retried)."""
        seconds = self.wait_for(retry, response)
        if seconds > 0:
            logger.info("waiting %.1f s before retrying %s", seconds, retry.url)
        ends = time.monotonic() + seconds
        while True:
            why = self._ending()
            if why:
                logger.warning("%s: not retrying %s", why, retry.url)
                return False
            left = ends - time.monotonic()
            if left <= 0:
                return True
            await sleep(min(left, WAIT_STEP))


class SameHostRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, but only to the host (and port) of the URL asked for.

    Hugging Face redirects a weekend's page to Friday's, on its own host; a
    redirect elsewhere (an internal address, another site) is refused with an
    error that names both hosts, and the request fails as if unanswered.
    """

    # The public hook (not _redirect): Scrapy decides where to go, this refuses.
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        redirected = super().process_response(request, response)
        if isinstance(redirected, Request):
            refusal = refused_redirect(request.url, redirected.url)
            if refusal:
                raise IgnoreRequest(refusal)
        return redirected


_DEFAULT_PORTS = {"http": 80, "https": 443}


def refused_redirect(source: str, target: str) -> str:
    """Why a redirect from ``source`` to ``target`` is not followed; "" when it is.

    Same host and port only (``arxiv.org`` and ``arxiv.org:443`` are one), and
    never from https down to http.
    """
    a, b = urlsplit(source), urlsplit(target)
    where_a = (a.hostname, a.port or _DEFAULT_PORTS.get(a.scheme))
    where_b = (b.hostname, b.port or _DEFAULT_PORTS.get(b.scheme))
    if a.scheme == "https" and b.scheme != "https":
        return f"refused a redirect from {a.netloc} down to {b.scheme}://{b.netloc}"
    if where_a != where_b and not (a.scheme == "http" and b.scheme == "https" and a.hostname == b.hostname):
        return f"refused a redirect from {a.netloc} to {b.netloc}"
    return ""


class AttemptCounter:
    """Counts each request sent, retries included, as ``hfpapers/tried/<download slot>``.

    The run report shows these beside the answers parsed: 4 Hugging Face
    requests tried for 1 page read says that it took retries.
    """

    def __init__(self, crawler: Crawler):
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttemptCounter:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        slot = request.meta.get("download_slot")
        if slot:
            self.stats.inc_value(f"hfpapers/tried/{slot}")
