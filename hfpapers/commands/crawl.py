"""`scrapy crawl` that tells the scheduler the truth in its exit status.

Scrapy's own command exits 0 when callbacks or pipelines fail
(scrapy/scrapy#1231). This one exits 2 for bad arguments or settings (one
line on stderr, before Scrapy starts or sends any request) and 1 when the
run failed: a list failed, an error no list caused, an unclean finish, or
publishing (the ``hfpapers/outcome`` stat that `RunLedger` sets).
"""

from __future__ import annotations

import argparse
import gc
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.spiderloader import SpiderLoader

from hfpapers.args import ArgumentError
from hfpapers.ledger import RunLedger
from hfpapers.run_summary import log_outcome
from hfpapers.spiders.papers import PapersSpider

USAGE_ERROR = 2


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        spidercls = self._spider_class(args)
        if spidercls is not None:
            try:
                spidercls.plan(opts.spargs, self.settings)
            except ArgumentError as exc:
                print(f"error: {exc}", file=sys.stderr)
                sys.exit(USAGE_ERROR)

    def _spider_class(self, args: list[str]) -> type[PapersSpider] | None:
        assert self.settings is not None
        if len(args) != 1:
            return None
        try:
            spidercls = SpiderLoader.from_settings(self.settings).load(args[0])
        except KeyError:
            return None  # Scrapy reports the unknown spider itself
        return spidercls if issubclass(spidercls, PapersSpider) else None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        assert crawler.stats is not None
        if self.crawler_process.bootstrap_failed or crawler.stats.get_value("hfpapers/outcome") != "ok":
            self.exitcode = 1
        # After Scrapy's stats and "Spider closed": the line a reader sees last.
        log_outcome(RunLedger.of(crawler).record if hasattr(crawler, "run_ledger") else None)
        # Nothing needs collecting at exit: spare the interpreter's final garbage collection.
        gc.freeze()
