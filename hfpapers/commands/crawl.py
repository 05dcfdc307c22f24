"""`scrapy crawl` that tells the scheduler the truth in its exit status.

Scrapy's own command exits 0 when callbacks or pipelines fail
(scrapy/scrapy#1231). This one exits 2 for bad arguments or settings (one
line on stderr, before Scrapy starts or sends any request) and 1 when the
run failed: a list failed, an error no list caused, an unclean finish, or
publishing (the ``hfpapers/outcome`` stat that `RunLedger` sets).
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import gc
import logging
import re
import signal
import sys
from collections.abc import Awaitable
from typing import Any

from scrapy.commands import ScrapyHelpFormatter
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.spiderloader import SpiderLoader
from twisted.internet.defer import Deferred

from hfpapers.args import COMMON_ARGUMENTS, PERIOD_ARGUMENTS, ArgumentError
from hfpapers.checks import USAGE_ERROR, check_typed_objects
from hfpapers.ledger import RunLedger
from hfpapers.periods import KINDS
from hfpapers.run_report import log_outcome
from hfpapers.spiders.papers import PapersSpider

# The settings a first run is likely to need; docs/settings.md has them all.
MAIN_SETTINGS = {
    "SITE_DIR": "the Jekyll site the posts and data files go into (required)",
    "POST_TIMEZONE": "the time zone of the posts' times (POST_TIME, POST_TIME_WEEKLY, ...)",
    "POST_PERMALINK": "each post's URL ({slug}, {key}, {kind}; empty: none)",
    "SUMMARY_API_URL": "an OpenAI-compatible endpoint for Korean summaries (empty: none)",
    "SUMMARY_MODEL": "its model (the key: the SUMMARY_API_KEY environment variable)",
    "PUBLISH_GIT": "commit what the run wrote (SITE_DIR a git work tree)",
    "PUBLISH_PUSH": "push the commit (to PUBLISH_GIT_REMOTE, PUBLISH_GIT_BRANCH)",
    "HF_PAGE_DELAY": "seconds between Hugging Face requests",
}


def _argument_shaped_like(word: str) -> str:
    """The spider argument a word looks like a value of: ``date``, ``week``, ``month`` or ""."""
    for pattern, argument in (
        (r"\d{4}-\d{2}-\d{2}", "date"),
        (r"\d{4}-W\d{2}", "week"),
        (r"\d{4}-\d{2}", "month"),
    ):
        if re.fullmatch(pattern, word):
            return argument
    return ""


def _start_errors(started: Awaitable[Any]) -> list[BaseException]:
    """The error a crawl that failed to start raised (an `ArgumentError` of the spider's
    checks, or Scrapy's own for a setting it cannot use: a class path that names nothing, a
    list it cannot read), once it has; empty for a crawl that ran. Taken from Scrapy's task,
    so that neither Scrapy nor asyncio logs it again as a traceback."""
    errors: list[BaseException] = []

    def keep(error: BaseException | None) -> None:
        if error is not None:
            errors.append(error)

    if isinstance(started, Deferred):  # CrawlerProcess
        started.addErrback(lambda failure: keep(failure.value))
    elif isinstance(started, asyncio.Future):  # AsyncCrawlerProcess: a Task
        started.add_done_callback(lambda task: None if task.cancelled() else keep(task.exception()))
    return errors


def _why_not_started(error: BaseException) -> str:
    """One line for the error that kept a crawl from starting."""
    text = " ".join(str(error).split())
    return f"the crawl could not start: {type(error).__name__}" + (f": {text[:300]}" if text else "")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, ScrapyHelpFormatter):
    """Scrapy's headings, with the sections below laid out as written (not refilled)."""


