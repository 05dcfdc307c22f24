"""Credentials for publishing: never in a setting (Scrapyd logs and lists job settings), only
in the environment (``PUBLISH_GIT_TOKEN``), and then only in git's environment.

The token test pushes over real smart HTTP: `git http-backend` behind a small server that
wants HTTP basic auth, as GitHub does.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers.args import ArgumentError
from tests.conftest import ROOT, SPIDERS, project_settings, run_crawl
from tests.test_publish import DAY, PUBLISH, git, remote_log

TOKEN = "ghp_s3cr3tT0kenXYZ"
BASIC = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()

WITH_CREDENTIALS = [
    "https://blogbot:ghp_s3cr3tT0kenXYZ@github.com/me/blog.git",
    "https://ghp_s3cr3tT0kenXYZ@github.com/me/blog.git",
    "https://x-access-token:s3cr3t@github.com/me/blog.git",
    "https://github.com/me/blog.git?access_token=s3cr3t",
    "ssh://git:s3cr3t@example.org/blog.git",
    "ghp_s3cr3tT0kenXYZ@github.com:me/blog.git",
    "https://blogbot:ghp_s3cr3t T0ken@github.com/me/blog.git",  # malformed: urlsplit sees no password
]
WITHOUT = [
    "origin",
    "/srv/git/blog.git",
    "https://github.com/me/blog.git",
    "git@github.com:me/blog.git",
    "ssh://git@github.com/me/blog.git",
]


def error_of(remote: str, site: Path) -> str:
    with pytest.raises(ArgumentError) as caught:
        SPIDERS["daily"].plan({"date": DAY}, project_settings(SITE_DIR=str(site), PUBLISH_GIT_REMOTE=remote))
    return f"error: {caught.value}"


@pytest.mark.parametrize("remote", WITH_CREDENTIALS)
def test_a_remote_with_credentials_is_refused(remote: str, site: Path) -> None:
    message = error_of(remote, site)
    assert message.startswith("error: PUBLISH_GIT_REMOTE: a URL with credentials in it")
    assert "PUBLISH_GIT_TOKEN" in message
    assert "s3cr3t" not in message and "T0ken" not in message


@pytest.mark.parametrize("remote", WITHOUT)
def test_a_remote_without_credentials_is_accepted(remote: str, site: Path) -> None:
    SPIDERS["daily"].plan({"date": DAY}, project_settings(SITE_DIR=str(site), PUBLISH_GIT_REMOTE=remote))


@pytest.mark.slow
def test_crawl_refuses_it_before_any_request(server: FixtureServer, site: Path) -> None:
    result = run_crawl(server, site, args={"date": DAY}, settings={"PUBLISH_GIT_REMOTE": WITH_CREDENTIALS[0]})
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: PUBLISH_GIT_REMOTE: a URL with credentials in it")
    assert "s3cr3t" not in result.stderr + result.stdout
    assert server.count() == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["schedule", "--url", "http://127.0.0.1:9"],
        ["backfill", "--start", DAY, "--end", DAY, "--node", "http://127.0.0.1:9"],
    ],
)
def test_scrapyd_commands_refuse_it_before_asking_scrapyd(command: list[str]) -> None:
    """Scrapyd would print the job's settings in its log and list them in listjobs.json."""
    settings = ["-s", "SITE_DIR=/srv/blog", "-s", f"PUBLISH_GIT_REMOTE={WITH_CREDENTIALS[1]}"]
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", *command, *settings],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    # 2, not the 1 of "cannot reach Scrapyd": refused before any request.
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: PUBLISH_GIT_REMOTE: a URL with credentials in it")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "s3cr3t" not in proc.stderr + proc.stdout


