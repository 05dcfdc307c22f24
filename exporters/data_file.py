"""`DataFileExporter`: one `PaperList` to its Jekyll data file (``_data/papers/*.json``).

One JSON object on one line: the list's period, counts and every paper with
all its fields, for Liquid templates and for the next run's comparison.
"""

from __future__ import annotations

import json
from typing import IO, Any

from scrapy.exporters import BaseItemExporter

from hfpapers.items import PaperList
from hfpapers.seal import DATA_VALUE, KEY, seal_data_bytes


def data_file_object(item: PaperList) -> dict[str, Any]:
    period = item.period
    return {
        "date": period.first.isoformat(),
        "kind": period.kind,
        "period": period.key,
        "last_day": period.last.isoformat(),
        "total_papers": item.total_papers,
        "found_papers": item.found_papers,
        "compared_with": item.compared_with,
        # vars(), not asdict(): the fields are plain JSON values, and a deep copy costs.
        "papers": [vars(paper) for paper in item.papers],
        # The seal: the sha256 of this file itself, by which a later run knows it unedited.
        KEY: DATA_VALUE,
        # Last: every paper found, shown or not, for the next run's comparison.
        "found": item.found,
    }


class DataFileExporter(BaseItemExporter):
    def __init__(self, file: IO[bytes], **kwargs: Any):
        kwargs.pop("settings", None)  # nothing to set
        super().__init__(dont_fail=True, **kwargs)
        self.file = file

    def export_item(self, item: Any) -> None:
        line = json.dumps(data_file_object(item), ensure_ascii=False) + "\n"
        self.file.write(seal_data_bytes(line.encode("utf-8")))
