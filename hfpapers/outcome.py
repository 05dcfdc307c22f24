"""`RunRecord`: what became of each list of a run, as data.

The `RunLedger` makes it (with what the `ListWriter`, the summaries cache and
the `GitPublisher` return), the run report logs it, the `crawl` command's
exit status and last line follow it, and the Scrapyd `backfill` command reads
it back from a job's log (the line ``Run record: {json}``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from hfpapers.periods import Period, from_key
from hfpapers.safeio import loads_bounded

RECORD_PREFIX = "Run record: "
# The run report's line in Scrapy's LOG_FORMAT: "… [hfpapers.run_report] INFO: Run record: {…}".
# A job of an older egg logs it as hfpapers.run_summary or hfpapers.summary: a backfill reads
# those jobs too.
_LOGGED_RE = re.compile(
    r"\[hfpapers\.(?:run_report|run_summary|summary)\] [A-Z]+: " + re.escape(RECORD_PREFIX)
)
# A record read back from a Scrapyd log comes over the network: a 1,000-day backfill's is ~300 kB.
MAX_RECORD_BYTES = 16 * 1024 * 1024

WRITTEN = "written"  # post and data file in place
KEPT = "kept"  # the existing post is better (fewer papers this time) or the owner's: left as it was
EMPTY = "empty"  # no papers (a weekend): nothing to write
FAILED = "failed"  # something went wrong for this list: its existing files left as they were
STATUSES = (WRITTEN, KEPT, EMPTY, FAILED)


@dataclass
class ListOutcome:
    kind: str
    """``daily``, ``weekly`` or ``monthly``."""
    key: str
    """``2026-02-18``, ``2026-W08``, ``2026-02``."""
    status: str
    """One of `STATUSES`."""
    reason: str = ""
    """Why it failed or was kept (one line)."""
    papers: int = 0
    """Papers in the post written."""
    arxiv_kept: int = 0
    """Of those, the papers that kept the arXiv data of the post replaced (arXiv gave none)."""
    files: list[str] = field(default_factory=list)
    """Absolute paths of the files written."""
    removed: list[str] = field(default_factory=list)
    """Absolute paths of the old posts the new one replaced."""
    commit: str = ""
    """The commit message, when the publisher committed the files."""
    written: dict[str, str] = field(default_factory=dict)
    """Absolute path -> sha256 (hex) of each file exactly as this run wrote it: what the
    publisher may commit (a file that differs on disk by then was changed by someone else)."""
    before: dict[str, str | None] = field(default_factory=dict)
    """Absolute path -> sha256 (hex) of each written or removed file as it was just before
    this run replaced it (None: there was none): what the remote may still hold."""
    period: Period | None = field(default=None, compare=False, repr=False)
    """The list itself (it knows its files, title and commit message); not in the JSON."""


@dataclass
class Published:
    """What the publisher did with a record (`GitPublisher.publish` returns it)."""

    commits: dict[str, str] = field(default_factory=dict)
    """List key -> the message of the commit holding its files."""
    error: str = ""
    """Why publishing failed ("" when it did not)."""


@dataclass
class RunRecord:
    finish_reason: str
    lists: list[ListOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Errors no list could be blamed for: each fails the whole run."""
    publish_error: str = ""
    shared_files: list[str] = field(default_factory=list)
    """Files the run wrote for all its lists (the summaries cache): committed after the lists'."""
    summaries_shown: int = 0
    """Papers shown that were to have a Korean summary (0: summaries off)."""
    summaries_missing: int = 0
    """Of those, the ones posted without one: no error, but the last line says so."""
    summaries_missing_why: str = ""
    """The commonest reason they are missing."""

    @property
    def failed_lists(self) -> list[ListOutcome]:
        return [outcome for outcome in self.lists if outcome.status == FAILED]

    @property
    def ok(self) -> bool:
        return (
            self.finish_reason == "finished"
            and not self.failed_lists
            and not self.errors
            and not self.publish_error
        )

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.lists)

    def problems(self) -> list[str]:
        """One line per reason the run failed."""
        lines = []
        if self.finish_reason != "finished":
            lines.append(f"finish reason {self.finish_reason}")
        lines += [
            outcome.reason if outcome.key in outcome.reason else f"{outcome.key}: {outcome.reason}"
            for outcome in self.failed_lists
        ]
        lines += [f"error: {error}" for error in self.errors]
        if self.publish_error:
            lines.append(f"publishing: {self.publish_error}")
        return lines

    def notes(self) -> list[str]:
        """What a run that went well should still say: the posts written with earlier arXiv data."""
        return [
            f"{outcome.key}: {outcome.arxiv_kept} papers keep the earlier post's arXiv data (arXiv gave none)"
            for outcome in self.lists
            if outcome.status == WRITTEN and outcome.arxiv_kept
        ]

    def without_summaries(self) -> str:
        """``without Korean summaries for 13 of 13 papers: why``, or "" when none is missing."""
        if not self.summaries_missing:
            return ""
        why = f": {self.summaries_missing_why}" if self.summaries_missing_why else ""
        return f"without Korean summaries for {self.summaries_missing} of {self.summaries_shown} papers{why}"

    def to_json(self) -> str:
        data = asdict(self)
        for outcome in data["lists"]:
            del outcome["period"]
        return json.dumps({"ok": self.ok, **data}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        """Raises ValueError when ``text`` is not a record (also one nested too deeply to read)."""
        data: Any = loads_bounded(text, max_bytes=MAX_RECORD_BYTES)
        if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
            raise ValueError("not a run record")
        try:
            record = cls(
                finish_reason=str(data["finish_reason"]),
                lists=[_outcome(outcome) for outcome in data["lists"]],
                errors=[str(e) for e in data.get("errors", [])],
                publish_error=str(data.get("publish_error", "")),
                shared_files=[str(f) for f in data.get("shared_files", [])],
                summaries_shown=_count(data.get("summaries_shown", 0)),
                summaries_missing=_count(data.get("summaries_missing", 0)),
                summaries_missing_why=str(data.get("summaries_missing_why", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a run record: {exc}") from None
        unknown = {o.status for o in record.lists} - set(STATUSES)
        if unknown:
            raise ValueError(f"not a run record: unknown status {sorted(unknown)}")
        return record

    @classmethod
    def from_log(cls, log: str) -> RunRecord | None:
        """The last record a job's log holds, or None (the job crashed before it).

        Only a line the run report logged counts: crawled text quoted elsewhere in
        the log (a title that reads ``Run record: {…}``) does not.
        """
        for line in reversed(log.splitlines()):
            marker = _LOGGED_RE.search(line)
            if marker:
                try:
                    return cls.from_json(line[marker.end() :])
                except ValueError:
                    continue
        return None


def _count(value: Any) -> int:
    """A count as the record writes it: a whole number, never a float (JSON's 1e400 is
    infinity, which int() refuses with an OverflowError), a bool or a string."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(f"{str(value)[:40]!r} is not a count")


def _outcome(data: Any) -> ListOutcome:
    outcome = ListOutcome(**{k: v for k, v in data.items() if k != "period"})
    outcome.papers, outcome.arxiv_kept = _count(outcome.papers), _count(outcome.arxiv_kept)
    outcome.period = from_key(outcome.kind, outcome.key)
    return outcome
