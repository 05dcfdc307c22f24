"""The settings tables of docs/settings.md tell the truth about settings.py."""

from __future__ import annotations

import re

from scrapy.settings import default_settings

from hfpapers import settings as project
from tests.conftest import ROOT

ROW_RE = re.compile(r"^\| ((?:`[A-Z_]+`(?:, )?)+) \| ([^|]*) \|", re.M)
TICKED_RE = re.compile(r"`([^`]*)`")


def shown(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def table_rows() -> dict[str, str | None]:
    """Setting -> the default docs/settings.md gives (None: described in words)."""
    rows: dict[str, str | None] = {}
    for names, defaults in ROW_RE.findall((ROOT / "docs" / "settings.md").read_text(encoding="utf-8")):
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
