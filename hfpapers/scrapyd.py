"""Talking to Scrapyd nodes: scheduling crawls, spreading backfills, reading outcomes.

Scrapyd is the engine (queue, processes, logs); this module only calls its
JSON API through scrapyd-client's `ScrapydClient` and reads job logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import requests
from scrapyd_client.exceptions import ErrorResponse, MalformedResponse
from scrapyd_client.pyclient import ScrapydClient
from scrapyd_client.utils import get_config

from hfpapers.outcome import WRITTEN, RunRecord

logger = logging.getLogger(__name__)

PROJECT = "hfpapers"
SPIDER = "daily"
CHECK_TIMEOUT = 30.0
"""Seconds a node may take to list its spiders (Scrapyd runs `scrapy list` for it)."""
T = TypeVar("T")


class SchedulingError(Exception):
    """A Scrapyd node could not be used; the message is one line."""


@dataclass
class Node:
    name: str
    url: str
    username: str | None = None
    password: str | None = None
    client: ScrapydClient = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self.client = ScrapydClient(self.url, self.username, self.password or "")

    def __str__(self) -> str:
        return self.name if self.name == self.url else f"{self.name} ({self.url})"

    def call(self, what: str, action: Callable[[], T]) -> T:
        """Run one API call; any failure becomes a one-line `SchedulingError`."""
        try:
            return action()
        except requests.ConnectionError:
            raise SchedulingError(f"{self}: cannot reach Scrapyd to {what}") from None
        except MalformedResponse as exc:
            # Scrapyd answers a refused login with a plain-text 401 page.
            text = " ".join(str(exc).split())[:120]
            hint = " (check the username and password)" if "Unauthorized" in text else ""
            raise SchedulingError(f"{self}: Scrapyd refused to {what}: {text}{hint}") from None
        except ErrorResponse as exc:
            raise SchedulingError(f"{self}: Scrapyd refused to {what}: {exc}") from None

    def schedule(
        self, args: dict[str, str], settings: dict[str, str], project: str = PROJECT, spider: str = SPIDER
    ) -> str:
        form = list(args.items()) + [("setting", f"{k}={v}") for k, v in settings.items()]
        return self.call(f"schedule {spider}", lambda: self.client.schedule(project, spider, form))

    def problem(self, project: str = PROJECT, spider: str = SPIDER, timeout: float = CHECK_TIMEOUT) -> str:
        """Why this node cannot run ``spider`` of ``project`` now, or "" when it can.

        One listspiders.json call proves all of it: Scrapyd answers, takes our login, has
        the project, and can load its egg with its own Python and find the spider.
        scrapyd-client's calls have no timeout; this one must not hang on a silent host.
        """
        try:
            response = requests.get(
                f"{self.url}/listspiders.json", params={"project": project}, auth=self.client.auth,
                timeout=timeout,
            )  # fmt: skip
        except requests.Timeout:
            return f"no answer from Scrapyd within {timeout:g} s"
        except requests.ConnectionError:
            return "cannot reach Scrapyd"
        except requests.RequestException as exc:
            return f"cannot ask Scrapyd: {exc}"
        if response.status_code == 401:
            return "Scrapyd refused the login (check the username and password)"
        try:
            body = response.json()
        except ValueError:
            return f"answered HTTP {response.status_code} with no Scrapyd JSON (is it Scrapyd?)"
        if not isinstance(body, dict):
            return "answered with no Scrapyd JSON (is it Scrapyd?)"
        if body.get("status") != "ok":
            message = str(body.get("message", "")).strip()
            if message == f"project '{project}' not found":
                return f"project {project!r} is not deployed there (scrapyd-deploy)"
            # A failed `scrapy list` comes back as a whole traceback: its last line says why.
            last = message.splitlines()[-1] if message else "no reason given"
            return f"Scrapyd cannot load project {project!r}: {last[:200]}"
        if spider not in body.get("spiders", []):
            return f"project {project!r} there has no spider {spider!r} (deploy the current egg)"
        return ""

    def jobs(self, project: str = PROJECT) -> dict[str, Any]:
        return self.call("list jobs", lambda: self.client.jobs(project))

    def log(self, log_url: str) -> str:
        """A job's log (a path on this node). Without a username, requests reads ~/.netrc,
        as scrapyd-client does."""
        url = self.url + log_url
        auth = (self.username, self.password or "") if self.username else None
        try:
            response = requests.get(url, auth=auth, timeout=30)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise SchedulingError(f"{self}: cannot read the job log {log_url}: {exc}") from None
        return response.content.decode("utf-8", "replace")


def resolve_node(spec: str, username: str | None = None, password: str | None = None) -> Node:
    """A node from a URL or from a ``[deploy:NAME]`` target of scrapy.cfg."""
    if "://" in spec:
        return Node(spec, spec, username, password)
    config = get_config()
    section = f"deploy:{spec}"
    if not config.has_section(section):
        known = ", ".join(s[7:] for s in config.sections() if s.startswith("deploy:")) or "none"
        raise SchedulingError(f"node: no deploy target {spec!r} in scrapy.cfg (targets: {known})")

    def value(key: str) -> str | None:
        raw = config.get(section, key, fallback="") or ""
        # An unset ${VARIABLE} stays as written: treat it as not given.
        return None if not raw or raw.startswith("${") else raw

    url = value("url")
    if not url:
        raise SchedulingError(f"node: deploy target {spec!r} has no url")
    return Node(spec, url, username or value("username"), password or value("password"))


def check_nodes(nodes: list[Node], project: str = PROJECT, spider: str = SPIDER) -> None:
    """Ask every node at once whether it can run the job; one `SchedulingError` naming each that cannot.

    A backfill schedules only when every node can take its chunk: otherwise part of the
    range would run unwatched and the rest never be queued.
    """
    with ThreadPoolExecutor(max_workers=min(len(nodes), 16) or 1) as pool:
        problems = list(pool.map(lambda node: node.problem(project, spider), nodes))
    bad = [f"{node}: {problem}" for node, problem in zip(nodes, problems, strict=True) if problem]
    if bad:
        raise SchedulingError("nothing scheduled: " + "; ".join(bad))


def split_range(start: date, end: date, parts: int) -> list[tuple[date, date]]:
    """Contiguous chunks of nearly equal length, in order, at most ``parts`` of them."""
    days = (end - start).days + 1
    parts = max(1, min(parts, days))
    size, extra = divmod(days, parts)
    chunks, first = [], start
    for n in range(parts):
        last = first + timedelta(size + (1 if n < extra else 0) - 1)
        chunks.append((first, last))
        first = last + timedelta(1)
    return chunks


@dataclass
class Job:
    node: Node
    job_id: str
    start: date
    end: date
    record: RunRecord | None = None
    problem: str = ""
    """Why there is no record: the job crashed, or was still running at the timeout."""

    @property
    def ok(self) -> bool:
        return self.record is not None and self.record.ok

    def read_record(self, log_url: object) -> None:
        """The job's RunRecord from its log; it must cover exactly the job's days."""
        if not isinstance(log_url, str) or not log_url.startswith("/"):
            # None: the node keeps no logs. A full URL could send our login to another host.
            self.problem = f"no job log to read (Scrapyd gave log_url {log_url!r}; is logs_dir set?)"
            return
        record = RunRecord.from_log(self.node.log(log_url))
        if record is None:
            self.problem = "the job ended without a run record (it crashed or never started)"
            return
        days = {(self.start + timedelta(n)).isoformat() for n in range((self.end - self.start).days + 1)}
        if {outcome.key for outcome in record.lists} != days:
            self.problem = "the job's run record does not cover its days"
            return
        self.record = record

    def report(self) -> list[str]:
        """One line for the job, then one per list that failed and why."""
        head = f"{self.node}: {self.start} to {self.end}: job {self.job_id}"
        if self.record is None:
            return [f"{head}: failed: {self.problem}"]
        count = self.record.count(WRITTEN)
        written = f"{count} list{'' if count == 1 else 's'} written"
        if self.record.ok:
            return [f"{head}: ok ({written})"]
        lines = [f"{head}: failed ({written})"]
        lines += [f"  {problem}" for problem in self.record.problems()]
        return lines


def wait_for(jobs: list[Job], poll: float, timeout: float, project: str = PROJECT) -> None:
    """Poll each node's listjobs.json until every job finished; read each outcome from its log."""
    deadline = time.monotonic() + timeout
    waiting = list(jobs)
    while waiting:
        for node in {id(j.node): j.node for j in waiting}.values():
            finished = {f["id"]: f for f in node.jobs(project).get("finished", [])}
            for job in [j for j in waiting if j.node is node and j.job_id in finished]:
                job.read_record(finished[job.job_id].get("log_url"))
                waiting.remove(job)
        if waiting:
            if time.monotonic() > deadline:
                for job in waiting:
                    job.problem = "still running at the timeout"
                return
            time.sleep(poll)
