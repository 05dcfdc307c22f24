"""`scrapy crawl` that tells the scheduler the truth in its exit status.

Scrapy's own command exits 0 when callbacks or pipelines fail
(scrapy/scrapy#1231). This one exits 2 for bad arguments or settings (one
line on stderr, before Scrapy starts or sends any request) and 1 when the
run did not finish cleanly (see `hfpapers.storage.run_is_clean`).
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from hfpapers.args import ArgumentError, plan_run
from hfpapers.storage import run_is_clean

USAGE_ERROR = 2


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if args == ["daily"]:
            try:
                plan_run(opts.spargs, self.settings)
            except ArgumentError as exc:
                print(f"error: {exc}", file=sys.stderr)
                sys.exit(USAGE_ERROR)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or not run_is_clean(crawler):
            self.exitcode = 1
