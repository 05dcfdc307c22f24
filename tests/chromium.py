"""Headless Chromium (Debian's package) on a built site, for what only a browser shows.

The site is served on loopback with the blog's MathJax, Mermaid and
Simple-Jekyll-Search (Chirpy's search box) from ``tests/js/node_modules``
(``npm ci`` there; scripts/test.sh does it) at ``/assets/lib/``, where Chirpy
self-hosts them. `dump_dom` returns the DOM
after the page's scripts ran: typeset math, drawn charts.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import html as lxml_html

NODE_MODULES = Path(__file__).parent / "js" / "node_modules"
LIBRARIES = {
    "mathjax": NODE_MODULES / "mathjax" / "es5",
    "mermaid": NODE_MODULES / "mermaid" / "dist",
    "simple-jekyll-search": NODE_MODULES / "simple-jekyll-search" / "dest",
}
# As the machine's probe found: no background traffic (this machine has no network), no sandbox as root.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "no chromium: scripts/test.sh installs Debian's package"
    for lib in LIBRARIES.values():
        assert lib.is_dir(), f"no {lib}: run npm ci in tests/js (scripts/test.sh does)"
    return found


class _Quiet(SimpleHTTPRequestHandler):
    failed: list[str]  # "404 /path" for each request the site could not answer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).isdigit() and int(code) >= 400:
            self.failed.append(f"{int(code)} {self.path}")


@contextlib.contextmanager
def serve(site: Path, failed: list[str] | None = None, libraries: bool = True) -> Iterator[str]:
    """Serve a built site on a free loopback port, with the libraries at /assets/lib/ where
    the site has none there (``libraries=False``: the site as it is). Each request it cannot
    answer goes into ``failed`` ("404 /assets/lib/…")."""
    chromium()
    lib = site / "assets" / "lib"
    for name, target in LIBRARIES.items() if libraries else ():
        lib.mkdir(parents=True, exist_ok=True)
        if not (lib / name).exists():
            (lib / name).symlink_to(target)
    handler = type("_Handler", (_Quiet,), {"failed": failed if failed is not None else []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)  # a quick shutdown
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def dump_dom(url: str, budget_ms: int = 20000) -> lxml_html.HtmlElement:
    """The page's DOM once its scripts are done (virtual time, so no real wait)."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": profile},
        )
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-2000:]
    return lxml_html.fromstring(proc.stdout)


def text_of(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())
