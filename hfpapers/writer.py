"""`ListWriter`: one outcome per list, and the files of the clean lists.

Each list that passed the pipelines is rendered at once (the post by
`KoreanPostExporter`, the data file by `DataFileExporter`) to hidden
temporary files beside their targets. When the spider closes, the files of
every clean list are renamed into place (atomic), the others are removed,
and the existing post of a failed list stays byte for byte as it was. So a
backfill where one day fails still writes every other day.

A list is clean when its item passed the pipelines and no error was blamed
on it. Blame comes from the log: an ERROR record names its list through
``extra={"period": ...}``, the request it is about (``cb_kwargs["period"]``)
or the item (``item.period``). An ERROR that names no list fails the whole
run, and nothing is written.

It also writes the Korean summaries cache when the run added to it. Then it
sends `hfpapers.signals.lists_written` with the `RunRecord` (the publisher
commits), logs the run summary and the record, and sets the stat
``hfpapers/outcome`` (``ok`` or ``failed``) that the `crawl` command's exit
status follows. Always on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter

from exporters import DataFileExporter, KoreanPostExporter
from hfpapers import signals as our_signals
from hfpapers.items import PaperList
from hfpapers.outcome import EMPTY, FAILED, KEPT, WRITTEN, ListOutcome, RunRecord
from hfpapers.periods import Period
from hfpapers.site import Site
from hfpapers.summary import log_summary

logger = logging.getLogger(__name__)

# Older temporary files than this are an interrupted run's, never a running one's.
STALE_AFTER = 2 * 24 * 3600.0


def blamed_period(record: logging.LogRecord) -> Period | None:
    """The list a log record is about, if it names one."""
    period = getattr(record, "period", None)
    if isinstance(period, Period):
        return period
    # Credential masking (publish.py) flattens a record's args; it keeps them as source_args.
    args = getattr(record, "source_args", record.args)
    if isinstance(args, Mapping):
        request = args.get("request")
        period = getattr(request, "cb_kwargs", {}).get("period")
        if isinstance(period, Period):
            return period
        period = getattr(args.get("item"), "period", None)
        if isinstance(period, Period):
            return period
    return None


class _RobotsTxtWarning(logging.Filter):
    """A robots.txt that cannot be fetched hurts no list: Scrapy goes on as if it
    allowed everything. So its error is one warning line, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


_ROBOTS_WARNING = _RobotsTxtWarning()


