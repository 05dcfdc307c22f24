"""`scrapy backfill`: a range of days split over several Scrapyd nodes."""

from __future__ import annotations

import argparse

from hfpapers.args import ArgumentError, plan_periods
from hfpapers.checks import USAGE_ERROR
from hfpapers.scrapyd_cli import COMMAND_FAILED, ScrapydCommand, positive_seconds


class Command(ScrapydCommand):
    timeout = 6 * 3600.0

    def syntax(self) -> str:
        return "--start YYYY-MM-DD --end YYYY-MM-DD --node NAME|URL [--node ...] -s SITE_DIR=/path"

    def short_desc(self) -> str:
        return "Split a range of days over Scrapyd nodes, wait, and report per job"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument(
            "--node", action="append", default=[], help="deploy target in scrapy.cfg or Scrapyd URL (repeat)"
        )
        parser.add_argument(
            "--poll", type=positive_seconds, default=5.0, help="seconds between listjobs.json polls"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            days = plan_periods({"start": opts.start, "end": opts.end}, self.settings)
        except ArgumentError as exc:
            self.fail(str(exc), USAGE_ERROR)
        start, end = days[0].first, days[-1].last
        if not opts.node:
            self.fail(
                "node: give at least one --node (a scrapy.cfg deploy target or a Scrapyd URL)", USAGE_ERROR
            )
        settings = self.job_settings(opts)
        from hfpapers.scrapyd import ScrapydError, backfill

        nodes = self.nodes(opts.node, opts)
        try:
            jobs = backfill(
                nodes, start, end, opts.project, settings, opts.poll, lambda line: print(line, flush=True)
            )
        except ScrapydError as exc:
            self.fail(str(exc))
        for job in jobs:
            print("\n".join(job.report()))
        failed = [job for job in jobs if not job.ok]
        print(f"{len(jobs) - len(failed)} of {len(jobs)} jobs finished cleanly")
        if failed:
            self.exitcode = COMMAND_FAILED
