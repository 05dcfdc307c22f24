"""`Site`: the Jekyll site a run writes into, and where each list's files go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scrapy.settings import BaseSettings

from hfpapers.periods import Period


@dataclass(frozen=True)
class Site:
    root: Path

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Site:
        return cls(Path(settings.get("SITE_DIR") or ".").expanduser().resolve())

    def post(self, period: Period) -> Path:
        return self.root / "_posts" / period.post_name

    def data_file(self, period: Period) -> Path:
        return self.root / "_data" / "papers" / period.data_name