class _SmartHTTP(BaseHTTPRequestHandler):
    """`git http-backend` (CGI) for one folder of bare repositories, behind HTTP basic auth."""

    server: _GitServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b""
        while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()
        return body

    def _serve(self) -> None:
        self.server.authorizations.append(self.headers.get("Authorization", ""))
        body = self._body()
        if self.headers.get("Authorization") != BASIC:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="blog"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.server.echo:
            self._echo()
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "x-access-token",  # authenticated: http-backend allows pushes
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        out = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60
        ).stdout
        sep = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
        head, _, payload = out.partition(sep)
        status, headers = 200, []
        for line in head.decode().splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _echo(self) -> None:
        """A hostile server: git's first request answered with an error that quotes the
        credentials it came with (and the token alone, in base64); git prints it."""
        token = base64.b64decode(self.headers["Authorization"].split()[1]).split(b":", 1)[1]
        said = f"ERR you sent {self.headers['Authorization']}, token {base64.b64encode(token).decode()}\n"
        service = self.path.partition("service=")[2]
        body = _pkt(f"# service={service}\n") + b"0000" + _pkt(said)
        self.send_response(200)
        self.send_header("Content-Type", f"application/x-{service}-advertisement")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _pkt(text: str) -> bytes:
    data = text.encode()
    return f"{len(data) + 4:04x}".encode() + data


class _GitServer(ThreadingHTTPServer):
    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), _SmartHTTP)
        self.root = root
        self.authorizations: list[str] = []
        self.echo = False  # answer with the credentials it was sent


