"""`scrapy schedule`: queue a crawl on a Scrapyd node (what cron and systemd call).

``--spider daily`` (default) crawls ``--date`` or the current UTC day;
``weekly`` and ``monthly`` crawl the previous week or month, or ``--week``/``--month``.
"""

from __future__ import annotations

import argparse

from hfpapers.args import ArgumentError, check_arguments, plan_periods
from hfpapers.checks import USAGE_ERROR
from hfpapers.periods import KINDS
from hfpapers.scrapyd_cli import ScrapydCommand

# The option each spider takes here: its period (Kind.segment: --date, --week, --month);
# top and force are for crawls by hand.
PERIOD_OPTION = {name: kind.segment for name, kind in KINDS.items()}


class Command(ScrapydCommand):
    def syntax(self) -> str:
        return "[--target NAME|--url URL] [--spider daily|weekly|monthly] [--date D] -s SITE_DIR=/path"

    def short_desc(self) -> str:
        return "Schedule a crawl on Scrapyd (exits non-zero when Scrapyd refuses)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--target", default="local", help="deploy target in scrapy.cfg (default local)")
        parser.add_argument("--url", help="Scrapyd URL, instead of a target")
        parser.add_argument("--spider", choices=list(KINDS), default="daily")
        parser.add_argument("--date", help="daily: the day to crawl (default: the current UTC day)")
        parser.add_argument("--week", help="weekly: YYYY-Www (default: the previous week)")
        parser.add_argument("--month", help="monthly: YYYY-MM (default: the previous month)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # The period is fixed now, not when the job starts: a queued job crawls what it was meant for.
        name = PERIOD_OPTION[opts.spider]
        # Given empty (--date "", a variable that was never set) is refused, never "today".
        given = {
            option: getattr(opts, option)
            for option in PERIOD_OPTION.values()
            if getattr(opts, option) is not None
        }
        assert self.settings is not None
        try:
            # `--spider monthly --date D` would queue a month, not the day asked for.
            check_arguments(given, opts.spider, takes=[name], dash="--")
            key = plan_periods(given, self.settings, kind=opts.spider)[0].key
        except ArgumentError as exc:
            self.fail(str(exc), USAGE_ERROR)
        settings = self.job_settings(opts)
        from hfpapers.scrapyd import ScrapydError

        (node,) = self.nodes([opts.url or opts.target], opts)
        try:
            job = node.schedule(opts.project, opts.spider, {name: key}, settings)
        except ScrapydError as exc:
            self.fail(f"{node}: {exc}")
        print(f"scheduled {opts.spider} {key} on {node}: job {job}")
