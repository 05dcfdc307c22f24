"""A local stand-in for Hugging Face and arXiv that replays the real fixtures.

Serves, on loopback only:
- ``/papers/date/D``: the real saved Daily Papers page (2024 markup) with its
  ``data-props`` payload replaced by the real API answer for D, as the page
  embeds it today (``dateString``, ``dailyPapers``). A day without a list
  shows the latest earlier day, as Hugging Face does on weekends.
- ``/papers/week/2026-W08``, ``/papers/month/2026-02``: the same page with the
  recorded days of that week or month together, most liked first.
- ``/api/daily_papers?date=D&limit=&p=`` (or ``week=``, ``month=``): the real API
  answer for D (or the days of the week or month), paged.
- ``/api/query?id_list=&max_results=``: an Atom feed in the real arXiv API
  shape, built from the papers of the fixtures (abstract, authors, dates; arXiv
  categories only where a test sets them in `FixtureServer.categories`).
- ``/abs/ID``: the real saved arXiv abstract page with that paper's title,
  authors and abstract, URLs shown the way arXiv shows them (``this https URL``).
- ``/robots.txt``: allows everything.
- ``POST /v1/chat/completions``: a stand-in for an OpenAI-compatible model.
  It answers from the request it gets (a Korean sentence naming the paper's
  title), so a test can tell which paper a summary belongs to; it records each
  ``Authorization`` header in `FixtureServer.summary_auth`.

Faults for tests are switched on through `FixtureServer.faults`; a test that
changes a day's data takes it with `FixtureServer.edit_day`, and `reset`
puts it back. Used by the tests, `benchmarks/` and `scripts/demo.sh`, so it
lives outside ``tests/``. Run it by hand: ``python -m fixture_server --port 8800``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import select
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape as xml_escape

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
PAGE_TEMPLATE = FIXTURES / "hf_papers_page_html" / "huggingface_papers_2024-08-01.html"
ABS_TEMPLATE = FIXTURES / "arxiv_abs_html" / "arxiv_abs_2106.09608v2_2021.html"
_PROPS_RE = re.compile(r'(data-target="DailyPapers" data-props=")[^"]*(")')
SUMMARY_ANSWER = "이 논문은 {title}을(를) 다룹니다. 핵심 방법과 결과를 두 문장으로 정리했습니다."
_URL_RE = re.compile(r"https?://[^\s<>\"{}]+[^\s<>\"{}.,;:)]")


def day_files(folder: Path = FIXTURES / "hf_api_daily_papers") -> dict[str, str]:
    """Day -> the recorded API answer, as text."""
    return {f.stem: f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.json"))}


def load_days() -> dict[str, list[dict[str, Any]]]:
    return {day: json.loads(text) for day, text in day_files().items()}


@dataclass
class Faults:
    """Switches for fault tests; each applies to every matching request."""

    page_without_payload: bool = False
    page_payload_cut: bool = False  # the page's data-props JSON cut in half
    robots_broken: bool = False  # hang up on /robots.txt without an answer
    arxiv_api_padding: int = 0  # bytes of XML comment added to each arXiv API answer
    abs_subjects: str = ""  # raw HTML for the abstract pages' subjects cell
    hf_status: int | None = None  # answer every Hugging Face request with this
    hf_fail_times: int = 0  # answer the first N Hugging Face requests with hf_fail_status
    hf_fail_status: int = 503
    retry_after: str | None = None
    hf_slow_times: int = 0  # the first N Hugging Face requests answer after hf_slow_seconds
    hf_slow_seconds: float = 0.0
    arxiv_api_status: int | None = None
    arxiv_api_error_feed: bool = False  # answer 400 with arXiv's real error feed
    arxiv_api_omit: set[str] = field(default_factory=set)  # ids the API does not return
    api_truncated: bool = False
    api_ignores_page: bool = False  # every p answers page 0
    arxiv_api_binary: bool = False  # answer 200 with bytes that are no feed
    delay: float = 0.0  # seconds before every answer (latency)
    slow_paths: dict[str, float] = field(default_factory=dict)  # path prefix -> extra delay
    fail_paths: dict[str, int] = field(default_factory=dict)  # path prefix -> status to answer
    redirect_paths: dict[str, str] = field(default_factory=dict)  # path prefix -> 302 Location
    summary_status: int | None = None  # answer every chat completion with this status
    summary_answer: str | None = None  # the model's answer; "{title}" is the paper's title
    summary_delay: float = 0.0  # seconds the model takes per answer
    summary_finish_reason: str | None = "stop"  # each answer's finish_reason (None: left out)
    summary_raw: str = ""  # a body sent as it is (hostile JSON) instead of the first answers
    summary_raw_times: int = 0  # how many answers get summary_raw
    summary_hang: bool = False  # never answer a chat completion: wait until the client hangs up
    unsized: bool = False  # send every answer without Content-Length, ended by closing the connection


class FixtureServer:
    def __init__(self, days: dict[str, list[dict[str, Any]]] | None = None, port: int = 0):
        # The pristine days, as JSON text: reset() restores the ones a test edited.
        self.pristine = (
            {day: json.dumps(entries) for day, entries in days.items()} if days is not None else day_files()
        )
        self.days = {day: json.loads(text) for day, text in self.pristine.items()}
        self.edited: set[str] = set()
        self.papers = {e["paper"]["id"]: e for entries in self.days.values() for e in entries}
        self.page_template = PAGE_TEMPLATE.read_text(encoding="utf-8")
        self.abs_template = ABS_TEMPLATE.read_text(encoding="utf-8")
        self.faults = Faults()
        self.categories: dict[str, list[str]] = {}
        self.counts: Counter[str] = Counter()
        self.paths: list[str] = []  # every path asked for, in order
        self.summary_auth: list[str | None] = []  # the Authorization header of each chat completion
        self.summary_open = self.summary_max_open = 0  # chat completions being answered: now, at most
        self.summary_raw_sent = 0  # answers sent as Faults.summary_raw
        self.summary_hung_up = 0  # chat completions left hanging until the client closed the connection
        self.released = threading.Event()  # set by reset: hanging answers end, unanswered
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FixtureServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self) -> Counter[str]:
        """Requests so far by kind: hf_page, hf_api, arxiv_api, arxiv_abs, robots."""
        with self.lock:
            return Counter(self.counts)

    def clear_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.paths.clear()
            self.summary_auth.clear()
            self.summary_open = self.summary_max_open = 0
            self.summary_raw_sent = 0
            self.summary_hung_up = 0

    def edit_day(self, day: str) -> list[dict[str, Any]]:
        """The day's entries, to change in place until the next `reset`."""
        self.edited.add(day)
        return self.days[day]

    def reset(self) -> None:
        """No faults, no counts, no answer left hanging, and every edited day as recorded."""
        self.released.set()
        self.released = threading.Event()
        self.clear_counts()
        self.faults = Faults()
        self.categories = {}
        for day in self.edited:
            self.days[day] = json.loads(self.pristine[day])
            self.papers.update({e["paper"]["id"]: e for e in self.days[day]})
        self.edited.clear()

    # --- content ------------------------------------------------------------

    def shown_day(self, day: str) -> str | None:
        earlier = [d for d in self.days if d <= day]
        return max(earlier) if earlier else None

    def period_entries(self, kind: str, key: str) -> list[dict[str, Any]]:
        """The recorded days of an ISO week (2026-W08) or a month (2026-02), most liked first."""
        if kind == "week":
            year, week = (int(part) for part in key.split("-W"))
            days = [d for d in self.days if date.fromisoformat(d).isocalendar()[:2] == (year, week)]
        else:
            days = [d for d in self.days if d.startswith(key + "-")]
        entries = [e for d in sorted(days) for e in self.days[d]]
        return sorted(entries, key=lambda e: -e["paper"]["upvotes"])

    def page(self, day: str, kind: str = "date") -> str | None:
        if self.faults.page_without_payload:
            return _PROPS_RE.sub(r'data-target="Other" data-props="{}"', self.page_template)
        if self.faults.page_payload_cut:
            attr = html.escape(json.dumps({"dailyPapers": self.days.get(day, [])}), quote=True)
            return _PROPS_RE.sub(
                lambda m: m.group(1) + attr[: len(attr) // 2] + m.group(2), self.page_template
            )
        if kind != "date":
            props: dict[str, Any] = {
                "dateString": day,
                "periodType": kind,
                "dailyPapers": self.period_entries(kind, day),
            }
            return self._with_props(props)
        shown = self.shown_day(day)
        if shown is None:
            return None
        return self._with_props({"dateString": shown, "periodType": "day", "dailyPapers": self.days[shown]})

    def _with_props(self, props: dict[str, Any]) -> str:
        attr = html.escape(json.dumps(props, ensure_ascii=False), quote=True)
        return _PROPS_RE.sub(lambda m: m.group(1) + attr + m.group(2), self.page_template, count=1)

    def atom(self, ids: list[str], max_results: int) -> str:
        entries = []
        for arxiv_id in ids[:max_results]:
            entry = self.papers.get(arxiv_id)
            if entry is None or arxiv_id in self.faults.arxiv_api_omit:
                continue
            paper = entry["paper"]
            categories = "".join(
                f'\n    <category term="{xml_escape(c)}" scheme="http://arxiv.org/schemas/atom"/>'
                for c in self.categories.get(arxiv_id, [])
            )
            primary = self.categories.get(arxiv_id, [None])[0]
            if primary:
                categories += f'\n    <arxiv:primary_category term="{xml_escape(primary)}"/>'
            authors = "".join(
                f"\n    <author>\n      <name>{xml_escape(a['name'])}</name>\n    </author>"
                for a in paper["authors"]
            )
            entries.append(
                f"""  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v1</id>
    <title>{xml_escape(paper["title"])}</title>
    <updated>{paper["publishedAt"][:19]}Z</updated>
    <link href="https://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{arxiv_id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>{xml_escape(paper["summary"])}</summary>
    <published>{paper["publishedAt"][:19]}Z</published>{categories}{authors}
  </entry>"""
            )
        return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/local</id>
  <title>arXiv Query: id_list={",".join(ids)}</title>
  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
{chr(10).join(entries)}
</feed>
"""

    def abs_page(self, arxiv_id: str) -> str | None:
        entry = self.papers.get(arxiv_id)
        if entry is None:
            return None
        paper = entry["paper"]
        body = _URL_RE.sub(
            lambda m: f'<a href="{m.group(0)}" class="link-external link-https">this https URL</a>',
            html.escape(paper["summary"], quote=False),
        )
        authors = ", ".join(
            f'<a href="https://arxiv.org/a/x">{html.escape(a["name"])}</a>' for a in paper["authors"]
        )
        page = re.sub(
            r'(<h1 class="title mathjax"><span class="descriptor">Title:</span>).*?(</h1>)',
            lambda m: m.group(1) + html.escape(paper["title"]) + m.group(2),
            self.abs_template,
            flags=re.S,
        )
        page = re.sub(
            r'(<div class="authors"><span class="descriptor">Authors:</span>).*?(</div>)',
            lambda m: m.group(1) + authors + m.group(2),
            page,
            flags=re.S,
        )
        page = re.sub(
            r'(<blockquote class="abstract mathjax">\s*<span class="descriptor">Abstract:</span>)'
            r".*?(</blockquote>)",
            lambda m: m.group(1) + body + "\n" + m.group(2),
            page,
            flags=re.S,
        )
        # The template's subjects belong to another paper.
        subjects = self.faults.abs_subjects
        return re.sub(
            r'(<td class="tablecell subjects">).*?(</td>)',
            lambda m: m.group(1) + subjects + m.group(2),
            page,
            flags=re.S,
        )

    # --- HTTP -----------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server.lock:
                    server.counts["summary"] += 1
                    server.paths.append(self.path)
                    server.summary_auth.append(self.headers.get("Authorization"))
                    server.summary_open += 1
                    server.summary_max_open = max(server.summary_max_open, server.summary_open)
                try:
                    self.answer_chat(body)
                finally:
                    with server.lock:
                        server.summary_open -= 1

            def answer_chat(self, body: bytes) -> None:
                faults = server.faults
                if faults.summary_hang:
                    return self.hang(server.released)
                time.sleep(faults.summary_delay)
                if urlparse(self.path).path != "/v1/chat/completions":
                    return self.send(404, "not found", "text/plain")
                if faults.summary_status:
                    return self.send(faults.summary_status, "model down", "text/plain")
                request = json.loads(body)
                user = next(m["content"] for m in request["messages"] if m["role"] == "user")
                title = user.split("\n", 1)[0].removeprefix("Title: ")
                with server.lock:
                    raw = server.summary_raw_sent < faults.summary_raw_times
                    server.summary_raw_sent += raw
                if raw:
                    return self.send(200, faults.summary_raw, "application/json")
                template = faults.summary_answer or SUMMARY_ANSWER
                # replace, not format: a hostile answer may hold braces.
                content = template.replace("{title}", title)
                choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": content}}
                if faults.summary_finish_reason is not None:
                    choice["finish_reason"] = faults.summary_finish_reason
                answer = {
                    "id": "chatcmpl-local",
                    "object": "chat.completion",
                    "model": request.get("model"),
                    "choices": [choice],
                }
                return self.send(200, json.dumps(answer, ensure_ascii=False), "application/json")

            def hang(self, released: threading.Event) -> None:
                """Answer nothing until the client closes the connection (counted) or a reset."""
                self.close_connection = True
                while not released.is_set():
                    readable, _, _ = select.select([self.connection], [], [], 0.05)
                    if readable and not self._peek():
                        with server.lock:
                            server.summary_hung_up += 1
                        return

            def _peek(self) -> bytes:
                try:
                    return self.connection.recv(1, socket.MSG_PEEK)
                except OSError:  # reset by the client
                    return b""

            def do_GET(self) -> None:
                kind = _kind(self.path)
                with server.lock:
                    server.counts[kind] += 1
                    server.paths.append(self.path)
                    hf_seen = server.counts["hf_page"] + server.counts["hf_api"]
                faults = server.faults
                url = urlparse(self.path)
                delay = faults.delay + sum(
                    d for prefix, d in faults.slow_paths.items() if url.path.startswith(prefix)
                )
                if delay:
                    time.sleep(delay)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                for prefix, location in faults.redirect_paths.items():
                    if url.path.startswith(prefix):
                        return self.send(302, "moved", "text/plain", {"Location": location})
                for prefix, status in faults.fail_paths.items():
                    if url.path.startswith(prefix):
                        return self.send(status, "failed on purpose", "text/plain")
                if kind.startswith("hf_"):
                    if hf_seen <= faults.hf_slow_times:
                        time.sleep(faults.hf_slow_seconds)
                    if faults.hf_status:
                        return self.send(faults.hf_status, "down", "text/plain")
                    if hf_seen <= faults.hf_fail_times:
                        extra = {"Retry-After": faults.retry_after} if faults.retry_after else {}
                        return self.send(faults.hf_fail_status, "busy", "text/plain", extra)
                if kind == "robots":
                    if faults.robots_broken:
                        self.close_connection = True
                        return None
                    return self.send(200, "User-agent: *\nAllow: /\n", "text/plain")
                if kind == "hf_page":
                    segments = url.path.rstrip("/").split("/")
                    page = server.page(segments[-1], segments[-2])
                    if page is None:
                        return self.send(404, "not found", "text/plain")
                    return self.send(200, page, "text/html; charset=utf-8")
                if kind == "hf_api":
                    if "week" in query or "month" in query:
                        which = "week" if "week" in query else "month"
                        entries = server.period_entries(which, query[which])
                    else:
                        entries = server.days.get(query.get("date", ""), [])
                    limit, page_no = int(query.get("limit", 50)), int(query.get("p", 0))
                    if faults.api_ignores_page:
                        page_no = 0
                    text = json.dumps(entries[page_no * limit : (page_no + 1) * limit], ensure_ascii=False)
                    if faults.api_truncated:
                        text = text[: len(text) // 2]
                    return self.send(200, text, "application/json; charset=utf-8")
                if kind == "arxiv_api":
                    if faults.arxiv_api_status:
                        return self.send(faults.arxiv_api_status, "arXiv down", "text/plain")
                    if faults.arxiv_api_binary:
                        return self.send(200, "\x00\x01 not a feed", "application/octet-stream")
                    ids = [i for i in query.get("id_list", "").split(",") if i]
                    bad = [i for i in ids if not re.match(r"^\d{4}\.\d{4,5}(v\d+)?$", i)]
                    if bad or faults.arxiv_api_error_feed:
                        return self.send(
                            400,
                            (
                                FIXTURES / "arxiv_api_atom" / "id_abc_s0_m100_b79c8dcf6bc3.atom.xml"
                            ).read_text(),
                            "application/atom+xml; charset=utf-8",
                        )
                    atom = server.atom(ids, int(query.get("max_results", 10)))
                    if faults.arxiv_api_padding:
                        atom += f"<!-- {'x' * faults.arxiv_api_padding} -->\n"
                    return self.send(200, atom, "application/atom+xml; charset=utf-8")
                if kind == "arxiv_abs":
                    page = server.abs_page(url.path.rsplit("/", 1)[-1])
                    if page is None:
                        return self.send(404, "not found", "text/plain")
                    return self.send(200, page, "text/html; charset=utf-8")
                return self.send(404, "not found", "text/plain")

            def send(self, status: int, text: str, ctype: str, headers: dict[str, str] | None = None) -> None:
                # A lone surrogate an edited entry holds goes out as the escape a JSON
                # encoder writes for it (\ud800), which is how a real answer carries one.
                body = text.encode("utf-8", "backslashreplace")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if server.faults.unsized:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        # Nagle would hold each answer's last segment back for Scrapy's delayed ACK (~40 ms).
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up (the fault tests do that)


def _kind(path: str) -> str:
    p = urlparse(path).path
    if p == "/robots.txt":
        return "robots"
    if p.startswith(("/papers/date/", "/papers/week/", "/papers/month/")):
        return "hf_page"
    if p.startswith("/api/daily_papers"):
        return "hf_api"
    if p.startswith("/api/query"):
        return "arxiv_api"
    if p.startswith("/abs/"):
        return "arxiv_abs"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args()
    server = FixtureServer(port=args.port).start()
    print(f"serving the recorded Hugging Face and arXiv fixtures on {server.url} (Ctrl-C stops)")
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