@pytest.fixture
def https_remote(tmp_path: Path) -> Iterator[tuple[_GitServer, str, Path]]:
    """(server, URL, clone): a bare repository served with auth, and a clone made from the folder."""
    root = tmp_path / "served"
    root.mkdir()
    remote, clone = root / "blog.git", tmp_path / "blog"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git(clone, "commit", "-q", "--allow-empty", "-m", "start")
    git(clone, "push", "-q", "origin", "main")
    server = _GitServer(root)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)  # a quick shutdown
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/blog.git"
    git(clone, "remote", "set-url", "origin", url)  # no credentials in it: they come from the environment
    yield server, url, clone
    server.shutdown()
    server.server_close()


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_token_from_the_environment_pushes_and_never_shows(
    https_remote: tuple[_GitServer, str, Path], crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    server, _, clone = https_remote
    monkeypatch.setenv("PUBLISH_GIT_TOKEN", TOKEN)
    result = await crawl(args={"date": DAY}, settings={**PUBLISH, "SITE_DIR": str(clone)})
    assert result.record.ok, result.log[-3000:]
    assert remote_log(Path(server.root) / "blog.git") == [f"Daily papers {DAY}: 13 papers", "start"]
    assert BASIC in server.authorizations
    assert TOKEN not in result.log and BASIC.split()[1] not in result.log
    assert TOKEN not in git(clone, "config", "--list")  # nothing of it written into the clone


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_wrong_token_fails_the_push_and_is_masked(
    https_remote: tuple[_GitServer, str, Path], crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    server, _, clone = https_remote
    monkeypatch.setenv("PUBLISH_GIT_TOKEN", "ghp_wr0ngT0ken")
    result = await crawl(args={"date": DAY}, settings={**PUBLISH, "SITE_DIR": str(clone)})
    assert not result.record.ok
    assert "Authentication failed" in result.record.publish_error, result.record.publish_error
    assert "wr0ng" not in result.log
    assert remote_log(Path(server.root) / "blog.git") == ["start"]


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_remote_that_echoes_the_authorization_header_never_shows_the_token(
    https_remote: tuple[_GitServer, str, Path], crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    server, _, clone = https_remote
    server.echo = True
    monkeypatch.setenv("PUBLISH_GIT_TOKEN", TOKEN)
    result = await crawl(args={"date": DAY}, settings={**PUBLISH, "SITE_DIR": str(clone)})
    assert not result.record.ok
    assert BASIC in server.authorizations  # sent, and sent back
    assert "remote error: you sent Basic ***, token ***" in result.record.publish_error
    encoded, alone = BASIC.split()[1], base64.b64encode(TOKEN.encode()).decode()
    for shown in (result.log, result.record.publish_error):
        assert TOKEN not in shown
        assert encoded[16:] not in shown and alone[:-4] not in shown  # not even part of either


@pytest.mark.slow
def test_the_token_is_refused_for_plain_http_to_another_machine_before_any_request(
    server: FixtureServer, https_remote: tuple[_GitServer, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    git_server, _, clone = https_remote
    git(clone, "remote", "set-url", "--push", "origin", "http://blog.example.org/blog.git")
    monkeypatch.setenv("PUBLISH_GIT_TOKEN", TOKEN)
    result = run_crawl(server, clone, args={"date": DAY}, settings=PUBLISH)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip() == (
        "error: PUBLISH_GIT_TOKEN: the remote http://blog.example.org/blog.git is plain http, where anyone"
        " on the way reads the token: use its https URL (or unset the token)"
    )
    assert server.count() == {} and git_server.authorizations == []


@pytest.mark.slow
def test_the_publisher_never_sends_the_token_over_plain_http(
    https_remote: tuple[_GitServer, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remote's URL changed after the checks (or the checks were skipped): a proxy on this
    machine stands in for the way to the other host, and hears nothing."""
    from tests.test_publish_owner import publisher, record, write_list

    proxy, _, clone = https_remote
    git(clone, "remote", "set-url", "origin", "http://blog.example.org/blog.git")
    monkeypatch.setenv("PUBLISH_GIT_TOKEN", TOKEN)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("no_proxy", "")
    published = publisher(clone).publish(record(write_list(clone, "today")))
    assert published.error == (
        "PUBLISH_GIT_TOKEN: the remote http://blog.example.org/blog.git is plain http, where anyone"
        " on the way reads the token: use its https URL (or unset the token)"
    )
    assert BASIC not in proxy.authorizations


CLONES_TOKEN = "ghp_Cl0nesOwnT0kenInItsConfig"


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_a_token_in_the_clones_own_remote_url_never_shows(
    https_remote: tuple[_GitServer, str, Path], crawl, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The owner put the token in the clone's config (``git remote set-url``), and the server
    echoes what it was sent: neither the token nor any encoding of it reaches a log line or
    the run record."""
    server, url, clone = https_remote
    server.echo = True
    monkeypatch.setattr(sys.modules[__name__], "BASIC", basic(CLONES_TOKEN))
    monkeypatch.delenv("PUBLISH_GIT_TOKEN", raising=False)
    git(clone, "remote", "set-url", "origin", url.replace("://", f"://x-access-token:{CLONES_TOKEN}@"))
    result = await crawl(args={"date": DAY}, settings={**PUBLISH, "SITE_DIR": str(clone)})
    assert not result.record.ok
    assert basic(CLONES_TOKEN) in server.authorizations  # sent, and sent back
    assert "remote error: you sent Basic ***, token ***" in result.record.publish_error
    encoded = basic(CLONES_TOKEN).split()[1]
    alone = base64.b64encode(CLONES_TOKEN.encode()).decode()
    for shown in (result.log, result.record.to_json()):
        assert CLONES_TOKEN not in shown
        assert encoded[16:] not in shown and alone[:-4] not in shown


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


@pytest.mark.parametrize("secret", ["SUMMARY_API_KEY", "PUBLISH_GIT_TOKEN"])
@deferred_f_from_coro_f
async def test_a_summary_that_holds_a_secret_is_neither_posted_nor_cached(
    server: FixtureServer, crawl, site: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:  # type: ignore[no-untyped-def]
    """An endpoint that echoes what it was sent, the key in its answer."""
    from tests.test_summaries import summary_settings

    value = "sk-Echo3dKeyOfTheEndpoint"
    monkeypatch.setenv(secret, value)
    server.faults.summary_answer = f"이 논문은 {{title}}에 대한 연구입니다. 키는 {value} 입니다."
    result = await crawl(args={"date": DAY}, settings=summary_settings(server))
    assert result.record.ok, result.log[-3000:]
    assert value not in result.post(DAY).read_text(encoding="utf-8")
    assert not (site / "_data" / "papers" / "summaries-ko.json").exists()
    assert result.stats["hfpapers/summaries/failed"] == 13
    assert "no Korean summary (holds SUMMARY_API_KEY or PUBLISH_GIT_TOKEN" in result.log
    assert value not in result.log
