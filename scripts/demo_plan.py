"""What `scripts/demo.sh` crawls, checked against the recordings before anything starts.

    python3 scripts/demo_plan.py plan [daily] DATE | weekly YYYY-Www | monthly YYYY-MM
                                      | backfill START END | summaries DATE
        prints the spider, then its ``-a`` arguments, one per line; or one line on
        stderr and exit 2 (nothing recorded there, a malformed date, an unknown mode)
    python3 scripts/demo_plan.py site SITE
        makes SITE a Chirpy-shaped Jekyll site (the layout parts of tests/chirpy and a
        _config.yml as the blog's), unless it is a site of its own (a _config.yml the
        demo did not write)
    python3 scripts/demo_plan.py libraries SITE
        puts Mermaid, MathJax and Simple-Jekyll-Search (the search box) at
        SITE/_site/assets/lib/, where Chirpy self-hosts them:
        links to tests/js/node_modules when installed, else stand-ins that say on the page
        how to get them (not in a site of its own)
    python3 scripts/demo_plan.py report LOG [BUILT]
        prints the files the crawl's run record names (and, with the Jekyll output
        folder BUILT, each post's page there and how to look at it)

Standard library only: ``plan`` runs before the demo has its venv.
"""

from __future__ import annotations

import re
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHIRPY = ROOT / "tests" / "chirpy"
NODE_MODULES = ROOT / "tests" / "js" / "node_modules"
# Where the blog's own Mermaid, MathJax and search box live in node_modules, by their
# /assets/lib/ name: the package, its folder, the script the pages load.
LIBRARIES = {
    "mermaid": ("mermaid", "dist", "mermaid.min.js"),
    "mathjax": ("mathjax", "es5", "tex-chtml.js"),
    "simple-jekyll-search": ("simple-jekyll-search", "dest", "simple-jekyll-search.min.js"),
}
GET_LIBRARIES = "(cd tests/js && npm ci), then run the demo again"
# The blog's settings that decide a post's page (its _config.yml): the post layout, each post
# at its own permalink (the default below is the blog's /posts/:title/), its time zone.
MARK = "# Written by scripts/demo.sh: replaced on each run. Delete this line to keep your own.\n"
CONFIG = (
    MARK
    + """\
title: hfpapers demo
lang: ko
timezone: Asia/Seoul
markdown: kramdown
social:
  name: lim4349
  links:
    - https://github.com/lim4349
defaults:
  - scope:
      path: ""
      type: posts
    values:
      layout: post
      permalink: /posts/:title/
"""
)
# A stand-in for a library that is not installed: the page says where it would be and how to get it.
MISSING = {
    "mermaid": """\
/* Stand-in written by scripts/demo.sh: Mermaid is not installed. */
window.mermaid = { initialize: function () {
  document.querySelectorAll('pre.mermaid').forEach(function (chart) {
    var note = document.createElement('p');
    note.className = 'demo-missing';
    note.textContent = 'The chart needs Mermaid: %s.';
    chart.before(note);
  });
} };
""",
    "mathjax": """\
/* Stand-in written by scripts/demo.sh: MathJax is not installed. */
(function () {
  var content = document.querySelector('article .content') || document.body;
  var note = document.createElement('p');
  note.className = 'demo-missing';
  note.textContent = 'Math shows as TeX source: MathJax needs %s.';
  content.prepend(note);
})();
""",
    "simple-jekyll-search": """\
/* Stand-in written by scripts/demo.sh: Simple-Jekyll-Search is not installed. */
window.SimpleJekyllSearch = function (options) {
  var note = document.createElement('p');
  note.className = 'demo-missing';
  note.textContent = 'The search box needs Simple-Jekyll-Search: %s.';
  options.searchInput.after(note);
};
""",
}
RECORDED = sorted(p.stem for p in (ROOT / "tests" / "fixtures" / "hf_api_daily_papers").glob("*.json"))
USAGE = (
    "usage: scripts/demo.sh [daily] [YYYY-MM-DD] | weekly YYYY-Www | monthly YYYY-MM"
    " | backfill START END | summaries [YYYY-MM-DD]"
)
DEFAULTS = {"daily": "2026-02-18", "weekly": "2026-W08", "monthly": "2026-02", "summaries": "2026-02-18"}


class PlanError(Exception):
    """Bad demo input; the message is one line."""


