"""Crawled text to Jekyll-safe Markdown (kramdown) and YAML.

Text from the web is data: after Liquid, kramdown and the browser's MathJax
ran, the page must show it literally. Math is the one exception: ``$...$``
and ``$$...$$`` reach MathJax with their content unchanged, but for the TeX
macros that make links, styles or HTML (`safe_tex`).

Chirpy's MathJax takes ``$...$`` and ``\\(...\\)`` as inline math (its
``assets/js/data/mathjax.js``; ``processEscapes`` is MathJax's default, on).
kramdown turns ``\\$`` into a bare ``$``, so two prices in a paragraph would
pair. MathJax pairs delimiters only within one run of text, and every HTML
element but ``<br>``, ``<wbr>`` and comments ends a run: a ``$`` or ``\\`` of
plain text is written as ``<span>&#36;</span>`` / ``<span>&#92;</span>``, which
kramdown passes through and MathJax cannot pair with anything.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

from exporters import tex
from hfpapers.text import URL_RE, clean_text, trim_url

# Display math, then inline math by pandoc's rule: no space inside the
# delimiters and no digit right after the closing one ("$5 and $10" is money).
_MATH_RE = re.compile(
    r"\$\$(?P<display>[^$]+?)\$\$|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
)
_TOKEN_RE = re.compile(f"(?P<math>{_MATH_RE.pattern})|(?P<url>{URL_RE.pattern})")
# Where a token may start. The engine skips to the next "$" or "h" for this one, where for
# `_TOKEN_RE` (its branches open with groups and a lookbehind) it tries every position.
_TOKEN_START_RE = re.compile(r"\$|https?://")
# kramdown's escapable characters that can start markup or smart quotes, and
# HTML's own, as entities, "&" before the entities that add one. (Backslash
# and dollar are MathJax's: see _MATHJAX_SPANS.) A str.replace per
# character present is ~13x faster than str.translate on abstracts.
_ESCAPES = (
    *((c, "\\" + c) for c in "`*_{}[]#|\"'~"),
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
)
# Dashes and dots kramdown would turn into –, — and …
_TYPOGRAPHY_RE = re.compile(r"-{2,}|\.{3,}")
# Liquid starts a tag at "{{" or "{%"; nothing else in a post is Liquid.
_LIQUID_START_RE = re.compile(r"\{(?=[{%])")
# Plain YAML only for words that cannot read as another type (0, true, null, ~).
_PLAIN_YAML_RE = re.compile(r"[^\W\d_][\w .\-/]*")  # whole (fullmatch): "$" would pass a final "\n"
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


# Plain-text characters MathJax would read as the start of math, each in its own
# element (see the module's docstring). Entities, so kramdown reads neither.
_MATHJAX_SPANS = {"$": "<span>&#36;</span>", "\\": "<span>&#92;</span>"}
_MATHJAX_CHAR_RE = re.compile(r"([$\\])")
# TeX macros that make links, set styles, classes or ids, or load extensions
# (MathJax 3 loads its html, bbox, unicode and action packages on demand unless
# the site loads "safe"): shown as their names, never run. Matched as TeX reads
# control sequences, so "\\\\href" (a line break, then letters) is left alone.
_DANGEROUS_TEX = frozenset(
    [
        *("href", "url", "style", "class", "cssId", "data", "unicode", "require", "bbox"),
        *("mmlToken", "texttip", "mathtip", "toggle", "tooltip"),
    ]
)
_CONTROL_SEQUENCE_RE = re.compile(r"\\([A-Za-z]+|.)", re.S)


def safe_tex(content: str) -> str:
    """TeX with every dangerous macro (``\\href``, ``\\style``, ``\\html…``) shown as text."""
    if "\\" not in content:
        return content

    def _sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _DANGEROUS_TEX or name.startswith("html"):
            return f"\\backslash\\mathtt{{{name}}}"
        return match.group(0)

    return _CONTROL_SEQUENCE_RE.sub(_sub, content)


def _escape_plain(text: str) -> str:
    if "$" in text or "\\" in text:
        parts = _MATHJAX_CHAR_RE.split(text)  # text, "$" or "\\", text, …
        parts[0::2] = [_escape_kramdown(part) if part else "" for part in parts[0::2]]
        parts[1::2] = [_MATHJAX_SPANS[char] for char in parts[1::2]]
        return "".join(parts)
    return _escape_kramdown(text)


def _escape_kramdown(text: str) -> str:
    for char, escaped in _ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    if "--" in text or "..." in text:
        text = _TYPOGRAPHY_RE.sub(lambda m: "".join("\\" + c for c in m.group(0)), text)
    return text


def _math(content: str) -> str:
    # kramdown keeps $$...$$ verbatim (HTML-escaped) and hands it to MathJax, but
    # reads a line holding "|" as a table row, even inside math: MathJax reads
    # \vert and \Vert as | and ‖ (the space ends the control word: \vert x).
    content = safe_tex(content)
    if "|" in content:
        content = content.replace("\\|", "\\Vert ").replace("|", "\\vert ")
    return f"$${content}$$"


def link(url: str) -> str:
    """A link showing its URL: a kramdown autolink, or, when the URL holds ``$`` or ``\\``,
    an ``<a>`` whose text has them as elements of their own. In an autolink's text
    MathJax would typeset ``$b$``, and the URL shown would differ from the href."""
    if "$" not in url and "\\" not in url:
        return f"<{url}>"
    href = url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<a href="{href}">{_escape_plain(url)}</a>'


def linkable(url: str) -> bool:
    """Whether ``url`` may be a link: https only. The blog's deploy runs html-proofer, which
    fails the whole site on one ``http:`` link (its ``enforce_https``), so an http URL is
    shown as text, as it was written (never changed to https: that may be no page at all)."""
    return url.startswith("https://")


def url_markdown(url: str) -> str:
    """A URL as kramdown source: a link when `linkable`, else its text."""
    return link(url) if linkable(url) else _escape_plain(url)


def _atoms(text: str) -> tex.Atoms:
    """Math and URLs, found as they always were (leftmost first; a ``$`` inside a URL is
    the URL's), by start offset: the TeX reader leaves them whole."""
    atoms: tex.Atoms = {}
    if "$" in text:
        for match in _tokens(text):
            if match.group("math"):
                atoms[match.start()] = (match.end(), "math", match.group("display") or match.group("inline"))
            else:
                atoms[match.start()] = (match.start() + len(trim_url(match.group("url"))), "url", "")
    elif "://" in text:  # no math possible: URLs alone
        for match in URL_RE.finditer(text):
            atoms[match.start()] = (match.start() + len(trim_url(match.group())), "url", "")
    return atoms


def _tokens(text: str) -> Iterator[re.Match[str]]:
    """What ``_TOKEN_RE.finditer(text)`` finds: each of its matches starts at a "$" or at an
    ``http(s)://``, so it is tried there alone, leftmost first, after the previous one's end."""
    end = 0
    for candidate in _TOKEN_START_RE.finditer(text):
        if candidate.start() >= end and (match := _TOKEN_RE.match(text, candidate.start())):
            end = match.end()
            yield match


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    """Typewriter text as an HTML element kramdown keeps raw and MathJax skips: entities only
    (``|`` too, or kramdown reads the line as a table row)."""
    return "<code>" + html.escape(text, quote=False).replace("|", "&#124;") + "</code>"


def _render(nodes: list[tex.Node] | tuple[tex.Node, ...]) -> tuple[str, bool]:
    """Nodes as kramdown source; and whether any is math."""
    parts: list[str] = []
    has_math = False
    for node in nodes:
        if isinstance(node, tex.Text):
            parts.append(_escape_plain(node.text))
        elif isinstance(node, tex.Math):
            has_math = True
            parts.append(_math(node.content))
        elif isinstance(node, tex.Link):
            if not node.children:
                parts.append(url_markdown(node.url))
                continue
            inner, math = _render(node.children)
            has_math |= math
            if linkable(node.url):
                parts.append(f'<a href="{_attribute(node.url)}">{inner}</a>')
            else:  # its text, then the URL it would have linked to
                parts.append(f"{inner} ({_escape_plain(node.url)})")
        elif node.style == "code":
            parts.append(_code("".join(n.text for n in node.children if isinstance(n, tex.Text))))
        else:
            inner, math = _render(node.children)
            has_math |= math
            # Elements, not * and **: they nest, and kramdown reads the Markdown inside them.
            parts.append(f"<{node.style}>{inner}</{node.style}>" if node.style and inner else inner)
    return "".join(parts), has_math


def plain_nodes(nodes: list[tex.Node] | tuple[tex.Node, ...]) -> str:
    """Nodes as the text a reader sees: math as its source, a link as its text."""
    parts = []
    for node in nodes:
        if isinstance(node, tex.Text):
            parts.append(node.text)
        elif isinstance(node, tex.Math):
            parts.append(node.content)
        elif isinstance(node, tex.Link):
            if not node.children:
                parts.append(node.url)
            elif linkable(node.url):
                parts.append(plain_nodes(node.children))
            else:
                parts.append(f"{plain_nodes(node.children)} ({node.url})")
        else:
            parts.append(plain_nodes(node.children))
    return "".join(parts)


def inline_markdown(text: str) -> tuple[str, bool]:
    """One line of text as kramdown source that renders literally, its TeX read as text.

    Returns the Markdown and whether it contains math. URLs become autolinks.
    Liquid is handled separately, over the whole post, by `liquid_safe`.
    """
    atoms = _atoms(text)
    if not atoms and not tex.has_tex(text):
        return _escape_plain(text), False
    return _render(tex.parse(text, atoms))


def tex_text(text: str, links: bool = True) -> str:
    """What a reader sees of an abstract or title: its TeX read, math as its source, a link
    as its text. Without ``links`` (a title), ``\\url{u}`` is ``u`` and ``\\href{u}{t}`` is ``t``,
    and a URL is only its text."""
    atoms = _atoms(text)
    return plain_nodes(tex.parse(text, atoms, links=links)) if atoms or tex.has_tex(text) else text


# A list marker at the start of a text: written after "- " (a keyword line) it would
# open a list inside the item ("- 1. x", "- - x"). ("*" is escaped everywhere.)
_LIST_MARKER_RE = re.compile(r"^(\d*)([-+.)])(?=[ \t]|$)")


def escape_markdown(text: str) -> str:
    """Text as kramdown source with no math and no links: all literal, also at the
    start of a line or list item."""
    return _line_start_safe(_escape_plain(text))


def title_markdown(text: str) -> str:
    """A paper's title as kramdown source: its TeX read (``R\\&D``, ``\\textit{…}``), no
    math and no links (``\\url{u}`` is the text ``u``, ``\\href{u}{t}`` the text ``t``), literal
    also at the start of a line or list item. Math and URLs are taken as they are written."""
    atoms = _atoms(text)
    if not atoms and not tex.has_tex(text):
        return _line_start_safe(_escape_plain(text))
    as_written: tex.Atoms = {start: (end, "text", "") for start, (end, _, _) in atoms.items()}
    return _line_start_safe(_render(tex.parse(text, as_written, links=False))[0])


def _line_start_safe(text: str) -> str:
    if text[:1] in "-+0123456789":
        match = _LIST_MARKER_RE.match(text)
        if match and (match.group(1) or match.group(2) in "-+"):
            text = f"{match.group(1)}\\{match.group(2)}{text[match.end() :]}"
    return text


def liquid_safe(source: str) -> str:
    """Make every ``{{`` and ``{%`` plain text for Liquid.

    ``{% raw %}`` would end at a literal ``{% endraw %}`` in crawled text;
    printing the brace through Liquid cannot be closed from inside.
    """
    return _LIQUID_START_RE.sub('{{ "{" }}', source)


# A front-matter value that Chirpy prints as it is (the card's description, the image's
# caption) meets four readers: HTML (the home page's card, the post's header), XML (feed.xml,
# after Chirpy turns every "&" into "&amp;"), kramdown (jekyll-seo-tag's markdownify of the
# description for the meta tags) and MathJax (the post's header). A character is written as a
# look-alike only where one of them would read it as markup; everywhere else it is itself.
_KRAMDOWN_ESCAPABLE = "\\`*_{}[]()#+-.!:|\"'=<>$"
_BACKSLASH_RE = re.compile(r"\\(?=[" + re.escape(_KRAMDOWN_ESCAPABLE) + r"]|(?:begin|end|ref|eqref)\b)")
_REFERENCE_RE = re.compile(r"&[#\w;]{1,40}")
_EMPHASIS_UNDERSCORE_RE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LINK_RE = re.compile(r"\]\(")
# An extension kramdown runs: one that is closed ({::comment}…{:/comment}) or closes itself.
_EXTENSION_RE = re.compile(r"\{::\w+.*?(?:\{:/\w*\}|/\})")


def break_free(text: str, attribute: bool = False) -> str:
    """``text`` with a look-alike for each character that a reader of a front-matter value
    Chirpy prints as it is would take as markup (see above)."""
    if "<" in text:  # XML has no bare "<"; in HTML it opens a tag
        text = text.replace("<", "‹")
    if "›" in text or ">" in text:
        text = _closing_angles(text)
    if "&" in text:  # "R&D" stays; "&copy" or "&#123;" would be read as a character
        text = _REFERENCE_RE.sub(
            lambda m: "＆" + m.group()[1:] if html.unescape(m.group()) != m.group() else m.group(), text
        )
    if "\\" in text:  # kramdown drops it before its escapable characters; \( \begin open MathJax
        text = _BACKSLASH_RE.sub("＼", text)
    for char, lookalike in (("$", "＄"), ("*", "∗"), ("`", "｀")):
        if text.count(char) > 1:  # a pair: math, emphasis, a code span
            text = text.replace(char, lookalike)
    if text.count("_") > 1 and len(_EMPHASIS_UNDERSCORE_RE.findall(text)) > 1:  # snake_case is no emphasis
        text = _EMPHASIS_UNDERSCORE_RE.sub("＿", text)
    if _LINK_RE.search(text):  # [text](url): kramdown's link (a [text][ref] without its ref is text)
        text = text.replace("[", "［").replace("]", "］")
    if "|" in text:  # kramdown reads a line with "|" as a table row
        text = text.replace("|", "｜")
    if "{::" in text and _EXTENSION_RE.search(text):  # kramdown's extensions: {::comment}…{:/} hides
        text = text.replace("{::", "｛::")
    if text.count("~~") > 1:  # strikethrough
        text = text.replace("~", "～")
    if attribute and '"' in text:  # jekyll-seo-tag writes the image's alt into an attribute unescaped
        text = _curly_quotes(text)
    return text


def _closing_angles(text: str) -> str:
    """A ">" that closes a "‹" (so ``‹think›`` reads as a pair), and XML's forbidden ``]]>``."""
    out, open_angles = [], 0
    for i, char in enumerate(text):
        if char == "‹":
            open_angles += 1
        elif char == ">" and (open_angles or text[max(i - 2, 0) : i] == "]]"):
            open_angles = max(open_angles - 1, 0)
            char = "›"
        out.append(char)
    return "".join(out)


def _curly_quotes(text: str) -> str:
    quotes = iter(("“", "”") * (text.count('"') // 2 + 1))
    return re.sub('"', lambda _: next(quotes), text)


def plain_text(text: str, attribute: bool = False) -> str:
    """One line of plain text for a front-matter value a theme prints unescaped: its TeX
    read, math as its source, no line breaks, bidi or zero-width characters, and a
    look-alike only for a character that HTML, XML, kramdown or MathJax would read as
    markup there (``attribute``: also inside an HTML attribute's double quotes)."""
    return break_free(plain_line(text), attribute)


def plain_line(text: str) -> str:
    """One line of what a reader sees of a title: TeX read, links as text, math as its source,
    no line breaks, bidi or zero-width characters. Not yet safe to print unescaped (`break_free`)."""
    return clean_text(tex_text(clean_text(text), links=False))


# What YAML refuses in a document or reads as a line break, whatever clean_text keeps
# (Psych refuses the whole front matter, and Jekyll publishes the post without it):
# DEL and C1 controls, U+2028/2029, the BOM, noncharacters; lone surrogates, no text.
_YAML_UNSAFE_RE = re.compile(
    "[\x7f-\x9f\u2028\u2029\ufeff\ufdd0-\ufdef\ud800-\udfff"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17))
    + "]"
)


def _yaml_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xD800 <= code <= 0xDFFF:
        return ""
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def yaml_scalar(value: str) -> str:
    """A YAML scalar for front matter: plain when safe, else double-quoted, with
    every character YAML refuses or reads as a line break escaped."""
    value = clean_text(value)
    if _PLAIN_YAML_RE.fullmatch(value) and value.lower() not in _YAML_WORDS and not value.endswith("."):
        return value
    # A JSON string is a valid YAML double-quoted scalar (JSON escapes C0 controls).
    return _YAML_UNSAFE_RE.sub(_yaml_escape, json.dumps(value, ensure_ascii=False))


def yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(v) for v in values) + "]"
