"""What enters from Hugging Face and arXiv is checked where it enters: each field's type and
size, each date. A field of the wrong type or size costs that field (or, for an id, a title or
a date, that entry) alone, with a warning; a day that cannot be read is bad data for its list.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from fixture_server import FixtureServer
from hfpapers import arxiv, hf
from hfpapers.items import MAX_ABSTRACT, MAX_AUTHORS, MAX_TITLE
from hfpapers.responses import shown

DAY = "2026-02-18"
API = Path(__file__).parent / "fixtures" / "hf_api_daily_papers"
REAL = json.loads((API / f"{DAY}.json").read_text(encoding="utf-8"))[0]

# Values a hostile or changed Hugging Face could send in place of any field.
ODD_VALUES: list[Any] = [5, True, 1.5, None, "", "x" * 30_000, [], [5, None, "x"], {}, {"a": {"b": 1}}, -1]


def fields_of(entry: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every key path of an entry, its paper's too: ('numComments',), ('paper', 'authors')..."""
    return [(key,) for key in entry] + [("paper", key) for key in entry["paper"]]


def with_value(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    entry = copy.deepcopy(REAL)
    target = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return entry


@pytest.mark.parametrize("path", fields_of(REAL), ids="/".join)
def test_any_field_of_any_type_makes_a_paper_or_a_bad_entry_never_a_crash(path: tuple[str, ...]) -> None:
    for value in ODD_VALUES:
        entry = with_value(path, value)
        try:
            hf.entry_day(entry)
            hf.paper_from_entry(entry)
        except hf.PayloadError:
            pass  # the entry is bad: dropped alone, with a warning


def test_authors_that_are_no_list_cost_the_authors_alone(caplog: pytest.LogCaptureFixture) -> None:
    paper = hf.paper_from_entry(with_value(("paper", "authors"), 5))
    assert paper.authors == [] and paper.title == REAL["paper"]["title"]
    assert f"{paper.arxiv_id}: dropped the field authors (a int, not text): 5" in caplog.text


def test_author_names_that_are_no_names_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    authors = [{"name": "Ada"}, {"name": 5}, "x", None, {"name": "y" * 1000}, {"name": "Hid", "hidden": True}]
    paper = hf.paper_from_entry(with_value(("paper", "authors"), authors))
    assert paper.authors == ["Ada"]
    assert "left out 4 authors without a name" in caplog.text


def test_a_title_longer_than_any_title_is_a_bad_entry() -> None:
    with pytest.raises(hf.PayloadError, match=rf"a title of {MAX_TITLE + 1} characters, over {MAX_TITLE}"):
        hf.paper_from_entry(with_value(("paper", "title"), "T" * (MAX_TITLE + 1)))
    assert hf.paper_from_entry(with_value(("paper", "title"), "T" * MAX_TITLE)).title == "T" * MAX_TITLE


def test_an_abstract_longer_than_any_abstract_costs_the_abstract_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    paper = hf.paper_from_entry(with_value(("paper", "summary"), "``" * (MAX_ABSTRACT // 2 + 1)))
    assert paper.abstract == "" and paper.title == REAL["paper"]["title"]
    assert f"dropped the field summary ({MAX_ABSTRACT + 2} characters, over {MAX_ABSTRACT})" in caplog.text


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("paper", "ai_summary"), "s" * 3000, ("ai_summary", None)),
        (("paper", "ai_keywords"), ["k"] * 101, ("ai_keywords", [])),
        (("paper", "ai_keywords"), {"a": 1}, ("ai_keywords", [])),
        (("paper", "publishedAt"), [1], ("published_at", None)),
        (("paper", "githubRepo"), "https://github.com/" + "a" * 3000, ("github_repo", None)),
        (("organization",), {"fullname": "O" * 400}, ("organization", None)),
        (("organization",), ["x"], ("organization", None)),
    ],
)
def test_other_fields_too_long_or_of_another_type_are_dropped(
    path: tuple[str, ...], value: Any, expected: tuple[str, Any]
) -> None:
    paper = hf.paper_from_entry(with_value(path, value))
    name, dropped = expected
    assert getattr(paper, name) == dropped
    assert paper.title == REAL["paper"]["title"]


def test_long_odd_values_are_quoted_short_in_messages() -> None:
    """A 10 MB id is no 10 MB log line."""
    with pytest.raises(hf.PayloadError) as caught:
        hf.paper_from_entry(with_value(("paper", "id"), "9" * 10_000_000))
    assert len(str(caught.value)) < 120
    with pytest.raises(hf.PayloadError) as caught:
        hf.paper_from_entry(with_value(("paper", "upvotes"), "\u00b2" * 1_000_000))
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize(
    "value", [{"a": 1}, 20260218, "18/02/2026", "2026-02-30T00:00:00Z", "2026-02-18\ud800x"]
)
def test_a_date_that_cannot_be_read_is_a_bad_entry_not_another_day(value: Any) -> None:
    with pytest.raises(hf.PayloadError, match=r"submittedOnDailyAt: .* is not "):
        hf.entry_day(with_value(("paper", "submittedOnDailyAt"), value))


@pytest.mark.parametrize(
    "value", ["2026-02-18T08:26:00.000Z", "2026-02-18", "2026-02-18T00:00:00+00:00", None, ""]
)
def test_dates_as_hugging_face_writes_them(value: Any) -> None:
    expected = DAY if value else None
    assert hf.entry_day(with_value(("paper", "submittedOnDailyAt"), value)) == expected


@pytest.mark.parametrize("value", [20260218, ["2026-02-18"], "\ud800yesterday", "yesterday"])
def test_a_page_whose_day_cannot_be_read_is_bad_data(value: Any) -> None:
    with pytest.raises(hf.PayloadError, match="DailyPapers dateString: "):
        hf.payload_day({"dateString": value, "dailyPapers": []})
    assert hf.payload_day({"dateString": "2026-02-18", "dailyPapers": []}) == DAY
    assert hf.payload_day({"date": "2024-08-01T00:00:00.000Z", "dailyPapers": []}) == "2024-08-01"


def test_a_shown_value_is_short_and_encodes_as_utf8() -> None:
    for value in ["\ud800" * 1000, ["\udfff"] * 1000, {"k": "\ud800" * 100}, 10**5000, b"\xff" * 10**6]:
        text = shown(value)
        text.encode("utf-8")
        assert len(text) < 400


# --- arXiv -------------------------------------------------------------------------------------


def feed(*entries: str) -> str:
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"'
        ' xmlns:arxiv="http://arxiv.org/schemas/atom">' + "".join(entries) + "</feed>"
    )