def parse_day(text: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise PlanError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def recorded_in(days: list[str], what: str, hint: str) -> None:
    if not days:
        raise PlanError(f"no recording for {what}; recorded: {hint}")


def plan(argv: list[str]) -> list[str]:
    """The spider and its arguments for ``argv`` (the demo's own arguments)."""
    mode = argv[0] if argv and not argv[0][:1].isdigit() else "daily"
    rest = argv[1:] if argv and mode == argv[0] else argv
    if mode not in (*DEFAULTS, "backfill"):
        raise PlanError(f"unknown demo {mode!r}; {USAGE}")
    if mode == "backfill":
        if len(rest) != 2:
            raise PlanError(f"backfill takes a first and a last day; {USAGE}")
        first, last = parse_day(rest[0]), parse_day(rest[1])
        if first > last:
            raise PlanError(f"backfill: {first} is after {last}")
        if first.isoformat() < RECORDED[0]:
            raise PlanError(f"backfill: the recordings start on {RECORDED[0]}")
        covered = [d for d in RECORDED if first.isoformat() <= d <= last.isoformat()]
        recorded_in(covered, f"{first} to {last}", ", ".join(RECORDED))
        return ["daily", f"start={first}", f"end={last}"]
    if len(rest) > 1:
        raise PlanError(f"{mode} takes one argument; {USAGE}")
    key = rest[0] if rest else DEFAULTS[mode]
    if mode in ("daily", "summaries"):
        day = parse_day(key).isoformat()
        recorded_in([d for d in RECORDED if d == day], day, ", ".join(RECORDED))
        return ["daily", f"date={day}"]
    if mode == "weekly":
        match = re.fullmatch(r"(\d{4})-W(\d{2})", key)
        try:
            assert match is not None
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except (AssertionError, ValueError):
            raise PlanError(f"{key!r} is not an ISO week (YYYY-Www, e.g. 2026-W08)") from None
        days = {(monday + timedelta(n)).isoformat() for n in range(7)}
        weeks = sorted({"{}-W{:02d}".format(*date.fromisoformat(d).isocalendar()[:2]) for d in RECORDED})
        recorded_in([d for d in RECORDED if d in days], key, ", ".join(weeks))
        return ["weekly", f"week={key}"]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", key):
        raise PlanError(f"{key!r} is not a month (YYYY-MM, e.g. 2026-02)")
    months = sorted({d[:7] for d in RECORDED})
    recorded_in([d for d in RECORDED if d.startswith(key + "-")], key, ", ".join(months))
    return ["monthly", f"month={key}"]


def is_demo_site(site: Path) -> bool:
    """Whether ``site`` is the demo's to shape: no _config.yml, or one the demo wrote (now, or
    before it built Chirpy-shaped pages)."""
    config = site / "_config.yml"
    if not config.exists():
        return True
    text = config.read_text(encoding="utf-8")
    return text.startswith(MARK) or text == "markdown: kramdown\n"


def prepare_site(site: Path) -> bool:
    """Make ``site`` a Chirpy-shaped Jekyll site for the demo's posts, unless it is a site of its
    own (`is_demo_site`); whether it did."""
    if not is_demo_site(site):
        return False
    config = site / "_config.yml"
    shutil.copytree(CHIRPY, site, ignore=shutil.ignore_patterns("README.md"), dirs_exist_ok=True)
    config.write_text(CONFIG, encoding="utf-8")
    (site / "crawl.log").unlink(missing_ok=True)  # where the demo kept its log before: Jekyll publishes it
    return True


def place_libraries(built: Path, node_modules: Path = NODE_MODULES) -> list[str]:
    """Each of `LIBRARIES` at ``built``/assets/lib/ (Chirpy's self-hosted place), linked from
    ``node_modules``; a stand-in that says how to get each one missing. The names of those."""
    missing = []
    for name, (package, folder, script) in LIBRARIES.items():
        target, place = node_modules / package / folder, built / "assets" / "lib" / name
        if place.is_symlink() or place.is_file():
            place.unlink()
        elif place.is_dir():
            shutil.rmtree(place)
        place.parent.mkdir(parents=True, exist_ok=True)
        if (target / script).is_file():
            place.symlink_to(target.resolve(), target_is_directory=True)
        else:
            place.mkdir()
            (place / script).write_text(MISSING[name] % GET_LIBRARIES, encoding="utf-8")
            missing.append(name)
    return missing


def report(log: Path, built: Path | None) -> list[str]:
    """What the run record in ``log`` says was written, one labelled line per file; with
    ``built`` (the Jekyll output folder), each post's page there too."""
    sys.path.insert(0, str(ROOT))
    from hfpapers.outcome import RunRecord

    record = RunRecord.from_log(log.read_text(encoding="utf-8", errors="replace"))
    if record is None:
        return [f"no run record in {log}"]
    files = [f for outcome in record.lists for f in outcome.files] + record.shared_files
    lines = []
    for name in dict.fromkeys(files):
        path = Path(name)
        if path.parent.name == "_posts":
            lines.append(f"post:      {path}")
            link = re.search(r"^permalink: *(\S+)", path.read_text(encoding="utf-8"), re.M)
            if built is not None and link:
                page = built / link[1].strip("/") / "index.html"
                lines.append(f"built:     {page}" + ("" if page.exists() else " (missing)"))
        else:
            lines.append(f"data file: {path}")
    if built is not None:
        # Whole paths: the demo runs in the checkout, the reader may be anywhere.
        # The pages load /assets/… from the site's root: a file:// URL would not find them.
        lines.append(f"view:      python3 -m http.server -d {built} 4000, then http://127.0.0.1:4000/")
    return lines


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["plan"]:
            print("\n".join(plan(argv[1:])))
        elif argv[:1] == ["site"] and len(argv) == 2:
            if not prepare_site(Path(argv[1])):
                print(f"site:      {argv[1]} has a _config.yml of its own: built as it is")
        elif argv[:1] == ["libraries"] and len(argv) == 2:
            site = Path(argv[1])
            # A site of its own keeps its own libraries (or CDN) in its own build.
            for name in place_libraries(site / "_site") if is_demo_site(site) else []:
                print(f"no {name}:  its page says how to get it: {GET_LIBRARIES}")
        elif argv[:1] == ["report"] and len(argv) in (2, 3):
            print("\n".join(report(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)))
        else:
            raise PlanError(USAGE)
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
