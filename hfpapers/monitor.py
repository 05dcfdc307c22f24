"""What became of the Scrapyd jobs: each job a node lists, with its run's outcome (`scrapy jobs`).

Scrapyd lists a crawl that failed as ``finished``, like a good one; the outcome is only in
the job's log, as its run record, read here from the end of each log (bounded, as every
call to a node is: `hfpapers.scrapyd`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hfpapers.outcome import WRITTEN, RunRecord
from hfpapers.scrapyd import STATES, Node, ScrapydError, one_line, read_record

OK, FAILED, NO_RECORD, RUNNING, PENDING = "ok", "failed", "no record", "running", "pending"
PROBLEMS = (FAILED, NO_RECORD)
"""The outcomes that make `scrapy jobs` exit 1."""
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
MAX_LOGS_READ = 200
"""Job logs read per node at most (Scrapyd keeps the last 100 finished jobs by default)."""


@dataclass
class SeenJob:
    """A job a node lists, with its run's outcome as its log's run record says."""

    node: Node
    state: str
    """``pending``, ``running`` or ``finished``, as listjobs.json has it."""
    entry: dict[str, Any]
    record: RunRecord | None = None
    problem: str = ""
    """Why a finished job has no record."""

    @property
    def job_id(self) -> str:
        return str(self.entry["id"])

    @property
    def outcome(self) -> str:
        if self.state != "finished":
            return RUNNING if self.state == "running" else PENDING
        if self.record is None:
            return NO_RECORD
        return OK if self.record.ok else FAILED

    def time(self, key: str) -> str:
        """``start_time``/``end_time`` to the second (Scrapyd's str(datetime), the node's clock)."""
        value = self.entry.get(key)
        if value is None or value == "None":
            return ""
        match = _TIME_RE.match(str(value))
        return match[0] if match else one_line(value, 26)

    def what(self) -> str:
        """What the job covers: the lists of its record, else its arguments as queued."""
        if self.record is not None and self.record.lists:
            keys = [outcome.key for outcome in self.record.lists]
            return keys[0] if len(keys) == 1 else f"{keys[0]} to {keys[-1]} ({len(keys)} lists)"
        args = self.entry.get("args")
        if isinstance(args, dict) and args:
            return one_line(" ".join(f"{k}={v}" for k, v in args.items() if not str(k).startswith("_")), 60)
        return "-"

    def result(self) -> str:
        outcome = self.outcome
        if outcome == OK:
            assert self.record is not None
            count = self.record.count(WRITTEN)
            return f"ok ({count} list{'' if count == 1 else 's'} written)"
        if outcome == FAILED:
            assert self.record is not None
            return f"failed ({one_line('; '.join(self.record.problems()), 400)})"
        if outcome == NO_RECORD:
            return f"no record ({self.problem})"
        return outcome

    def columns(self) -> list[str]:
        spider = one_line(self.entry.get("spider", "?"), 30)
        return [
            self.node.name,
            spider,
            self.what(),
            self.time("start_time"),
            self.time("end_time"),
            self.result(),
        ]


def since_cutoff(text: str, now: datetime) -> datetime:
    """``2d``, ``12h``, ``30m``, ``1w`` before ``now``; ValueError for anything else."""
    match = re.fullmatch(r"(\d{1,4})([mhdw])", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a span such as 30m, 12h, 2d or 1w")
    unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match[2]]
    return now - timedelta(**{unit: int(match[1])})


def recent_jobs(node: Node, project: str, since: datetime) -> tuple[list[SeenJob], int]:
    """The node's queued and running jobs, and those that finished since ``since`` (by the
    node's clock) with their run records, and how many entries of its list were unreadable;
    `ScrapydError` when the node cannot be asked."""
    listing = node.jobs(project)
    seen = [SeenJob(node, state, entry) for state in STATES for entry in getattr(listing, state)]
    recent = [job for job in seen if job.state != "finished" or not _ended_before(job, since)]
    recent.sort(key=lambda job: (job.state == "pending", job.time("start_time")))
    finished = [job for job in recent if job.state == "finished"]
    for count, job in enumerate(reversed(finished)):  # the latest first
        if count >= MAX_LOGS_READ:
            job.problem = f"log not read: over {MAX_LOGS_READ} jobs finished within the span (narrow --since)"
            continue
        try:
            job.record = read_record(node, job.entry.get("log_url"), listing.keeps_logs)
        except ScrapydError as exc:
            job.problem = str(exc)
    return recent, listing.unreadable


def _ended_before(job: SeenJob, since: datetime) -> bool:
    try:
        return datetime.fromisoformat(job.time("end_time")) < since
    except ValueError:
        return False  # no end time Scrapyd would give: listed, not passed over
