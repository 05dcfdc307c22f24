"""`scrapy jobs`: the recent Scrapyd jobs on the nodes, each with its run's outcome.

Scrapyd lists a crawl that failed as ``finished``, like a good one: the outcome is
only in the job's log, as its run record. This reads it (the end of each log,
bounded) for every job that finished within ``--since``, and exits 1 when any job
failed, ended without a record, or a node could not be asked: what cron (which
mails what it prints, with ``--quiet`` only then) and a systemd timer (a failed
unit) need to tell the owner.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from hfpapers.checks import USAGE_ERROR
from hfpapers.scrapyd_cli import COMMAND_FAILED, ScrapydCommand

HEADINGS = ["node", "spider", "lists", "started", "ended", "outcome"]


class Command(ScrapydCommand):
    timeout = 120.0

    def syntax(self) -> str:
        return "[--node NAME|URL ...] [--since 1d] [--quiet]"

    def short_desc(self) -> str:
        return "List recent Scrapyd jobs with each run's outcome (exit 1 when any failed)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--node",
            action="append",
            default=[],
            help="deploy target in scrapy.cfg or Scrapyd URL (repeat; default: local)",
        )
        parser.add_argument(
            "--since",
            default="1d",
            help="jobs that finished within 30m, 12h, 2d, 1w... by the node's clock (default 1d);"
            " queued and running jobs are always listed",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="print nothing when every job is ok, running or queued (for cron)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from hfpapers.monitor import PROBLEMS, recent_jobs, since_cutoff
        from hfpapers.scrapyd import ScrapydError, each_node, one_line

        now = datetime.now().replace(microsecond=0)
        try:
            since = since_cutoff(opts.since, now)
        except ValueError as exc:
            self.fail(f"since: {exc}", USAGE_ERROR)
        nodes = self.nodes(opts.node or ["local"], opts)

        def survey(node: Any) -> tuple[list[Any], int, str]:
            try:
                return (*recent_jobs(node, opts.project, since), "")
            except ScrapydError as exc:
                return [], 0, f"{node}: {exc}"

        rows, notes, problems = [], [], 0
        for node, (jobs, unreadable, error) in zip(nodes, each_node(nodes, survey), strict=True):
            if error:
                notes.append(error)
                problems += 1
            if unreadable:
                notes.append(f"{node}: {unreadable} entries of listjobs.json unreadable, passed over")
                problems += 1
            rows.extend(jobs)
        counts: dict[str, int] = {}
        for job in rows:
            counts[job.outcome] = counts.get(job.outcome, 0) + 1
        problems += sum(counts.get(outcome, 0) for outcome in PROBLEMS)
        if problems:
            self.exitcode = COMMAND_FAILED
        elif opts.quiet:
            return
        table = [HEADINGS] + [job.columns() for job in rows]
        widths = [max(len(row[n]) for row in table) for n in range(len(HEADINGS) - 1)]
        for job, row in zip([None, *rows], table, strict=True):
            print(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                + "  "
                + row[-1]
            )
            if job is not None and job.outcome in PROBLEMS:
                log_url = job.entry.get("log_url")
                if isinstance(log_url, str) and log_url.startswith("/"):
                    print(f"  log: {job.node.url}{one_line(log_url, 200)}")
        for note in notes:
            print(note)
        tally = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none"
        nodes_said = f"{len(nodes)} node{'' if len(nodes) == 1 else 's'}"
        print(f"jobs since {since:%Y-%m-%d %H:%M} on {nodes_said}: {tally}")
