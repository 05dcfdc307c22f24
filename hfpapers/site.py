"""`Site`: the Jekyll site a run writes into, where each list's files go, and the rule for
the folders anything is written into: real folders inside SITE_DIR."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from scrapy.settings import BaseSettings

from hfpapers.periods import Period


class UnsafeSiteError(OSError):
    """A folder the run would write through: a symbolic link, a file, or outside SITE_DIR."""


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

    def real_folder(self, folder: Path, *, create: bool = False) -> None:
        """Make sure ``folder`` is a real folder inside the site: no part of it below the root
        a symbolic link or a file (with ``create``, missing parts are made).

        Raises `UnsafeSiteError`, or `OSError` when a part is missing or cannot be made.
        """
        try:
            parts = folder.relative_to(self.root).parts
        except ValueError:
            raise UnsafeSiteError(f"{folder} is outside the site {self.root}") from None
        current = self.root
        for part in parts:
            current = current / part
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(current)
            info = os.lstat(current)
            if stat.S_ISLNK(info.st_mode):
                raise UnsafeSiteError(
                    f"{current} is a symbolic link; hfpapers writes only into real folders inside SITE_DIR"
                )
            if not stat.S_ISDIR(info.st_mode):
                raise UnsafeSiteError(f"{current} is not a folder")
