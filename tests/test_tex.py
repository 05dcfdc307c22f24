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
import time
import unicodedata
from dataclasses import dataclass
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
    _tokens,
    inline_markdown,
    plain_line,
    plain_nodes,
    plain_text,
    title_markdown,
)
from hfpapers.periods import day_period
from hfpapers.text import find_urls
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
        # What only looks like TeX, or uses TeX's characters for something else, is kept.
        (
            "GET https://api.example.com/v1/users/{id} returns",  # a URL template: no link text "id"
            r"GET <https://api.example.com/v1/users/>\{id\} returns",
            "GET https://api.example.com/v1/users/{id} returns",
        ),
        (
            "see https://x.org/{owner}/{repo} and https://x.org/f{name}.json",
            None,
            "see https://x.org/{owner}/{repo} and https://x.org/f{name}.json",
        ),
        (
            "with x~N(0,1) and p~0.5 noise",
            r"with x\~N(0,1) and p\~0.5 noise",
            "with x~N(0,1) and p~0.5 noise",
        ),
        ("run --no-cache (or --dry-run) twice", None, "run --no-cache (or --dry-run) twice"),
        (r"files in C:\users\o and D:\data\ae{} go", None, r"files in C:\users\o and D:\data\ae{} go"),
        (r"call print(\"hi\") and M\"uller", None, r"call print(\"hi\") and M\"uller"),
        (r"say \'ok\' to na\"\i ve", None, r"say \'ok\' to naïve"),
        (r"\"{\i}, no escaped quote", None, "ï, no escaped quote"),
        # An http URL is never a link (the blog's html-proofer fails the site on one): its text.
        (
            "Please check http://berkeley-humanoid.com for more details.",  # 2024-08-01
            "Please check http://berkeley-humanoid.com for more details.",
            "Please check http://berkeley-humanoid.com for more details.",
        ),
        (
            r"see \url{http://a.example/x_y} and \href{http://b.example/}{the page}",
            r"see http://a.example/x\_y and the page (http://b.example/)",
            "see http://a.example/x_y and the page (http://b.example/)",
        ),
        (
            "Code at http://github.com/a/b{here}.",  # Hugging Face's rendering of an http \href
            "Code at here (http://github.com/a/b).",
            "Code at here (http://github.com/a/b).",
        ),
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


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (
            r"\href{https://evil.example/phish}{Click} GLM \url{https://evil.example/u}",
            "Click GLM https://evil.example/u",
        ),
        ("GLM https://evil.example/p{Click}", "GLM https://evil.example/p{Click}"),
        ("GLM https://evil.example/u and $x$", "GLM https://evil.example/u and x"),
    ],
)
def test_a_title_is_never_a_link(title: str, shown: str) -> None:
    markdown = title_markdown(title)
    assert "<a " not in markdown and "<https:" not in markdown and "](" not in markdown, markdown
    assert plain_line(title) == shown


# --- the property: no input loses or invents a character ------------------------------------

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# What TeX's accent commands put over a letter.
MARKS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
         ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
         "r": "\u030a", "d": "\u0323", "b": "\u0331"}  # fmt: skip


def seen(text: str) -> str:
    """The characters a text shows, in order: composed (NFC), its spaces (no-break too) aside."""
    return "".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class Piece:
    """A piece of TeX and what a reader sees of it (its spaces aside)."""

    source: str
    shown: str
    title: str | None = None  # what a title shows, when it differs: a title has no links
    accent: str = ""  # the accent command it reads ('"' for \"u)
    quotes: str = ""  # the accent command it writes as an escaped quote (print(\"hi\"))
    inner: tuple[Piece, ...] = ()  # a group's pieces: it shows theirs

    def seen(self, escaped_quotes: set[str], title: bool = False) -> str:
        if self.inner:
            return "".join(p.seen(escaped_quotes, title) for p in self.inner)
        if self.accent in escaped_quotes:  # a text that writes \" as a quote has no \" accent
            return seen(self.source)
        return seen(self.title if title and self.title is not None else self.shown)


PUNCTUATION = [(", ", ","), (". ", "."), ("(", "("), (")", ")"), (" -- ", "–"), ("---", "—"), ("; ", ";")]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 8)))


def _accent(rng: random.Random) -> Piece:
    letter = rng.choice("aeiouAEIOUcsnzg")
    if rng.random() < 0.5:
        accent = rng.choice("\"'`^~=.")
        form = rng.choice(["\\{a}{{{l}}}", "\\{a}{l}"])
    else:
        accent = rng.choice("cvuHkrdb")
        form = rng.choice(["\\{a}{{{l}}}", "\\{a} {l}"])
    shown = unicodedata.normalize("NFC", letter + MARKS[accent])
    return Piece(form.format(a=accent, l=letter), shown, accent=accent if not accent.isalpha() else "")


