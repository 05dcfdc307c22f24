"""`scrapy schedule`: queue the daily crawl on a Scrapyd node (what cron and systemd call)."""

from __future__ import annotations

import argparse

from hfpapers.args import hf_today
from hfpapers.scrapyd import resolve_node
from hfpapers.scrapyd_cli import ScrapydCommand


class Command(ScrapydCommand):
    def syntax(self) -> str:
        return "[--target NAME | --url URL] [--date YYYY-MM-DD] -s SITE_DIR=/path [-s NAME=VALUE ...]"

    def short_desc(self) -> str:
        return "Schedule the daily crawl on Scrapyd (exits non-zero when Scrapyd refuses)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--target", default="local", help="deploy target in scrapy.cfg (default local)")
        parser.add_argument("--url", help="Scrapyd URL, instead of a target")
        parser.add_argument("--date", help="the day to crawl (default: the current UTC day)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        today = hf_today()
        # The date is fixed now, not when the job starts: a queued job crawls the day it was meant for.
        day = self.day("date", opts.date, today) if opts.date else today
        settings = self.job_settings(opts)

        def schedule() -> None:
            node = resolve_node(opts.url or opts.target, opts.username, opts.password)
            job = node.schedule({"date": day.isoformat()}, settings, opts.project)
            print(f"scheduled daily {day} on {node}: job {job}")

        self.guarded(schedule)
