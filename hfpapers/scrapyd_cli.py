"""What the Scrapyd commands (`scrapy schedule`, `scrapy backfill`) share.

Outside hfpapers.commands: Scrapy instantiates every command class found there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn

from scrapy.commands import ScrapyCommand
from scrapy.utils.conf import arglist_to_dict

from hfpapers.args import ArgumentError
from hfpapers.checks import check_settings
from hfpapers.credentials import refuse_credentials
from hfpapers.scrapyd import PROJECT, SchedulingError

USAGE_ERROR = 2
FAILED = 1


class ScrapydCommand(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--project", default=PROJECT, help=f"Scrapyd project (default {PROJECT})")
        parser.add_argument("--username", help="Scrapyd user (default: the target's, or ~/.netrc)")
        parser.add_argument("--password", help="Scrapyd password (default: the target's, or ~/.netrc)")

    def job_settings(self, opts: argparse.Namespace) -> dict[str, str]:
        """The ``-s NAME=VALUE`` options, passed on to the job, each checked by its rule
        here (a bad one would only show in the job's log on the node, as a failed job);
        SITE_DIR is required."""
        assert self.settings is not None
        try:
            check_settings(self.settings, local=False)
        except ArgumentError as exc:
            self.fail(str(exc), USAGE_ERROR)
        settings = arglist_to_dict(opts.set)
        # Scrapyd logs a job's settings and lists them in listjobs.json: no credentials in them.
        refused = refuse_credentials(settings.get("PUBLISH_GIT_REMOTE", ""))
        if refused:
            self.fail(refused, USAGE_ERROR)
        if not settings.get("SITE_DIR", "").startswith("/"):
            self.fail(
                "SITE_DIR: give -s SITE_DIR=/absolute/path/to/blog (Scrapyd runs jobs in its own folder)",
                USAGE_ERROR,
            )
        return settings

    @staticmethod
    def fail(message: str, status: int = FAILED) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(status)

    def guarded(self, action: Callable[[], None]) -> None:
        """Run ``action()``; a `SchedulingError` is one line on stderr and exit 1."""
        try:
            action()
        except SchedulingError as exc:
            self.fail(str(exc))
