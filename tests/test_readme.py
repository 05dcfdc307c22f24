"""The README and docs/ tell the truth: the settings tables against settings.py, every link
to a file of the checkout, and a README short enough for its reader."""

from __future__ import annotations

import re
from pathlib import Path

from scrapy.settings import default_settings

from hfpapers import settings as project
from tests.conftest import ROOT

SETTINGS_DOC = ROOT / "docs" / "settings.md"
ROW_RE = re.compile(r"^\| ((?:`[A-Z_]+`(?:, )?)+) \| ([^|]*) \|", re.M)
TICKED_RE = re.compile(r"`([^`]*)`")
# [text](target) and ![alt](target): the file (up to a space, a ")" or a "#") and the fragment.
LINK_RE = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)")
HEADING_RE = re.compile(r"^#+ (.+)$", re.M)
README_MOST_LINES = 300
# The reference that left the README, each linked from it.
DOCS = ("docs/settings.md", "docs/design.md", "docs/performance.md")


def shown(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def table_rows() -> dict[str, str | None]:
    """Setting -> the default docs/settings.md gives (None: described in words)."""
    rows: dict[str, str | None] = {}
    for names, defaults in ROW_RE.findall(SETTINGS_DOC.read_text(encoding="utf-8")):
        names_list = TICKED_RE.findall(names)
        values = TICKED_RE.findall(defaults)
        if not values:
            rows.update(dict.fromkeys(names_list))
            continue
        assert len(values) == len(names_list), f"row {names}: {len(values)} defaults"
        rows.update(zip(names_list, values, strict=True))
    return rows


def own_settings() -> dict[str, object]:
    return {
        name: getattr(project, name)
        for name in dir(project)
        if name.isupper() and not hasattr(default_settings, name)
    }


def test_every_default_in_the_settings_doc_is_the_one_in_settings_py() -> None:
    rows = table_rows()
    assert len(rows) > 20
    for name, value in rows.items():
        assert hasattr(project, name), f"docs/settings.md names {name}, settings.py has no such setting"
        if value is None:
            assert not getattr(project, name), f"{name}: docs/settings.md gives a default settings.py lacks"
        else:
            assert value == shown(getattr(project, name)), name


def test_every_setting_of_ours_is_in_a_table() -> None:
    assert sorted(set(own_settings()) - set(table_rows())) == []


def user_docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MOST_LINES, f"README.md has {len(lines)} lines"


def anchors(doc: Path) -> set[str]:
    """The fragments GitHub gives a Markdown file's headings (lower case, no punctuation, - for spaces)."""
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    return {
        re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in HEADING_RE.findall(text)
    }


def test_every_link_to_a_file_leads_to_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {target for target, _ in LINK_RE.findall(readme)}
    assert set(DOCS) <= linked, f"README.md does not link {sorted(set(DOCS) - linked)}"
    for doc in user_docs():
        for target, fragment in LINK_RE.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            path = doc.parent / target if target else doc
            assert path.exists(), f"{doc.relative_to(ROOT)} links {target}: not there"
            if fragment and path.suffix == ".md":
                assert fragment in anchors(path), (
                    f"{doc.relative_to(ROOT)} links {target}#{fragment}: no such heading"
                )


def test_the_pictures_are_small() -> None:
    pictures = list((ROOT / "docs").glob("*.png"))
    assert pictures
    for picture in pictures:
        assert picture.stat().st_size < 300 * 1024, picture.name


def test_the_readme_starts_with_the_two_commands() -> None:
    """One installs and crawls, asking the Python first; the other is what CI runs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in first_block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert commands[0].startswith("python3 -c 'import hfpapers' && python3 -m venv .venv && ")
    assert commands[0].endswith(" && .venv/bin/scrapy crawl daily -s SITE_DIR=blog")
    assert commands[1] == "./scripts/test.sh"
    assert "exec ./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
