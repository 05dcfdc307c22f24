"""Parsing real arXiv API feeds and abstract pages."""

from __future__ import annotations

import pytest

from fixture_server import FIXTURES
from hfpapers import arxiv
from hfpapers.hf import paper_from_entry

ATOM = FIXTURES / "arxiv_api_atom"
ABS = FIXTURES / "arxiv_abs_html"


def atom(name: str) -> str:
    return next(ATOM.glob(f"{name}*.atom.xml")).read_text(encoding="utf-8")


def test_entry_fields() -> None:
    records = arxiv.parse_atom(atom("id_1707.08567_s0"))
    record = records["1707.08567"]
    assert record.title.startswith("Proceedings of Workshop AEW10")
    assert record.primary_category == "cs.IT"
    assert record.comment and record.comment.startswith("44 pages")
    assert len(record.authors) == 34
    assert record.published == "2017-07-27T08:18:33Z"


def test_unknown_id_is_simply_missing() -> None:
    assert list(arxiv.parse_atom(atom("id_0808.05394_1707.08567"))) == ["1707.08567"]
    assert arxiv.parse_atom(atom("id_0000.0000")) == {}


def test_error_feed_raises_with_arxiv_message() -> None:
    with pytest.raises(arxiv.ArxivError, match="incorrect id format for abc"):
        arxiv.parse_atom(atom("id_abc"))


def test_versions_are_stripped_and_old_ids_kept() -> None:
    assert list(arxiv.parse_atom(atom("id_2104.12255v1"))) == ["2104.12255"]
    assert list(arxiv.parse_atom(atom("id_quant-ph_0201082v1"))) == ["quant-ph/0201082"]
    old = arxiv.parse_atom(atom("id_astro-ph_0601001"))["astro-ph/0601001"]
    assert old.journal_ref and old.journal_ref.startswith("Acta")


def test_doi_and_primary_category_first() -> None:
    records = arxiv.parse_atom(atom("q_testing"))
    assert len(records) == 10
    assert records["2202.12139"].doi == "10.1109/ICSTW55395.2022.00035"
    for record in records.values():
        assert record.categories[0] == record.primary_category


def test_legacy_feed_summary_is_unwrapped() -> None:
    record = arxiv.parse_atom(atom("legacy_2016"))["1111.2011"]
    assert "\n" not in record.abstract
    assert record.doi == "10.1103/PhysRevB.85.115117"


def test_real_abstract_page() -> None:
    page = (ABS / "arxiv_abs_2106.09608v2_2021.html").read_text(encoding="utf-8")
    record = arxiv.parse_abs_page(page, "2106.09608v2")
    assert record.arxiv_id == "2106.09608"
    assert record.title == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert record.authors == ["Prithviraj Ammanabrolu", "Mark O. Riedl"]
    assert record.categories == ["cs.LG", "cs.AI", "cs.CL"]
    assert record.abstract.startswith("World models improve a learning agent's ability")
    assert "Abstract:" not in record.abstract and "\n" not in record.abstract
    assert record.comment == "Camera read, in Proceedings of NeurIPS 2021 Main Conference"


def test_this_https_url_becomes_the_real_address() -> None:
    html = (
        'Code at <a href="https://github.com/zai-org/GLM-5" class="link-external link-https">'
        'this https URL</a>. See <a href="http://x.org/a">the site</a>; *not* _markup_.'
    )
    assert arxiv.abstract_html_to_text(html) == (
        "Code at https://github.com/zai-org/GLM-5. See the site (http://x.org/a); *not* _markup_."
    )


def test_enrich_fills_placeholders_from_hugging_face_copy() -> None:
    import json

    entry = json.loads((FIXTURES / "hf_api_daily_papers" / "2026-02-18.json").read_text())[0]
    paper = paper_from_entry(entry)
    record = arxiv.ArxivRecord(
        arxiv_id=paper.arxiv_id,
        abstract="Code, models, and more information are available at this https URL .",
        categories=["cs.CL", "cs.AI"],
        primary_category="cs.CL",
    )
    arxiv.enrich(paper, record, "arxiv_abs")
    assert paper.abstract.endswith("available at https://github.com/zai-org/GLM-5 .")
    assert paper.abstract_source == "arxiv_abs"
    assert paper.categories == ["cs.CL", "cs.AI"]