def _flat(rng: random.Random) -> Piece:
    """One piece of TeX and what it shows."""
    w = _word(rng)
    quote = rng.choice("\"'")
    pieces = [
        Piece(w, w),
        Piece(*rng.choice(PUNCTUATION)),
        Piece("\\" + (c := rng.choice("%&$_#{}")), c),
        _accent(rng),
        rng.choice([Piece("\\'\\i", "í", accent="'"), Piece('\\"{\\i}', "ï", accent='"')]),
        Piece(*rng.choice([("\\ss{}", "ß"), ("\\o{}", "ø"), ("\\ae{}", "æ"), ("\\L{}", "Ł")])),
        Piece(f"\\unknown{w} ", f"\\unknown{w}"),  # a command not known here: as written
        Piece(f"Fig.~{w}", f"Fig.{w}"),
        Piece(f"``{w}''", f"“{w}”"),
        Piece(f"${w}_1$", f"{w}_1"),  # math: its source
        Piece(f"\\url{{https://ex.org/{w}}}", f"https://ex.org/{w}"),
        # Hugging Face's rendering of \href; in a title, text as written.
        Piece(f"https://ex.org/p{{{w}}}", w, title=f"https://ex.org/p{{{w}}}"),
        Piece(f"\\texttt{{{w}\\_x}}", f"{w}_x"),
        # What only looks like TeX, or is TeX used for something else, shows as written.
        Piece(f"https://ex.org/v1/{{{w}}}", f"https://ex.org/v1/{{{w}}}"),  # a URL template
        Piece(f"x~N({w})", f"x~N({w})"),  # distributed as
        Piece(f"--no-{w}", f"--no-{w}"),  # a command-line option
        Piece(f"C:\\users\\o {w}", f"C:\\users\\o{w}"),  # a Windows path
        Piece(f"print(\\{quote}{w}\\{quote})", f"print(\\{quote}{w}\\{quote})", quotes=quote),  # code
        # An http link is its text and its URL (the blog's html-proofer refuses http links).
        Piece(f"\\href{{http://ex.org/}}{{{w}}}", f"{w}(http://ex.org/)", title=w),
        Piece(f"http://ex.org/{w}", f"http://ex.org/{w}"),
    ]
    return rng.choice(pieces)


def _piece(rng: random.Random) -> Piece:
    if rng.random() < 0.7:
        return _flat(rng)
    inner = tuple(_flat(rng) for _ in range(rng.randint(1, 4)))
    wrapper = rng.choice(["\\textit{%s}", "\\textbf{%s}", "\\emph{%s}", "{\\bf %s}", "\\textsc{%s}",
                          "\\href{https://ex.org/}{%s}"])  # fmt: skip
    return Piece(wrapper % " ".join(p.source for p in inner), "", inner=inner)


def _all(pieces: tuple[Piece, ...] | list[Piece]) -> list[Piece]:
    return [q for p in pieces for q in ([p] if not p.inner else _all(p.inner))]


def tex_case(rng: random.Random) -> tuple[str, str, str]:
    """A text of TeX pieces, what a reader must see of it in an abstract and in a title."""
    pieces = [_piece(rng) for _ in range(rng.randint(1, 10))]
    escaped_quotes = {p.quotes for p in _all(pieces) if p.quotes}
    source = " ".join(p.source for p in pieces)
    shown = "".join(p.seen(escaped_quotes) for p in pieces)
    return source, shown, "".join(p.seen(escaped_quotes, title=True) for p in pieces)


# Derandomized, as test_post_safety.py's; HFPAPERS_FUZZ_EXAMPLES=5000 searches fresh examples.
FUZZ = os.environ.get("HFPAPERS_FUZZ_EXAMPLES")


@pytest.mark.slow  # thousands of inputs: the full run checks them
@settings(max_examples=int(FUZZ or 500), derandomize=not FUZZ, deadline=None)
@given(rng=st.randoms(use_true_random=False))
def test_no_tex_loses_or_invents_a_character(rng: random.Random) -> None:
    source, expected, in_title = tex_case(rng)
    assert seen(plain_nodes(tex.parse(source, _atoms(source)))) == expected, source
    markdown, _ = inline_markdown(source)
    assert "\\textit" not in markdown and "\\href" not in markdown and "\\url" not in markdown
    assert not re.search(r'href="http:|<http:', markdown), source  # http is never a link
    # A title reads the same TeX, and is never a link.
    assert seen(plain_line(source)) == in_title, source
    title = title_markdown(source)
    assert "<a " not in title and "<http" not in title, source


@pytest.mark.slow  # thousands of inputs: the full run checks them
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


