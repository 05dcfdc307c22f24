"""What the Scrapyd commands (`scrapy schedule`, `scrapy backfill`, `scrapy jobs`) share.

Outside hfpapers.commands: Scrapy instantiates every command class found there.
`hfpapers.scrapyd` (the HTTP client) is imported when one of them runs, not
when Scrapy lists the commands for a crawl.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from scrapy.commands import ScrapyCommand
from scrapy.utils.conf import arglist_to_dict

from hfpapers.args import ArgumentError
from hfpapers.checks import USAGE_ERROR, check_settings, check_typed_objects
from hfpapers.credentials import mask_credentials

if TYPE_CHECKING:
    from hfpapers.scrapyd import Node

PROJECT = "hfpapers"
# The exit status of a command Scrapyd (or a node) failed; bad input is USAGE_ERROR.
COMMAND_FAILED = 1


def positive_seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


class ScrapydCommand(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}
    timeout: ClassVar[float] = 60.0
    """The default of ``--timeout``: seconds the whole command may take."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--project", default=PROJECT, help=f"Scrapyd project (default {PROJECT})")
        parser.add_argument("--username", help="Scrapyd user (default: the target's, or ~/.netrc)")
        parser.add_argument("--password", help="Scrapyd password (default: the target's, or ~/.netrc)")
        parser.add_argument(
            "--timeout",
            type=positive_seconds,
            default=self.timeout,
            help=f"seconds the whole command may take, every wait and read in it (default {self.timeout:g})",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            # Scrapy passes on what its parser does not know: never ignore it (`schedule --node`
            # would schedule on the default node).
            extra = mask_credentials(" ".join(args))  # a node URL may hold a login
            self.fail(f"not an option of this command: {extra[:200]} (--help lists them)", USAGE_ERROR)
        try:
            check_typed_objects(opts.set)  # before Scrapy applies -s, where it would end in a traceback
        except ArgumentError as exc:
            self.fail(str(exc), USAGE_ERROR)
        super().process_options(args, opts)

    def job_settings(self, opts: argparse.Namespace) -> dict[str, str]:
        """The ``-s NAME=VALUE`` options, passed on to the job, each checked by its rule
        here (a bad one would only show in the job's log on the node, as a failed job; the
        PUBLISH_GIT_REMOTE rule refuses credentials, which Scrapyd would log and list in
        listjobs.json); SITE_DIR is required."""
        assert self.settings is not None
        try:
            check_settings(self.settings, local=False)
        except ArgumentError as exc:
            self.fail(str(exc), USAGE_ERROR)
        settings = arglist_to_dict(opts.set)
        if "LOG_FILE" in settings:
            self.fail(
                "LOG_FILE: Scrapyd writes each job's log itself, where scrapy jobs reads its outcome:"
                " drop -s LOG_FILE (logs_dir in scrapyd.conf says where)",
                USAGE_ERROR,
            )
        if not settings.get("SITE_DIR", "").startswith("/"):
            self.fail(
                "SITE_DIR: give -s SITE_DIR=/absolute/path/to/blog (Scrapyd runs jobs in its own folder)",
                USAGE_ERROR,
            )
        return settings

    def nodes(self, specs: list[str], opts: argparse.Namespace) -> list[Node]:
        """The nodes named by ``specs`` (deploy targets or URLs), each bound to the command's
        deadline; an unknown target is one line and exit 1."""
        from hfpapers.scrapyd import ScrapydError, resolve_node

        deadline = self.started + opts.timeout
        try:
            nodes = [resolve_node(spec, opts.username, opts.password) for spec in specs]
        except ScrapydError as exc:
            self.fail(str(exc))
        for node in nodes:
            node.deadline = deadline
        return nodes

    @staticmethod
    def fail(message: str, status: int = COMMAND_FAILED) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(status)