class Command(ScrapyCrawl):
    def syntax(self) -> str:
        return "[options] daily|weekly|monthly"

    def short_desc(self) -> str:
        return "Crawl Hugging Face Daily Papers into a Jekyll post (exit 2: bad input, 1: the run failed)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        assert self.settings is not None
        parser.formatter_class = _HelpFormatter
        parser.add_argument_group("spider arguments", self._arguments_help())
        parser.add_argument_group("main settings", self._settings_help())

    @staticmethod
    def _arguments_help() -> str:
        lines = []
        for spider, arguments in [*PERIOD_ARGUMENTS.items(), ("all:", COMMON_ARGUMENTS)]:
            label = spider if spider == "all:" else f"{spider}:"
            for name, text in arguments.items():
                form, what = text.split(": ", 1)
                lines.append(f"{label:<9} -a {name + '=' + form:<18} {what}")
                label = ""
        return "\n".join(lines)

    def _settings_help(self) -> str:
        assert self.settings is not None
        # Read before the -s options are applied: the project's defaults.
        lines = ["-s NAME=VALUE (every setting: docs/settings.md), default in brackets:"]
        for name, what in MAIN_SETTINGS.items():
            default = self.settings.get(name)
            lines.append(f"{name:<17} {what}" + (f" [{default}]" if default != "" else ""))
        return "\n".join(lines)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        slip = self._slip(args)
        if slip:
            print(f"error: {slip}", file=sys.stderr)
            sys.exit(USAGE_ERROR)
        try:
            check_typed_objects(opts.set)
        except ArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(USAGE_ERROR)
        super().process_options(args, opts)
        assert self.settings is not None
        spidercls = self._spider_class(args)
        if spidercls is not None:
            try:
                spidercls.plan(opts.spargs, self.settings)
            except ArgumentError as exc:
                print(f"error: {exc}", file=sys.stderr)
                sys.exit(USAGE_ERROR)

    def _slip(self, args: list[str]) -> str:
        """What is wrong with the words Scrapy's parser left over, naming what to type; "" if nothing.

        Scrapy reads them as spider names: an unknown one ends in a traceback (``KeyError:
        'Spider not found: dialy'``), and an option it does not know (``--date 2026-02-18``,
        as `scrapy schedule` takes it) or a second word in ``running 'scrapy crawl' with more
        than one spider is not supported``.
        """
        assert self.settings is not None
        words = [arg for arg in args if not arg.startswith("-")]
        for index, arg in enumerate(args):
            if arg.startswith("-") and len(arg) > 1:
                name, has_value, value = arg.lstrip("-").partition("=")
                if not has_value and index + 1 < len(args) and not args[index + 1].startswith("-"):
                    value = args[index + 1]
                    words.remove(value)
                return self._option_slip(arg.split("=", 1)[0], name, value)
        if not words:
            return ""  # Scrapy's usage line
        names = SpiderLoader.from_settings(self.settings).list()
        names.sort(key=lambda name: (list(KINDS).index(name) if name in KINDS else len(KINDS), name))
        if words[0] not in names:
            close = difflib.get_close_matches(words[0].lower(), names, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"no spider {words[0]!r}{hint}; spiders: {', '.join(names)}"
        if len(words) > 1:
            argument = _argument_shaped_like(words[1])
            if argument:
                return f"scrapy crawl takes one spider; give {words[1]!r} as -a {argument}={words[1]}"
            return f"scrapy crawl takes one spider ({', '.join(names)}), not {' '.join(words)!r}"
        return ""

    def _option_slip(self, option: str, name: str, value: str) -> str:
        assert self.settings is not None
        argument = name.replace("-", "_").lower()
        if argument in {name for arguments in PERIOD_ARGUMENTS.values() for name in arguments} | set(
            COMMON_ARGUMENTS
        ):
            return (
                f"scrapy crawl takes spider arguments as -a NAME=VALUE: use -a {argument}={value or 'VALUE'}"
            )
        setting = name.replace("-", "_").upper()
        if setting in self.settings:
            return f"scrapy crawl takes settings as -s NAME=VALUE: use -s {setting}={value or 'VALUE'}"
        return (
            f"scrapy crawl has no option {option}: spider arguments are -a NAME=VALUE, settings -s NAME=VALUE"
            " (scrapy crawl daily --help lists them)"
        )

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
        errors = _start_errors(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        # The run is over: a stop signal now (systemd's second SIGTERM) has nothing left to
        # stop, and must not cut the last line or turn the exit status into the signal's.
        # Ignored, not handled: Python resets handled signals to their default at exit.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)
        if errors and isinstance(errors[0], ArgumentError):
            # The spider's own check, which reads the site again once Scrapy has opened
            # LOG_FILE (one there can turn _posts into a file), refused what the command's passed.
            print(f"error: {errors[0]}", file=sys.stderr)
            self.exitcode = USAGE_ERROR
            return
        if errors:
            self.exitcode = 1
            # The traceback for whoever debugs it (LOG_LEVEL=DEBUG); the last line names it.
            logging.getLogger(__name__).debug("The crawl could not start", exc_info=errors[0])
            log_outcome(None, _why_not_started(errors[0]))
            return
        outcome = crawler.stats.get_value("hfpapers/outcome") if crawler.stats is not None else None
        if self.crawler_process.bootstrap_failed or outcome != "ok":
            self.exitcode = 1
        # After Scrapy's stats and "Spider closed": the line a reader sees last.
        log_outcome(RunLedger.of(crawler).record if hasattr(crawler, "run_ledger") else None)
        # Nothing needs collecting at exit: spare the interpreter's final garbage collection.
        gc.freeze()
