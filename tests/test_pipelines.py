"""Normalize, dedupe and rank: the day-level operations."""

from __future__ import annotations

import pytest

from hfpapers.items import Paper
from hfpapers.pipelines import dedupe, normalize_paper, paper_errors, rank_by_likes
from hfpapers.text import clean_text, restore_urls, strip_version, trim_url


def paper(arxiv_id: str, upvotes: int, comments: int = 0, **kw: object) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=kw.pop("title", arxiv_id),  # type: ignore[arg-type]
        upvotes=upvotes,
        comments=comments,
        hf_url=f"https://huggingface.co/papers/{arxiv_id}",
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        **kw,  # type: ignore[arg-type]
    )


def test_competition_ranking_with_tie_breaks() -> None:
    ranked = rank_by_likes(
        [
            paper("2602.3", 5),
            paper("2602.2", 9),
            paper("2602.1", 5, comments=2),
            paper("2602.0", 5),
            paper("2602.9", 1),
        ]
    )
    assert [(p.arxiv_id, p.rank) for p in ranked] == [
        ("2602.2", 1),
        ("2602.1", 2),  # more comments first among the tied
        ("2602.0", 2),  # then arXiv id ascending
        ("2602.3", 2),
        ("2602.9", 5),
    ]


def test_dedupe_keeps_most_liked_and_counts() -> None:
    kept, dropped = dedupe([paper("2602.1", 3), paper("2602.1", 7), paper("2602.2", 1)])
    assert dropped == 1
    assert sorted((p.arxiv_id, p.upvotes) for p in kept) == [("2602.1", 7), ("2602.2", 1)]


def test_normalize_text() -> None:
    p = normalize_paper(
        paper(
            "2602.15763v3",
            4,
            title="  Cafe\u0301\n  of\tthe\x00 world\ud800 ",
            abstract="line one\nline two\r\n\r\nthree",
            organization="  ",
        )
    )
    assert p.arxiv_id == "2602.15763"
    assert p.title == "Café of the world"
    assert p.abstract == "line one line two three"
    assert p.organization is None


def test_text_helpers() -> None:
    assert strip_version("2106.09608v12") == "2106.09608"
    assert trim_url("https://github.com/zai-org/GLM-5.") == "https://github.com/zai-org/GLM-5"
    assert trim_url("https://en.wikipedia.org/wiki/Foo_(bar))") == "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert restore_urls("see this https URL and this http URL", ["https://a.b"]) == (
        "see https://a.b and this http URL"
    )
    assert clean_text("a\u00a0 b") == "a b"


def test_paper_schema_file_is_what_items_py_derives() -> None:
    """paper.schema.json is written once from items.py (python -m hfpapers.items); never stale."""
    import json
    import pkgutil

    from itemadapter import ItemAdapter

    data = pkgutil.get_data("hfpapers", "paper.schema.json")
    assert data is not None
    assert json.loads(data) == ItemAdapter.get_json_schema(Paper)


def test_redirects_stay_on_the_host_and_never_go_down_to_http() -> None:
    from hfpapers.middlewares import refused_redirect

    assert (
        refused_redirect(
            "https://huggingface.co/papers/date/2026-02-21", "https://huggingface.co/papers/date/2026-02-20"
        )
        == ""
    )
    assert refused_redirect("https://arxiv.org/abs/1", "https://arxiv.org:443/abs/1v2") == ""
    assert refused_redirect("http://export.arxiv.org/api/query", "https://export.arxiv.org/api/query") == ""
    assert refused_redirect("https://arxiv.org/abs/1", "http://arxiv.org/abs/1") == (
        "refused a redirect from arxiv.org down to http://arxiv.org"
    )
    assert refused_redirect("https://huggingface.co/x", "https://127.0.0.2/x") == (
        "refused a redirect from huggingface.co to 127.0.0.2"
    )
    assert refused_redirect("https://huggingface.co/x", "https://huggingface.co:8443/x") != ""
    assert refused_redirect("https://huggingface.co/x", "https://evil@huggingface.co.evil.test/x") != ""


def test_every_format_character_is_cleaned_from_text() -> None:
    """Soft hyphens, Arabic number signs, tag characters (U+E0020-E007F): invisible, or hiding text."""
    import sys
    import unicodedata

    formats = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(formats) > 150
    assert clean_text("a" + "".join(formats) + "b") == "ab"


def test_every_text_field_is_cleaned_before_it_reaches_a_file() -> None:
    """A lone surrogate in any field made the day's files fail to write (no UTF-8 for it)."""
    import json

    bad = "\ud800\u202e\U000e0041"
    p = normalize_paper(
        paper(
            "2602.15763",
            4,
            title=f"Title{bad}",
            published_at=f"2026-02-17T17:50:56.000Z{bad}",
            submitted_on_daily_at=f"2026-02-18T00:00:00.000Z{bad}",
            doi=f"10.1/x{bad}",
            primary_category=f"cs.CL{bad}",
            categories=[f"cs.CL{bad}", bad],
            journal_ref=bad,
            ai_keywords=[f"LLM{bad}"],
            summary_ko=f"요약{bad}",
        )
    )
    json.dumps(vars(p), ensure_ascii=False).encode("utf-8")  # no UnicodeEncodeError
    assert (p.title, p.published_at, p.submitted_on_daily_at) == (
        "Title",
        "2026-02-17T17:50:56.000Z",
        "2026-02-18T00:00:00.000Z",
    )
    assert (p.doi, p.primary_category, p.categories, p.ai_keywords) == ("10.1/x", "cs.CL", ["cs.CL"], ["LLM"])
    assert p.journal_ref is None  # nothing left of it
    assert p.summary_ko == "요약"


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("github_repo", "https://github.com/evil/\u202egnp.exe"),  # Chromium shows ".../exe.png"
        ("project_page", "https://huggingface.co\u200b.evil.example/login"),
        ("project_page", "https://example.org/page\n"),
        ("github_repo", "https://github.com/a b"),
        ("github_repo", "https://github.com/a/b\x00"),
        ("github_repo", "github.com/a/b"),  # no scheme: the schema dropped the whole paper
        ("project_page", "javascript:alert(1)"),
        ("thumbnail", "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2602.15763.png\n"),
    ],
)
def test_a_link_a_reader_cannot_trust_is_dropped_and_the_paper_kept(
    field: str, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    p = paper("2602.15763", 4)
    setattr(p, field, url)
    normalize_paper(p)
    assert getattr(p, field) is None
    assert paper_errors(p) is None
    assert f"2602.15763: dropped the link {field} = {url!r}: " in caplog.text


def test_good_links_are_kept_as_they_are() -> None:
    links = {
        "github_repo": "https://github.com/zai-org/GLM-5",
        "project_page": "https://example.org/a_(b)/?q=1#x",
        "thumbnail": "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2602.15763.png",
    }
    p = paper("2602.15763", 4)
    for name, url in links.items():
        setattr(p, name, url)
    normalize_paper(p)
    assert {name: getattr(p, name) for name in links} == links


def test_a_schema_error_quotes_a_long_value_by_its_start() -> None:
    p = paper("2602.15763", 4)
    p.upvotes = "9" * 100_000  # type: ignore[assignment]
    error = paper_errors(p)
    assert error is not None and error.startswith("upvotes = '999") and len(error) < 200
