"""Talking to Scrapyd nodes: scheduling crawls, spreading backfills, reading outcomes.

Scrapyd is the engine (queue, processes, logs); this module calls its JSON API
and reads job logs, and believes neither: every call has a connect and an
answer timeout, a byte cap and the command's deadline (`Node.deadline`), and
a node's malformed answer is one line for that node or job (`ScrapydError`),
never a traceback.

Imported only when a Scrapyd command runs: Scrapy imports every command
module for every command, crawls included, and the HTTP client is not free.
"""

from __future__ import annotations

import collections
import math
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
import urllib3
from requests.auth import AuthBase
from scrapyd_client.utils import get_auth, get_config

from hfpapers.credentials import mask_credentials
from hfpapers.outcome import WRITTEN, RunRecord
from hfpapers.safeio import UnsafeInputError, loads_bounded

SPIDER = "daily"
"""The spider a backfill runs: ``daily`` with ``start`` and ``end``."""
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a node to take the connection."""
CALL_TIMEOUT = 30.0
"""Seconds one call may take, its whole answer included (Scrapyd runs `scrapy list` to answer
listspiders.json); never past the node's deadline."""
MAX_JSON_BYTES = 8 * 1024 * 1024
"""The largest API answer read: listjobs.json with a thousand queued jobs is well under 1 MiB."""
LOG_TAIL_BYTES = 4 * 1024 * 1024
"""The end of a job log that is read: the run record (about 400 kB for every day since
FIRST_DAY) and Scrapy's stats after it."""
MAX_LOG_BYTES = 64 * 1024 * 1024
"""Read at most this much of a log that a node sends whole (it ignores Range)."""
PROJECT_CFG = Path(__file__).resolve().parent.parent / "scrapy.cfg"
"""The checkout's scrapy.cfg, whose deploy targets count wherever the command runs."""
_CHUNK = 64 * 1024
# Scrapyd's own job ids are uuid1().hex; anything else from a node is not shown or asked about.
_JOB_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
STATES = ("pending", "running", "finished")


class ScrapydError(Exception):
    """A Scrapyd node could not be used, or answered what no Scrapyd answers; one line."""


class OutOfTimeError(ScrapydError):
    """The command's deadline passed before the call could start."""


_TERMINAL_ESCAPE_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")


def one_line(text: object, limit: int = 300) -> str:
    """Text from a node as one printable line: no terminal escapes, control or bidi
    characters, whitespace collapsed, at most ``limit`` characters."""
    plain = _TERMINAL_ESCAPE_RE.sub("", str(text))
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in plain)
    line = " ".join(kept.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str]


def _seconds(value: float) -> str:
    return f"{value:.3g} s"


def _size(count: int) -> str:
    return f"{count / (1 << 20):g} MiB" if count >= 1 << 20 else f"{count / 1024:g} KiB"


# Everything from after "://" to the last "@" of a URL whose host part holds no "@".
_LOGIN_FURTHER_RE = re.compile(r"(?<=://).*@", re.S)