def entry(arxiv_id: str, title: str = "T", summary: str = "An abstract.", extra: str = "") -> str:
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id><title>{title}</title>"
        f"<summary>{summary}</summary><author><name>Au Thor</name></author>{extra}</entry>"
    )


def test_a_paper_titled_error_is_a_paper() -> None:
    """arXiv's error feed is one entry under /api/errors; a title alone says nothing."""
    records = arxiv.parse_atom(feed(entry("2602.00001", title="Error"), entry("2602.00002")))
    assert sorted(records) == ["2602.00001", "2602.00002"]


def test_an_error_entry_among_papers_is_ignored_alone(caplog: pytest.LogCaptureFixture) -> None:
    error = (
        "<entry><id>https://arxiv.org/api/errors#incorrect_id_format_for_x</id><title>Error</title>"
        "<summary>incorrect id format for x</summary></entry>"
    )
    records = arxiv.parse_atom(feed(entry("2602.00001"), error, entry("2602.00002")))
    assert sorted(records) == ["2602.00001", "2602.00002"]
    assert "holds an error entry among its papers (incorrect id format for x); ignored" in caplog.text
    with pytest.raises(arxiv.ArxivError, match="incorrect id format for x"):
        arxiv.parse_atom(feed(error))


def test_arxiv_fields_longer_than_any_real_one_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    authors = "<author><name>X</name></author>" * (MAX_AUTHORS + 1)
    records = arxiv.parse_atom(
        feed(
            entry("2602.00001", summary="``" * (MAX_ABSTRACT // 2 + 1)),
            entry("2602.00002", extra=authors + "<arxiv:comment>" + "c" * 3000 + "</arxiv:comment>"),
        )
    )
    assert records["2602.00001"].abstract == "" and records["2602.00001"].authors == ["Au Thor"]
    assert records["2602.00002"].authors == [] and records["2602.00002"].comment is None
    assert records["2602.00002"].abstract == "An abstract."
    assert (
        f"2602.00001: dropped arXiv's summary ({MAX_ABSTRACT + 2} characters, over {MAX_ABSTRACT})"
        in caplog.text
    )


# --- in a crawl ---------------------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_one_entry_whose_authors_are_a_number_fails_nothing(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    entries = server.edit_day(DAY)
    entries[3]["paper"]["authors"] = 5
    server.faults.arxiv_api_omit = {entries[3]["paper"]["id"]}
    server.faults.fail_paths = {"/abs/": 404}
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    papers = {p["arxiv_id"]: p for p in result.data(DAY)["papers"]}
    assert len(papers) == 13 and papers[entries[3]["paper"]["id"]]["authors"] == []
    assert "Traceback" not in result.log


@deferred_f_from_coro_f
async def test_an_entry_with_an_unreadable_date_is_a_bad_entry(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    entries = server.edit_day(DAY)
    entries[2]["paper"]["submittedOnDailyAt"] = {"a": 1}
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    assert result.data(DAY)["total_papers"] == 12
    assert result.stats.get("papers/dropped") == 1 and "papers/other_day" not in result.stats
    assert "submittedOnDailyAt: {'a': 1} is not a date" in result.log


class PageWithDay(FixtureServer):
    """The fixture server whose day pages name ``day_string`` as their day."""

    day_string: Any = DAY

    def _with_props(self, props: dict[str, Any]) -> str:
        return super()._with_props({**props, "dateString": self.day_string})


@pytest.fixture
def odd_day_server() -> Any:
    server = PageWithDay().start()
    yield server
    server.stop()


@pytest.mark.parametrize("value", [20260218, "\ud800" + DAY + "x"])
@deferred_f_from_coro_f
async def test_a_page_whose_day_cannot_be_read_fails_its_list(  # type: ignore[no-untyped-def]
    value: Any, odd_day_server: PageWithDay, crawl, site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not "no papers": a changed date format must not read as endless weekends. The day is
    quoted escaped: a log file written as UTF-8 cannot hold a lone surrogate."""
    odd_day_server.day_string = value
    result = await crawl(
        args={"date": DAY},
        settings={"HF_BASE_URL": odd_day_server.url, "ARXIV_API_URL": f"{odd_day_server.url}/api/query"},
    )
    for record in caplog.records:
        logging.Formatter().format(record).encode("utf-8")
    (outcome,) = result.record.lists
    assert outcome.status == "failed"
    assert outcome.reason == f"{DAY}: DailyPapers dateString: {shown(value)} is not a date"
    assert not (site / "_posts").exists()


@deferred_f_from_coro_f
async def test_every_log_line_of_a_crawl_with_surrogates_everywhere_is_utf8(  # type: ignore[no-untyped-def]
    server: FixtureServer, crawl, caplog: pytest.LogCaptureFixture
) -> None:
    """Scrapyd's log is a file written as UTF-8: a lone surrogate there loses the line."""
    entries = server.edit_day(DAY)
    entries[0]["paper"]["id"] += "\ud800"  # a bad entry, named in a warning
    for entry in entries[1:]:
        for path in fields_of(entry):
            target = entry[path[0]] if len(path) == 2 else entry
            if isinstance(target.get(path[-1]), str) and path[-1] != "id":
                target[path[-1]] += "\ud800"
        for author in entry["paper"]["authors"]:
            author["name"] += "\udfff"
    await crawl(args={"date": DAY})
    for record in caplog.records:
        record.getMessage().encode("utf-8")
        logging.Formatter().format(record).encode("utf-8")


@deferred_f_from_coro_f
async def test_an_abstract_of_300_kb_is_dropped_where_it_enters(server: FixtureServer, crawl) -> None:  # type: ignore[no-untyped-def]
    """Nothing after the entry spends time on it (the renderer's TeX reading was quadratic)."""
    entries = server.edit_day(DAY)
    entries[0]["paper"]["summary"] = "Hello " + "``" * 150_000
    result = await crawl(args={"date": DAY})
    assert result.record.ok, result.log[-3000:]
    papers = {p["arxiv_id"]: p for p in result.data(DAY)["papers"]}
    assert len(papers) == 13 and papers[entries[0]["paper"]["id"]]["abstract"] == ""
    assert "````" not in result.post(DAY).read_text(encoding="utf-8")