def one_line(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        message += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
    return " ".join(message.split())[:500]


def install(files: dict[Path, Path]) -> None:
    """Rename each temporary file onto its target: all of them, or none.

    The targets' current files are kept (copies) until every rename
    succeeded, and put back if one fails.
    """
    kept: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for target, tmp in files.items():
            if target.is_file():
                kept[target] = tmp.with_name(tmp.name + ".old")
                # A copy, not a hard link: fs.protected_hardlinks refuses a link to a post
                # another user owns (EPERM), and renaming the post away would leave a moment
                # (or, if the run is killed then, for good) with no post at all.
                shutil.copyfile(target, kept[target], follow_symlinks=False)
        for target, tmp in files.items():
            os.replace(tmp, target)
            done.append(target)
    except OSError:
        for target in done:
            if target in kept:
                os.replace(kept.pop(target), target)
            else:
                target.unlink(missing_ok=True)
        raise
    finally:
        for old in kept.values():
            old.unlink(missing_ok=True)


def sweep_stale(folder: Path, older_than: float = STALE_AFTER) -> None:
    """Remove temporary files a killed run left (a second Ctrl-C, SIGKILL).

    Only old ones: a run that works on the same site right now keeps its own.
    """
    if not folder.is_dir():
        return
    limit = time.time() - older_than
    for path in folder.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                logger.info("Removed %s, left by an earlier run", path)


class _ErrorBlame(logging.Handler):
    """Sees every ERROR while the spider runs and blames a list or the run."""

    def __init__(self, writer: ListWriter):
        super().__init__(logging.ERROR)
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        period = blamed_period(record)
        if period is None:
            self.writer.errors.append(one_line(record))
        else:
            self.writer.fail(period, one_line(record))


@dataclass
class _Rendered:
    papers: int
    files: dict[Path, Path]  # target -> temporary file
    retired: list[Path]  # the old script's posts this one replaces


class ListWriter:
    # Each renderer and where its file goes.
    renderers: tuple[tuple[Callable[..., BaseItemExporter], Callable[[Site, Period], Path]], ...] = (
        (KoreanPostExporter, Site.post),
        (DataFileExporter, Site.data_file),
    )

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.site = Site.from_settings(crawler.settings)
        self.failed: dict[str, str] = {}
        self.rendered: dict[str, _Rendered] = {}
        self.kept: dict[str, str] = {}
        self.empty: set[str] = set()
        self.errors: list[str] = []
        self.record: RunRecord | None = None
        self.blame = _ErrorBlame(self)
        # addFilter skips a filter the logger has: once per process, however many crawls.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_ROBOTS_WARNING)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.list_empty, signal=our_signals.list_empty)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListWriter:
        return cls(crawler)

    # --- during the crawl ---------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        logging.getLogger().addHandler(self.blame)
        for period in getattr(spider, "periods", [])[:1]:
            sweep_stale(self.site.post(period).parent)
            sweep_stale(self.site.data_file(period).parent)

    def fail(self, period: Period, reason: str) -> None:
        self.failed.setdefault(period.key, reason)

    def list_empty(self, period: Period) -> None:
        self.empty.add(period.key)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, PaperList):
            reason = str(exception)
            if getattr(exception, "keeps_existing", False):
                self.kept[item.period.key] = reason
            else:
                self.fail(item.period, reason)

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, PaperList):
            return
        period = item.period
        files: dict[Path, Path] = {}
        try:
            for exporter_class, where in self.renderers:
                target = where(self.site, period)
                files[target] = self._render(exporter_class, item, target)
        except Exception as exc:
            for tmp in files.values():
                tmp.unlink(missing_ok=True)
            logger.error("%s: cannot write its files: %s", period, exc, extra={"period": period})
            return
        self.rendered[period.key] = _Rendered(item.total_papers, files, [Path(p) for p in item.retired_posts])

    def _render(self, exporter_class: Callable[..., BaseItemExporter], item: PaperList, target: Path) -> Path:
        buffer = io.BytesIO()
        exporter = exporter_class(buffer, settings=self.crawler.settings)
        exporter.start_exporting()
        exporter.export_item(item)
        exporter.finish_exporting()
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(buffer.getvalue())
            os.chmod(name, 0o644)
        except BaseException:
            # A full disk must not leave an empty temporary file behind.
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    # --- at the end -----------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        logging.getLogger().removeHandler(self.blame)
        self.record = record = RunRecord(finish_reason=reason, errors=list(self.errors))
        for period in getattr(spider, "periods", []):
            record.lists.append(self._finish(period, reason))
        summarizer = getattr(spider, "summarizer", None)
        if summarizer is not None:
            # Every answer is good for its key whatever became of the lists: keep them all.
            try:
                saved = summarizer.save()
            except OSError as exc:
                logger.warning("cannot write the summaries cache: %s", exc)
            else:
                if saved is not None:
                    record.shared_files.append(str(saved))
        self.crawler.signals.send_catch_log(our_signals.lists_written, record=record)
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("hfpapers/lists_written", record.count(WRITTEN))
        stats.set_value("hfpapers/lists_failed", record.count(FAILED))
        stats.set_value("hfpapers/outcome", "ok" if record.ok else "failed")
        level = logging.getLevelName(str(self.crawler.settings.get("LOG_LEVEL")).upper())
        log_summary(stats, record, level if isinstance(level, int) else logging.INFO)

    def _retire(self, posts: list[Path], outcome: ListOutcome) -> None:
        """Remove the old posts the new one replaces: one post, one URL."""
        for post in posts:
            try:
                post.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                outcome.status, outcome.reason = FAILED, f"cannot remove the old post {post}: {exc}"
                logger.error("%s: %s", outcome.key, outcome.reason)
                continue
            outcome.removed.append(str(post))
            logger.info("Removed %s: the new post replaces it, at its URL", post)

    def _finish(self, period: Period, finish_reason: str) -> ListOutcome:
        key = period.key
        rendered = self.rendered.pop(key, None)
        outcome = ListOutcome(period.kind, key, FAILED)
        if key in self.failed:
            outcome.reason = self.failed[key]
        elif rendered is not None and self.errors:
            outcome.reason = "not written: the run had errors that no list caused"
        elif rendered is not None:
            try:
                install(rendered.files)
            except OSError as exc:
                outcome.reason = f"cannot write its files: {exc}"
                logger.error("%s: %s", key, outcome.reason)
            else:
                outcome.status, outcome.papers = WRITTEN, rendered.papers
                outcome.files = [str(target) for target in rendered.files]
                for target in rendered.files:
                    logger.info("Wrote %s", target)
                self._retire(rendered.retired, outcome)
        elif key in self.kept:
            outcome.status, outcome.reason = KEPT, self.kept[key]
        elif key in self.empty:
            outcome.status = EMPTY
        else:
            outcome.reason = f"not finished (finish reason {finish_reason})"
        if rendered is not None:
            for tmp in rendered.files.values():
                tmp.unlink(missing_ok=True)
        return outcome
