"""A real Scrapyd on a free loopback port, for tests."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
