"""A real Scrapyd on a free loopback port, and one that misbehaves, for tests."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScrapydNode:
    def __init__(self, workdir: Path, username: str = "", password: str = ""):
        self.workdir = workdir
        self.port = free_port()
        self.username, self.password = username, password
        workdir.mkdir(parents=True, exist_ok=True)
        # The shipped config, with this node's port, folders and credentials.
        config = (ROOT / "deploy" / "scrapyd.conf").read_text(encoding="utf-8")
        for key, value in {
            "http_port": str(self.port),
            "username": username,
            "password": password,
            "eggs_dir": str(workdir / "eggs"),
            "dbs_dir": str(workdir / "dbs"),
            "logs_dir": str(workdir / "logs"),
        }.items():
            config = "\n".join(
                f"{key} = {value}" if line.split("=")[0].strip() == key else line
                for line in config.splitlines()
            )
        (workdir / "scrapyd.conf").write_text(config + "\npoll_interval = 0.2\n", encoding="utf-8")
        self.log = (workdir / "scrapyd.out").open("w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"], cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT, env=env
        )
        self.wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {(self.workdir / 'scrapyd.out').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # answering (401 with auth on)
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("scrapyd did not start")

    def api(self, endpoint: str) -> dict:
        request = urllib.request.Request(f"{self.url}/{endpoint}")
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# --- A Scrapyd that misbehaves -----------------------------------------------------------

Route = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    server: HostileScrapyd
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _route(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.asked.append(f"{self.command} {path}")
        route = self.server.routes.get(path) or self.server.routes.get(path.rsplit("/", 1)[0] + "/")
        if route is None:
            self.send_json({"status": "error", "message": "no such resource"}, status=404)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            route(self)

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_HEAD(self) -> None:
        self._route()

    def form(self) -> list[tuple[str, str]]:
        length = int(self.headers.get("Content-Length") or 0)
        return urllib.parse.parse_qsl(self.rfile.read(length).decode())

    def send_json(self, body: object, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_text(self, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def hang(self) -> None:
        """Take the request and answer nothing until the test ends."""
        self.server.released.wait(120)

    def endless(self, pause: float = 0.0) -> None:
        """A 200 answer with no length that never ends (until the client leaves or the test ends)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        line = b"2026-02-18 00:15:01 [scrapy.core.engine] DEBUG: Crawled (200) <GET http://x/>\n" * 800
        while not self.server.released.is_set():
            self.wfile.write(line)
            with self.server.lock:
                self.server.sent += len(line)
            if pause:
                time.sleep(pause)


class HostileScrapyd(ThreadingHTTPServer):
    """Scrapyd's JSON API on a loopback port, each path answered as the test says.

    By default a healthy node: the project has the ``daily`` spider, a job is scheduled
    with id `JOB_ID` and listed as finished, its log at `LOG_URL` holds ``log``.
    """

    daemon_threads = True
    JOB_ID = "5f3a0e1c9b2d11f0a1b2c3d4e5f60718"
    LOG_URL = f"/logs/hfpapers/daily/{JOB_ID}.log"

    def __init__(self, log: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.asked: list[str] = []
        self.sent = 0
        self.released = threading.Event()
        self.log = log
        self.routes: dict[str, Route] = {
            "/listspiders.json": lambda h: h.send_json({"status": "ok", "spiders": ["daily"]}),
            "/schedule.json": self.schedule,
            "/listjobs.json": lambda h: h.send_json(self.listing()),
            "/logs/hfpapers/daily/": lambda h: h.send_text(self.log),
        }
        # A short poll: shutdown() waits for the next one (0.5 s by default, after every test).
        self.thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def schedule(self, handler: _Handler) -> None:
        handler.form()
        handler.send_json({"status": "ok", "jobid": self.JOB_ID})

    def listing(self, finished: object = None) -> dict[str, object]:
        entry = {"id": self.JOB_ID, "project": "hfpapers", "spider": "daily", "log_url": self.LOG_URL}
        return {
            "status": "ok",
            "pending": [],
            "running": [],
            "finished": [entry] if finished is None else finished,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, request: str) -> int:
        with self.lock:
            return self.asked.count(request)

    def stop(self) -> None:
        self.released.set()
        self.shutdown()
        self.server_close()