@pytest.mark.slow  # thousands of inputs: the full run checks them
@settings(max_examples=int(FUZZ or 500), derandomize=not FUZZ, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([*"ab '-.`$)", "''", "$$", "https://x.org/a", "http://y.z", "{", "\\"]), max_size=20
    ).map("".join)
)
def test_a_text_without_tex_is_its_atoms_between_its_text(text: str) -> None:
    """Taken without the reader, what the reader makes of it: in an abstract, and in a title."""
    atoms = _atoms(text)
    as_written: tex.Atoms = {start: (end, "text", "") for start, (end, _, _) in atoms.items()}
    for given_atoms, links in ((atoms, True), (atoms, False), (as_written, False)):
        read = tex._Parser(text, given_atoms, links).parse(0, len(text))
        assert tex.parse(text, given_atoms, links=links) == read


@pytest.mark.slow  # thousands of inputs: the full run checks them
@settings(max_examples=int(FUZZ or 300), derandomize=not FUZZ, deadline=None)
@given(text=st.lists(st.sampled_from([*"ab -`~{\\}'"]), max_size=12).map("".join))
def test_text_with_tex_is_told_from_text_without(text: str) -> None:
    assert tex.has_tex(text) == any(trigger in text for trigger in tex.TRIGGERS)


@pytest.mark.slow  # thousands of inputs: the full run checks them
@settings(max_examples=int(FUZZ or 500), derandomize=not FUZZ, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([*"ab $\\ 5h", "$$", "\\$", "http://", "https://", "hhttps://", "x.org/$a", ")."]),
        max_size=30,
    ).map("".join)
)
def test_tokens_are_found_where_the_token_pattern_finds_them(text: str) -> None:
    """Math and URLs are looked for only where one can start: the same ones, at the same places."""
    assert [m.group() for m in _tokens(text)] == [m.group() for m in _TOKEN_RE.finditer(text)]
    assert [m.span() for m in _tokens(text)] == [m.span() for m in _TOKEN_RE.finditer(text)]
    expected = {m.start(): m for m in _TOKEN_RE.finditer(text)}
    assert _atoms(text).keys() == expected.keys()


@pytest.mark.slow
def test_the_page_shows_every_character_of_the_tex(tmp_path: Path) -> None:
    """The real path, for 40 texts of the grammar: the post through Jekyll's kramdown, read back."""
    rng = random.Random(20260218)
    cases = [tex_case(rng) for _ in range(40)]
    papers = [
        paper(n, 100 - n, title=f"Paper {n}", abstract=source) for n, (source, _, _) in enumerate(cases)
    ]
    for n, p in enumerate(papers, 1):
        p.rank = n
    post = tmp_path / "2026-02-18-daily-papers.md"
    post.write_text(render(papers, day_period(date(2026, 2, 18))), encoding="utf-8")
    page = lxml_html.fromstring(jekyll.build([post], tmp_path)[post.name].read_text(encoding="utf-8"))
    shown = [
        li.text_content().removeprefix("Abstract: ")
        for li in page.xpath("//details//li")
        if li.text_content().startswith("Abstract: ")
    ]
    # kramdown writes math as \\( \\) for MathJax, which shows what is between.
    shown = [s.replace("\\(", "").replace("\\)", "") for s in shown]
    assert [seen(s) for s in shown] == [expected for _, expected, _ in cases]
    assert "\\textit" not in page.text_content() and "\\href" not in page.text_content()
    assert not page.xpath('//a[starts-with(@href, "http:")]')


# --- a hostile size: the work is linear in the text ------------------------------------------

MEGABYTE = 1_000_000
# Each a run that cost quadratic work: "``" searched the rest of the text for "''", an unclosed
# group read up to 4,000 characters each time, a URL's ")" counted the brackets again.
HOSTILE_RUNS = ["``", "\\textit{", "{\\bf ", "\\href{", "\\href{https://a.b}{", '\\"', "a~", "a--",
                "$$a", "\\", "https://a.b/{x} ", "https://a.b/c{x}", "C:\\a\\b "]  # fmt: skip


@pytest.mark.slow  # seconds of CPU in all (no process): out of the quick loop
@pytest.mark.parametrize("run", [*HOSTILE_RUNS, "http://a" + ")" * MEGABYTE, "http://a" + "." * MEGABYTE])
def test_a_megabyte_of_hostile_text_renders_in_linear_time(run: str) -> None:
    """A megabyte of each, as a paper's abstract and title, rendered into a post: a few seconds
    of CPU at most on a busy machine (about one here), where the quadratic reading took from
    13 minutes to hours and held the reactor (no stop, no deadline) all along."""
    text = run if len(run) > MEGABYTE else run * (MEGABYTE // len(run))
    hostile = paper(0, 1, title=text, abstract=text)
    hostile.rank = 1
    started = time.process_time()
    post = render([hostile], day_period(date(2026, 2, 18)))
    urls = find_urls(text)  # what arXiv's answer goes through in the spider
    took = time.process_time() - started
    assert took < 15, f"{took:.1f} s of CPU for {len(text):,} characters"
    assert len(post) > len(text) and len(urls) <= len(text)


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
