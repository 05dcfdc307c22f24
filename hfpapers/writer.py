"""`ListWriter`: the files of each list: rendered, installed, the old post retired.

Each list that passed the pipelines is rendered at once (the post by
`KoreanPostExporter`, the data file by `DataFileExporter`) to hidden
temporary files beside their targets. When the spider closes, the
`RunLedger` says which lists are clean (signal ``write_lists``): their files
are renamed into place (atomic, a list's two together) and the old posts
they replace removed; every other temporary file is removed, and the
existing post of a failed list stays byte for byte as it was. So a backfill
where one day fails still writes every other day. What was written goes
back to the ledger; a list that cannot be written sends ``list_failed``.
Always on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter

from exporters import DataFileExporter, KoreanPostExporter
from hfpapers import signals as our_signals
from hfpapers.items import PaperList
from hfpapers.periods import Period
from hfpapers.previous import is_papers_post
from hfpapers.site import Site

logger = logging.getLogger(__name__)

# Older temporary files than this are an interrupted run's, never a running one's.
STALE_AFTER = 2 * 24 * 3600.0


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


RETIRED = ".retired.tmp"  # an old post set aside until the new one is in place


def set_aside(posts: list[Path]) -> list[tuple[Path, Path]]:
    """Rename each old post to a hidden name beside it: all of them, or none (OSError)."""
    aside: list[tuple[Path, Path]] = []
    try:
        for post in posts:
            if post.is_file():
                hidden = post.with_name(f".{post.name}{RETIRED}")
                os.replace(post, hidden)
                aside.append((post, hidden))
    except OSError:
        put_back(aside)
        raise
    return aside


def put_back(aside: list[tuple[Path, Path]]) -> None:
    for post, hidden in reversed(aside):
        with contextlib.suppress(OSError):
            os.replace(hidden, post)


def sweep_stale(folder: Path, older_than: float = STALE_AFTER) -> None:
    """Remove temporary files a killed run left (a second Ctrl-C, SIGKILL).

    Only old ones: a run that works on the same site right now keeps its own.
    """
    if not folder.is_dir():
        return
    limit = time.time() - older_than
    for path in folder.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            if not path.is_file() or path.stat().st_mtime >= limit:
                continue
            original = path.with_name(path.name[1 : -len(RETIRED)]) if path.name.endswith(RETIRED) else None
            if original is not None and not original.exists():
                # An old post set aside by a run killed before its new post was in place.
                os.replace(path, original)
                logger.warning("Put back %s, set aside by an earlier run that did not finish", original)
            else:
                path.unlink()
                logger.info("Removed %s, left by an earlier run", path)


@dataclass
class _Rendered:
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
        self.rendered: dict[Period, _Rendered] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.write_lists, signal=our_signals.write_lists)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListWriter:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        for period in getattr(spider, "periods", [])[:1]:
            sweep_stale(self.site.post(period).parent)
            sweep_stale(self.site.data_file(period).parent)

    def _fail(self, period: Period, reason: str) -> None:
        self.crawler.signals.send_catch_log(our_signals.list_failed, period=period, reason=reason)

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
            self._fail(period, f"cannot write its files: {exc}")
            return
        self.rendered[period] = _Rendered(files, [Path(p) for p in item.retired_posts])

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

    def write_lists(self, ledger: Any, periods: list[Period]) -> None:
        """Install the clean lists' files; remove every temporary file, whatever happens."""
        try:
            for period in periods:
                rendered = self.rendered.get(period)
                if rendered is not None:
                    self._write(ledger, period, rendered)
        finally:
            for rendered in self.rendered.values():
                for tmp in rendered.files.values():
                    tmp.unlink(missing_ok=True)
            self.rendered.clear()

    def _write(self, ledger: Any, period: Period, rendered: _Rendered) -> None:
        changed = self._changed_since_checked(period, rendered)
        if changed:
            self._fail(period, f"{changed} changed during the run and is no papers post now; left as it is")
            return
        # The old posts go aside first (hidden names, which Jekyll skips) and come back if the
        # new files cannot be installed: an old post that cannot be removed fails the list
        # before anything is written, never after (two posts at one URL).
        try:
            aside = set_aside(rendered.retired)
        except OSError as exc:
            self._fail(period, f"cannot remove an old post it replaces: {exc}")
            return
        try:
            install(rendered.files)
        except OSError as exc:
            put_back(aside)
            self._fail(period, f"cannot write its files: {exc}")
            return
        for target in rendered.files:
            logger.info("Wrote %s", target)
        for post, hidden in aside:
            hidden.unlink(missing_ok=True)
            logger.info("Removed %s: the new post replaces it, at its URL", post)
        ledger.wrote(period, list(rendered.files), [post for post, _ in aside])

    def _changed_since_checked(self, period: Period, rendered: _Rendered) -> Path | None:
        """A post this list would replace or remove that is no papers post any more, or None.

        PreviousPostPipeline checked them when the list passed; a backfill or a run
        waiting on summaries can take long after that, and the user may have written
        their own post at the name meanwhile. Checked again just before the rename.
        """
        post = self.site.post(period)
        if (post.exists() or post.is_symlink()) and not is_papers_post(post, period):
            return post
        return next(
            (old for old in rendered.retired if old.exists() and not is_papers_post(old, period)), None
        )
