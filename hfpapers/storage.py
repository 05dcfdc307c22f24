"""`AtomicFileFeedStorage`: local feeds that never leave a half-written file.

Scrapy's `FileFeedStorage` writes straight to the final path and keeps what
it wrote whatever the finish reason. Here each feed is written to a hidden
temporary file in the same folder and moved into place (an atomic rename)
only when the run finished cleanly; otherwise the temporary file is removed
and any existing post stays byte for byte as it was.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from pathlib import Path
from typing import IO, Any, cast

from scrapy import Spider
from scrapy.crawler import Crawler
from w3lib.url import file_uri_to_path

logger = logging.getLogger(__name__)


def run_is_clean(crawler: Crawler) -> bool:
    """Finished by running out of work, with no error on the way.

    Scrapy stops counting log records at spider_closed, so failures after
    that (storing a feed, publishing) are read from their own stats.
    """
    stats = crawler.stats
    assert stats is not None
    values = stats.get_stats()
    return (
        values.get("finish_reason") == "finished"
        and not values.get("log_count/ERROR", 0)
        and not values.get("hfpapers/publish_failed", 0)
        and not any(key.startswith("feedexport/failed_count/") for key in values)
    )


class AppendOnWrite(io.RawIOBase):
    """A write-only file that is open only while it writes.

    A backfill holds two feeds per day until the run ends (only then is it
    known whether to keep them); an exporter writes its day once, so holding
    no descriptor between writes keeps a 1,000-day backfill far below the
    1,024 open files a systemd service (Scrapyd) gets by default.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        with self.path.open("ab") as file:
            return file.write(data)


class AtomicFileFeedStorage:
    def __init__(self, uri: str, crawler: Crawler, *, feed_options: dict[str, Any] | None = None):
        self.path = Path(file_uri_to_path(uri) if uri.startswith("file:") else uri)
        self.crawler = crawler
        self._tmp: Path | None = None

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        return cls(uri, crawler, feed_options=feed_options)

    def open(self, spider: Spider) -> IO[bytes]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        self._tmp = Path(tmp)
        return cast(IO[bytes], AppendOnWrite(self._tmp))

    def store(self, file: IO[bytes]) -> None:
        file.close()
        assert self._tmp is not None
        stats = self.crawler.stats
        assert stats is not None
        if not run_is_clean(self.crawler):
            self._tmp.unlink(missing_ok=True)
            stats.inc_value("hfpapers/outputs_discarded")
            logger.warning(
                "Run did not finish cleanly (%s): %s left as it was",
                stats.get_value("finish_reason"),
                self.path,
            )
            return
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, self.path)
        stats.inc_value("hfpapers/outputs_written")
        stats.set_value(
            "hfpapers/written_files", [*stats.get_value("hfpapers/written_files", []), str(self.path)]
        )
        logger.info("Wrote %s", self.path)
