"""arXiv's text-mode TeX read as text: in the post (kramdown, then the page), on the card
(plain text), for the recorded days that have it; math byte for byte as it was.

The property tests draw TeX from a small grammar that knows which letters each piece
shows, so "no input loses or invents words" is checked against what the input means,
not against the code under test.
"""

from __future__ import annotations

import os
import random
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from scrapy.utils.defer import deferred_f_from_coro_f

from exporters import tex
from exporters.markdown import (
    _TOKEN_RE,
    _atoms,
    _math,
    inline_markdown,
    plain_nodes,
    plain_text,
    title_markdown,
)
from hfpapers.periods import day_period
from tests import jekyll
from tests.test_post_pages import paper, render

# --- the recorded cases, and what each form of TeX becomes ------------------------------------


@pytest.mark.parametrize(
    ("source", "markdown", "shown"),
    [
        (r"rate (72.6\% mean)", "rate (72.6% mean)", "rate (72.6% mean)"),  # 2026-08-20
        (r"an \textit{RL}-based sim", "an <em>RL</em>-based sim", "an RL-based sim"),  # 2026-02-16
        (r"uncontrolled AI R\&D", "uncontrolled AI R&amp;D", "uncontrolled AI R&D"),  # 2026-02-20
        (r"model (\"Ust\"un et al.,", "model (Üstün et al.,", "model (Üstün et al.,"),  # 2024-05-27
        (
            r"Code is available \href{https://github.com/mts-ai/COMPOT}{here}.",
            'Code is available <a href="https://github.com/mts-ai/COMPOT">here</a>.',
            "Code is available here.",
        ),
        (  # Hugging Face's own rendering of that \href (2026-02-18)
            "Code is available https://github.com/mts-ai/COMPOT{here}.",
            'Code is available <a href="https://github.com/mts-ai/COMPOT">here</a>.',
            "Code is available here.",
        ),
        (
            r"costs \$5, 1\_000 \#1 \{x\}",
            r"costs <span>&#36;</span>5, 1\_000 \#1 \{x\}",
            "costs $5, 1_000 #1 {x}",
        ),
        (
            r"Garc\'{i}a, \'Etienne, \c{C}elik, \v Sik, na\"\i ve, \~nu",
            None,
            "García, Étienne, Çelik, Šik, naïve, ñu",
        ),
        (r"Stra\ss e, \o{}re, \AE ther", None, "Straße, øre, Æther"),
        (
            "Fig.~3, et~al. but ~45 million and 3~5 GPUs",
            None,
            "Fig.\u00a03, et\u00a0al. but ~45 million and 3~5 GPUs",
        ),
        (
            "1870--2024, a---b, capability--reliability, x --> y",
            None,
            "1870–2024, a—b, capability–reliability, x --> y",
        ),
        ("the ``mis-evolution'' of", None, "the “mis-evolution” of"),
        (
            r"\emph{a \textbf{b}} {\bf c} {\it d}",
            "<em>a <strong>b</strong></em> <strong>c</strong> <em>d</em>",
            "a b c d",
        ),
        (r"\texttt{run--fast|x<y}", "<code>run--fast&#124;x&lt;y</code>", "run--fast|x<y"),
        (
            r"\textsc{AIEV-Instruct} and \LaTeX{} text",
            r"AIEV-Instruct and LaTeX text",
            "AIEV-Instruct and LaTeX text",
        ),
        (r"see \url{https://a.example/b_c}", "see <https://a.example/b_c>", "see https://a.example/b_c"),
        # Unknown commands, and what the known ones do not take, stay as written.
        (
            r"(\method) \cite{x}",
            r"(<span>&#92;</span>method) <span>&#92;</span>cite\{x\}",
            r"(\method) \cite{x}",
        ),
        (r"\url{javascript:alert(1)}", None, r"\url{javascript:alert(1)}"),
        (r"\href{javascript:x}{click}", None, r"\href{javascript:x}{click}"),
        (r"\textbf{never closed", None, r"\textbf{never closed"),
        (r"\'1 and \c{ab}", None, r"\'1 and \c{ab}"),
        (r"line \\ break and \ space", None, r"line \\ break and \ space"),
    ],
)
def test_text_mode_tex_reads_as_text(source: str, markdown: str | None, shown: str) -> None:
    rendered, has_math = inline_markdown(source)
    assert not has_math
    if markdown is not None:
        assert rendered == markdown
    assert plain_nodes(tex.parse(source, _atoms(source))) == shown