def split_login(url: str) -> tuple[str, str | None, str | None]:
    """``http://user:pass@host:port/`` -> (``http://host:port/``, user, pass), decoded; the
    URL as it is, and no login, when it has none. A URL too broken to split keeps no login
    either: its user part is masked, and the request fails on its own."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_credentials(url), None, None
    login, at, host = parts.netloc.rpartition("@")
    if not at:
        # A login whose password holds "#", "/" or "?" (not percent-encoded) ends the host
        # part early: the "@" is then further on, and all before it is masked.
        return (_LOGIN_FURTHER_RE.sub("***@", url) if "@" in url else url), None, None
    user, colon, password = login.partition(":")
    plain = urlunsplit(parts._replace(netloc=host))
    return plain, unquote(user) or None, unquote(password) if colon else None


@dataclass
class Node:
    """A Scrapyd node. A login in its URL (``http://user:pass@host``) is taken out of it as
    its username and password, unless given apart: the URL and name are shown in every line
    and log URL, the login never."""

    name: str
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    deadline: float = math.inf
    """`time.monotonic()` after which no call to this node starts or goes on (the command's
    ``--timeout``)."""
    log_tail: int = LOG_TAIL_BYTES
    """How much of a job log's end is read."""
    auth: AuthBase | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        url, user, password = split_login(self.url)
        if self.name == self.url:
            self.name = url.rstrip("/")
        self.url = url.rstrip("/")
        if not self.username:
            self.username, self.password = user, password if user else self.password
        # scrapyd-client's rule, as for scrapyd-deploy: the given user, else ~/.netrc.
        self.auth = get_auth(self.url, self.username or "", self.password or "")

    def __str__(self) -> str:
        return self.name if self.name == self.url else f"{self.name} ({self.url})"

    # --- one bounded HTTP exchange ---------------------------------------------------

    def fetch(
        self,
        method: str,
        path: str,
        *,
        limit: int,
        tail: bool = False,
        params: dict[str, str] | None = None,
        data: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> _Answer:
        """One request to the node, within `CALL_TIMEOUT` and the deadline, its answer at most
        ``limit`` bytes (with ``tail``: its last ``limit`` bytes, of at most `MAX_LOG_BYTES`).

        The exchange runs in a daemon thread that the caller stops waiting for at the bound:
        requests' timeouts apply to each read, so a node that trickles its headers or its
        body would hold a plain call for ever. Raises `ScrapydError` with the reason alone.
        """
        budget = min(CALL_TIMEOUT, self.deadline - time.monotonic())
        if budget <= 0:
            raise OutOfTimeError("out of time (--timeout)")
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["answer"] = self._exchange(method, path, budget, limit, tail, params, data, headers)
            except ScrapydError as exc:
                outcome["error"] = exc
            except Exception as exc:  # whatever the client raised becomes one line
                outcome["error"] = ScrapydError(f"cannot ask Scrapyd: {one_line(exc, 200)}")

        thread = threading.Thread(target=run, name=f"scrapyd {self.url}", daemon=True)
        thread.start()
        # A little past the budget: the exchange stops itself then, with its own reason.
        thread.join(budget + 0.5)
        if "answer" in outcome:
            answer: _Answer = outcome["answer"]
            return answer
        if "error" in outcome:
            raise outcome["error"]
        raise ScrapydError(f"no whole answer within {_seconds(budget)}")

    def _exchange(
        self,
        method: str,
        path: str,
        budget: float,
        limit: int,
        tail: bool,
        params: dict[str, str] | None,
        data: list[tuple[str, str]] | None,
        headers: dict[str, str] | None,
    ) -> _Answer:
        ends = time.monotonic() + budget
        try:
            response = requests.request(
                method,
                self.url + path,
                params=params,
                data=data,
                # Compressed answers would grow past the cap after it was checked.
                headers={"Accept-Encoding": "identity", **(headers or {})},
                auth=self.auth,
                timeout=(min(CONNECT_TIMEOUT, budget), budget),
                stream=True,
                # A redirect could take the login elsewhere; Scrapyd never redirects its API.
                allow_redirects=False,
            )
        except requests.Timeout:
            raise ScrapydError(f"no answer within {_seconds(budget)}") from None
        except requests.ConnectionError:
            raise ScrapydError("cannot reach Scrapyd") from None
        with response:
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise ScrapydError(f"answered with Content-Encoding {one_line(repr(encoding), 40)}")
            chunks: collections.deque[bytes] = collections.deque()
            kept = total = 0
            try:
                for chunk in response.raw.stream(_CHUNK, decode_content=False):
                    chunks.append(chunk)
                    kept += len(chunk)
                    total += len(chunk)
                    if tail:
                        while kept - len(chunks[0]) >= limit:
                            kept -= len(chunks.popleft())
                        if total > MAX_LOG_BYTES:
                            raise ScrapydError(f"answer over {_size(MAX_LOG_BYTES)}")
                    elif total > limit:
                        raise ScrapydError(f"answer over {_size(limit)}")
                    if time.monotonic() > ends:
                        raise ScrapydError(f"answer not whole within {_seconds(budget)}")
            except urllib3.exceptions.ReadTimeoutError:
                raise ScrapydError(f"answer stalled for {_seconds(budget)}") from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise ScrapydError(f"answer broke off: {one_line(exc, 120)}") from None
            body = b"".join(chunks)
            return _Answer(response.status_code, body[-limit:] if tail else body, dict(response.headers))

    # --- the JSON API ------------------------------------------------------------------

    def api(
        self,
        what: str,
        endpoint: str,
        params: dict[str, str] | None = None,
        data: list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        """One call of Scrapyd's JSON API: its answer when ``status`` is ``ok``; otherwise a
        `ScrapydError` saying why (``what`` names the call; the caller names the node)."""
        method = "GET" if data is None else "POST"
        try:
            answer = self.fetch(method, f"/{endpoint}", limit=MAX_JSON_BYTES, params=params, data=data)
        except OutOfTimeError:
            raise
        except ScrapydError as exc:
            raise ScrapydError(f"cannot {what}: {exc}") from None
        if answer.status == 401:
            raise ScrapydError(f"Scrapyd refused to {what}: HTTP 401 (check the username and password)")
        try:
            body = loads_bounded(answer.body, max_bytes=MAX_JSON_BYTES)
        except (ValueError, UnsafeInputError):
            body = None
        if not isinstance(body, dict):
            raise ScrapydError(
                f"cannot {what}: answered {endpoint} with HTTP {answer.status} and no Scrapyd JSON"
                " (is it Scrapyd?)"
            )
        status = body.get("status")
        if status == "error":
            raise ScrapydError(f"Scrapyd refused to {what}: {one_line(body.get('message', ''), 200)}")
        if status != "ok":
            raise ScrapydError(
                f"cannot {what}: answered {endpoint} with status {one_line(repr(status), 40)}, not 'ok'"
            )
        return body

    def schedule(self, project: str, spider: str, args: dict[str, str], settings: dict[str, str]) -> str:
        """Queue one job; its id."""
        form = list(args.items()) + [("setting", f"{k}={v}") for k, v in settings.items()]
        form += [("project", project), ("spider", spider)]
        body = self.api(f"schedule {spider}", "schedule.json", data=form)
        job_id = body.get("jobid")
        if not isinstance(job_id, str) or not _JOB_ID_RE.fullmatch(job_id):
            raise ScrapydError(
                f"cannot schedule {spider}: answered schedule.json without a job id"
                f" ({one_line(repr(job_id), 60)})"
            )
        return job_id

    def problem(self, project: str, spider: str) -> str:
        """Why this node cannot run ``spider`` of ``project`` now, or "" when it can.

        One listspiders.json call proves all of it: Scrapyd answers, takes our login, has
        the project, and can load its egg with its own Python and find the spider.
        """
        try:
            answer = self.fetch("GET", "/listspiders.json", limit=MAX_JSON_BYTES, params={"project": project})
        except ScrapydError as exc:
            return str(exc)
        if answer.status == 401:
            return "Scrapyd refused the login (check the username and password)"
        try:
            body = loads_bounded(answer.body, max_bytes=MAX_JSON_BYTES)
        except (ValueError, UnsafeInputError):
            return f"answered HTTP {answer.status} with no Scrapyd JSON (is it Scrapyd?)"
        if not isinstance(body, dict):
            return "answered with no Scrapyd JSON (is it Scrapyd?)"
        if body.get("status") != "ok":
            message = str(body.get("message", "")).strip()
            if message == f"project '{project}' not found":
                return f"project {project!r} is not deployed there (scrapyd-deploy)"
            # A failed `scrapy list` comes back as a whole traceback: its last line says why.
            last = message.splitlines()[-1] if message else "no reason given"
            return f"Scrapyd cannot load project {project!r}: {one_line(last, 200)}"
        spiders = body.get("spiders")
        if not isinstance(spiders, list) or spider not in spiders:
            return f"project {project!r} there has no spider {spider!r} (deploy the current egg)"
        return ""

    def jobs(self, project: str) -> Listing:
        """The node's jobs of ``project``: each entry a dict with a job id that Scrapyd could have
        made; the others are counted, not kept."""
        body = self.api("list jobs", "listjobs.json", params={"project": project})
        listing = Listing()
        for state in STATES:
            entries = body.get(state, [])
            if not isinstance(entries, list):
                raise ScrapydError(f"cannot list jobs: answered listjobs.json with {state!r} that is no list")
            for entry in entries:
                if (
                    isinstance(entry, dict)
                    and isinstance(entry.get("id"), str)
                    and _JOB_ID_RE.fullmatch(entry["id"])
                ):
                    getattr(listing, state).append(entry)
                else:
                    listing.unreadable += 1
        return listing

    def log(self, log_url: str) -> str:
        """The end of a job's log (a path on this node), its last `log_tail` bytes at most.

        Asks for the size first (HEAD), then for the last bytes (Range), as Scrapyd's log
        server answers both; a node that sends the log whole is read to its end, keeping
        only the tail, up to `MAX_LOG_BYTES`.
        """
        keep = self.log_tail
        try:
            head = self.fetch("HEAD", log_url, limit=0)
            size = head.headers.get("Content-Length", "")
            # ASCII digits only: "²" passes str.isdigit, and int() refuses it.
            start = int(size) - keep if head.status == 200 and re.fullmatch(r"[0-9]{1,18}", size) else 0
            # A suffix range longer than the file makes Twisted's file server fail: ask from an offset.
            headers = {"Range": f"bytes={start}-"} if start > 0 else {}
            answer = self.fetch("GET", log_url, limit=keep, tail=True, headers=headers)
        except ScrapydError as exc:
            raise ScrapydError(f"cannot read the job log {one_line(log_url, 120)}: {exc}") from None
        if answer.status not in (200, 206):
            raise ScrapydError(f"cannot read the job log {one_line(log_url, 120)}: HTTP {answer.status}")
        text = answer.body.decode("utf-8", "replace")
        if answer.status == 206 or len(answer.body) == keep:
            text = text.partition("\n")[2]  # the first line may be cut
        return text


@dataclass
class Listing:
    """A node's listjobs.json, checked: entries by state, and how many entries were unreadable."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    running: list[dict[str, Any]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)
    unreadable: int = 0

    @property
    def keeps_logs(self) -> bool:
        """Whether some job here has a log: Scrapyd gives a job's log_url only once its log
        file exists, so one proves that the node keeps logs (logs_dir)."""
        return any(
            isinstance(entry.get("log_url"), str) for state in STATES for entry in getattr(self, state)
        )

    def state_of(self, job_id: str) -> tuple[str, dict[str, Any]] | None:
        for state in STATES:
            for entry in getattr(self, state):
                if entry["id"] == job_id:
                    return state, entry
        return None


def resolve_node(spec: str, username: str | None = None, password: str | None = None) -> Node:
    """A node from a URL or from a ``[deploy:NAME]`` target of scrapy.cfg."""
    if "://" in spec:
        return Node(spec, spec, username, password)
    config = get_config()
    section = f"deploy:{spec}"
    if not config.has_section(section) and PROJECT_CFG.is_file():
        # Run from another folder (scripts/hfpapers): the checkout's own targets.
        config.read(PROJECT_CFG, encoding="utf-8")
    if not config.has_section(section):
        known = ", ".join(s[7:] for s in config.sections() if s.startswith("deploy:")) or "none"
        # A URL without its http:// may carry a login: what comes before an "@" is never shown.
        shown = re.sub(r"\A.*@", "***@", spec, flags=re.S)
        raise ScrapydError(f"node: no deploy target {shown!r} in scrapy.cfg (targets: {known})")

    def value(key: str) -> str | None:
        raw = config.get(section, key, fallback="") or ""
        # An unset ${VARIABLE} stays as written: treat it as not given.
        return None if not raw or raw.startswith("${") else raw

    url = value("url")
    if not url:
        raise ScrapydError(f"node: deploy target {spec!r} has no url")
    return Node(spec, url, username or value("username"), password or value("password"))


def each_node(nodes: Iterable[Node], action: Callable[[Node], Any]) -> list[Any]:
    """``action`` on every node at once (each call is bounded on its own)."""
    nodes = list(nodes)
    with ThreadPoolExecutor(max_workers=min(len(nodes), 16) or 1) as pool:
        return list(pool.map(action, nodes))


def check_nodes(nodes: list[Node], project: str, spider: str) -> None:
    """Ask every node at once whether it can run the job; one `ScrapydError` naming each that cannot.

    A backfill schedules only when every node can take its chunk: otherwise part of the
    range would run unwatched and the rest never be queued.
    """
    problems = each_node(nodes, lambda node: node.problem(project, spider))
    bad = [f"{node}: {problem}" for node, problem in zip(nodes, problems, strict=True) if problem]
    if bad:
        raise ScrapydError("nothing scheduled: " + "; ".join(bad))


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


ENDED_BEFORE_ITS_LOG = (
    "the job ended before it wrote a log: likely its settings or arguments were refused"
    " (see Scrapyd's own log)"
)
"""Why a finished job has no log on a node that keeps logs: `scrapy crawl` refuses bad input
before Scrapy opens the log file, and Scrapyd gives no log_url for a file that does not exist."""


def read_record(node: Node, log_url: object, keeps_logs: bool = False) -> RunRecord:
    """The run record at the end of a finished job's log; `ScrapydError` says why there is none.
    ``keeps_logs``: other jobs of the node have logs (`Listing.keeps_logs`)."""
    if log_url is None:
        if keeps_logs:
            raise ScrapydError(ENDED_BEFORE_ITS_LOG)
        raise ScrapydError(
            f"{ENDED_BEFORE_ITS_LOG}, or Scrapyd keeps no logs (no job of the node has one: is logs_dir set?)"
        )
    if not isinstance(log_url, str) or not log_url.startswith("/"):
        # A full URL could send our login to another host.
        raise ScrapydError(f"no job log to read (Scrapyd gave log_url {one_line(repr(log_url), 80)})")
    record = RunRecord.from_log(node.log(log_url))
    if record is None:
        raise ScrapydError("the job ended without a run record (it crashed or never started)")
    return record


@dataclass
class Job:
    node: Node
    job_id: str
    start: date
    end: date
    record: RunRecord | None = None
    problem: str = ""
    """Why there is no record: not scheduled, crashed, unreadable, or still running at the timeout."""

    @property
    def ok(self) -> bool:
        return self.record is not None and self.record.ok

    def read_record(self, log_url: object, keeps_logs: bool = False) -> None:
        """The job's RunRecord from its log; it must cover exactly the job's days."""
        try:
            record = read_record(self.node, log_url, keeps_logs)
        except ScrapydError as exc:
            self.problem = str(exc)
            return
        days = {(self.start + timedelta(n)).isoformat() for n in range((self.end - self.start).days + 1)}
        if {outcome.key for outcome in record.lists} != days:
            self.problem = "the job's run record does not cover its days"
            return
        self.record = record

    def report(self) -> list[str]:
        """One line for the job, then one per list that failed and why."""
        head = f"{self.node}: {self.start} to {self.end}"
        if self.job_id:
            head += f": job {self.job_id}"
        if self.record is None:
            return [f"{head}: failed: {self.problem}"]
        count = self.record.count(WRITTEN)
        written = f"{count} list{'' if count == 1 else 's'} written"
        if self.record.ok:
            return [f"{head}: ok ({written})"]
        lines = [f"{head}: failed ({written})"]
        lines += [f"  {one_line(problem)}" for problem in self.record.problems()]
        return lines


MAX_POLL_FAILURES = 3
"""Polls of a node in a row that may fail (a restart, a hiccup) before its jobs are given up."""
VANISHED_AFTER = 60.0
"""Seconds a job may be missing from its node's lists (between queue and process) before it
counts as lost (a Scrapyd restarted without its job storage)."""


def wait_for(jobs: list[Job], poll: float, project: str, sleep: Callable[[float], None] = time.sleep) -> None:
    """Poll each node's listjobs.json until every job finished; read each outcome from its log.

    Ends by the nodes' deadline: the jobs still out then are named as such. A node that
    fails `MAX_POLL_FAILURES` polls in a row gives up its jobs with that reason; the
    others go on.
    """
    waiting = [job for job in jobs if job.job_id]
    failures: dict[int, int] = {}
    last_error: dict[int, str] = {}
    missing_since: dict[str, float] = {}
    last_seen: dict[str, str] = {}
    while waiting:
        if time.monotonic() >= min(job.node.deadline for job in waiting):
            for job in waiting:
                if id(job.node) in last_error:
                    job.problem = f"lost sight of the job at the timeout: {last_error[id(job.node)]}"
                elif job.job_id in last_seen:
                    job.problem = f"still {last_seen[job.job_id]} at the timeout"
                else:
                    job.problem = "not listed by Scrapyd at the timeout"
            return
        for node in {id(job.node): job.node for job in waiting}.values():
            mine = [job for job in waiting if job.node is node]
            try:
                listing = node.jobs(project)
            except OutOfTimeError:
                continue
            except ScrapydError as exc:
                failures[id(node)] = failures.get(id(node), 0) + 1
                last_error[id(node)] = str(exc)
                if failures[id(node)] >= MAX_POLL_FAILURES:
                    for job in mine:
                        job.problem = f"lost sight of the job: {exc}"
                        waiting.remove(job)
                continue
            failures[id(node)] = 0
            last_error.pop(id(node), None)
            for job in mine:
                found = listing.state_of(job.job_id)
                if found is None:
                    first_missed = missing_since.setdefault(job.job_id, time.monotonic())
                    if time.monotonic() - first_missed > VANISHED_AFTER:
                        job.problem = "Scrapyd lists the job no more (restarted without its job storage?)"
                        waiting.remove(job)
                    continue
                missing_since.pop(job.job_id, None)
                state, entry = found
                last_seen[job.job_id] = state
                if state == "finished":
                    job.read_record(entry.get("log_url"), listing.keeps_logs)
                    waiting.remove(job)
        if waiting:
            left = min(job.node.deadline for job in waiting) - time.monotonic()
            sleep(max(0.0, min(poll, left)))


def backfill(
    nodes: list[Node],
    start: date,
    end: date,
    project: str,
    settings: dict[str, str],
    poll: float,
    say: Callable[[str], None] = print,
) -> list[Job]:
    """Check every node, give each a contiguous chunk of the range as one job, wait for them.

    Nothing is scheduled unless every node can take its chunk (`ScrapydError`). A node that
    then refuses its job, or answers without a job id, fails that job alone; the others
    are watched and reported all the same.
    """
    check_nodes(nodes, project, SPIDER)
    jobs = []
    for node, (first, last) in zip(nodes, split_range(start, end, len(nodes)), strict=False):
        job = Job(node, "", first, last)
        try:
            job.job_id = node.schedule(
                project, SPIDER, {"start": first.isoformat(), "end": last.isoformat()}, settings
            )
        except ScrapydError as exc:
            job.problem = f"not scheduled: {exc}"
            say(f"{node}: {first} to {last}: not scheduled: {exc}")
        else:
            say(f"{node}: {first} to {last}: job {job.job_id} scheduled")
        jobs.append(job)
    wait_for(jobs, poll, project)
    return jobs