def test_math_and_its_neighbours() -> None:
    source = r"gains 9\% with $9\%$ and \textbf{$x_{1}$ bold}, \$5 and $$\sum_i a_i$$ but \$$y$$"
    rendered, has_math = inline_markdown(source)
    assert has_math
    assert rendered == (
        r"gains 9% with $$9\%$$ and <strong>$$x_{1}$$ bold</strong>, <span>&#36;</span>5 and"
        r" $$\sum_i a_i$$ but <span>&#92;</span>$$y$$"
    )


def test_a_title_reads_its_tex_too() -> None:
    assert title_markdown(r"R\&D \textit{at} Scale -- a Study") == "R&amp;D <em>at</em> Scale – a Study"
    assert title_markdown("1. Not a list") == r"1\. Not a list"
    assert plain_text(r"R\&D \textit{at} Scale") == "R&D at Scale"


# --- the property: no input loses or invents a letter ---------------------------------------

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def letters(text: str) -> str:
    """The letters and digits a text shows, accents set aside."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if c.isalnum())


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 8)))


def _flat(rng: random.Random) -> tuple[str, str]:
    """One piece of TeX and the letters it shows."""
    w, letter = _word(rng), rng.choice("aeiouAEIOUcsnzg")
    pieces = [
        (w, w),
        (rng.choice([", ", ". ", "(", ")", " -- ", "---", "; "]), ""),
        ("\\" + rng.choice("%&$_#{}"), ""),
        (rng.choice(["\\{a}{{{l}}}", "\\{a}{l}"]).format(a=rng.choice("\"'`^~=."), l=letter), letter),
        (rng.choice(["\\{a}{{{l}}}", "\\{a} {l}"]).format(a=rng.choice("cvuHkrdb"), l=letter), letter),
        (rng.choice(["\\'\\i", '\\"{\\i}']), "i"),
        rng.choice([("\\ss{}", "ß"), ("\\o{}", "ø"), ("\\ae{}", "æ"), ("\\L{}", "Ł")]),
        (f"\\unknown{w} ", f"unknown{w}"),  # a command not known here: as written
        (f"Fig.~{w}", f"Fig{w}"),
        (f"``{w}''", w),
        (f"${w}_1$", f"{w}1"),  # math: its source
        (f"\\url{{https://ex.org/{w}}}", f"httpsexorg{w}"),
        (f"https://ex.org/p{{{w}}}", w),  # Hugging Face's rendering of \href
        (f"\\texttt{{{w}\\_x}}", f"{w}x"),
    ]
    return rng.choice(pieces)


def _piece(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.7:
        return _flat(rng)
    inner = [_flat(rng) for _ in range(rng.randint(1, 4))]
    wrapper = rng.choice(["\\textit{%s}", "\\textbf{%s}", "\\emph{%s}", "{\\bf %s}", "\\textsc{%s}",
                          "\\href{https://ex.org/}{%s}"])  # fmt: skip
    return wrapper % " ".join(p[0] for p in inner), "".join(p[1] for p in inner)


def tex_case(rng: random.Random) -> tuple[str, str]:
    """A text of TeX pieces, and the letters a reader must see of it."""
    pieces = [_piece(rng) for _ in range(rng.randint(1, 10))]
    return " ".join(p[0] for p in pieces), "".join(p[1] for p in pieces)


# Derandomized, as test_post_safety.py's; HFPAPERS_FUZZ_EXAMPLES=5000 searches fresh examples.
FUZZ = os.environ.get("HFPAPERS_FUZZ_EXAMPLES")


@settings(max_examples=int(FUZZ or 500), derandomize=not FUZZ, deadline=None)
@given(rng=st.randoms(use_true_random=False))
def test_no_tex_loses_or_invents_a_letter(rng: random.Random) -> None:
    source, expected = tex_case(rng)
    assert letters(plain_nodes(tex.parse(source, _atoms(source)))) == letters(expected), source
    markdown, _ = inline_markdown(source)
    assert "\\textit" not in markdown and "\\href" not in markdown and "\\url" not in markdown


@settings(max_examples=int(FUZZ or 300), derandomize=not FUZZ, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([*"ab $\\{}_^~-`'\"%&", "\\textbf{", "$$", "https://x.org/"]), max_size=30
    ).map("".join)
)
def test_math_is_byte_for_byte_what_it_was(text: str) -> None:
    """The formulas the post hands MathJax are those the text's math tokens always gave."""
    expected = [
        _math(m.group("display") or m.group("inline")) for m in _TOKEN_RE.finditer(text) if m.group("math")
    ]
    rendered, has_math = inline_markdown(text)
    text_only = re.sub(r'href="[^"]*"', "", rendered)  # a URL's own dollars, in its link's target
    assert re.findall(r"\$\$[^$]*\$\$", text_only) == expected
    assert has_math == bool(expected)


@pytest.mark.slow
def test_the_page_shows_every_letter_of_the_tex(tmp_path: Path) -> None:
    """The real path, for 40 texts of the grammar: the post through Jekyll's kramdown, read back."""
    rng = random.Random(20260218)
    cases = [tex_case(rng) for _ in range(40)]
    papers = [paper(n, 100 - n, title=f"Paper {n}", abstract=source) for n, (source, _) in enumerate(cases)]
    for n, p in enumerate(papers, 1):
        p.rank = n
    post = tmp_path / "2026-02-18-daily-papers.md"
    post.write_text(render(papers, day_period(date(2026, 2, 18))), encoding="utf-8")
    page = lxml_html.fromstring(jekyll.build([post], tmp_path)[post.name].read_text(encoding="utf-8"))
    shown = [
        " ".join(li.text_content().split()).removeprefix("Abstract: ")
        for li in page.xpath("//details//li")
        if li.text_content().startswith("Abstract: ")
    ]
    assert [letters(s) for s in shown] == [letters(expected) for _, expected in cases]
    assert "\\textit" not in page.text_content() and "\\href" not in page.text_content()


# --- the recorded days that hold TeX ------------------------------------------------------------


@pytest.mark.slow
@deferred_f_from_coro_f
async def test_the_recorded_days_with_tex_read_as_text(crawl, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for day in ("2024-05-27", "2026-02-16", "2026-02-18", "2026-02-20", "2026-08-20"):
        result = await crawl(args={"date": day})
        assert result.record.ok, result.log[-3000:]
    posts = sorted((site / "_posts").iterdir())
    pages = jekyll.build(posts, tmp_path, chirpy=True)
    text = {name: jekyll.visible_text(page) for name, page in pages.items()}
    everything = " ".join(text.values())
    for raw in ("\\%", "\\&", "\\textit", "\\textsc", '\\"', "{here}", "\\href"):
        assert raw not in everything, raw
    assert "(Üstün et al.," in text["2024-05-27-daily-papers.md"]
    assert "54.6% speedup" in text["2024-05-27-daily-papers.md"]
    assert "AIEV-Instruct (Instruction Tuning with" in text["2024-05-27-daily-papers.md"]
    assert "RL-based sim-real Co-training" in text["2026-02-16-daily-papers.md"]
    assert "uncontrolled AI R&D" in text["2026-02-20-daily-papers.md"]
    assert "the “mis-evolution” of" in text["2026-02-20-daily-papers.md"]
    assert "(72.6% mean)" in text["2026-08-20-daily-papers.md"]
    assert "capability–reliability gap" in text["2026-02-18-daily-papers.md"]
    page = lxml_html.fromstring(pages["2026-02-18-daily-papers.md"].read_text(encoding="utf-8"))
    assert [a.text_content() for a in page.xpath('//a[@href="https://github.com/mts-ai/COMPOT"]')] == ["here"]
    rl = lxml_html.fromstring(pages["2026-02-16-daily-papers.md"].read_text(encoding="utf-8"))
    assert [em.text_content() for em in rl.xpath("//details//em")][:2] == ["RL", "Co"]
