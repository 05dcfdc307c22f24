"""Crawled text to Jekyll-safe Markdown (kramdown) and YAML.

Text from the web is data: after Liquid and kramdown ran, the page must
show it literally. Math is the one exception: ``$...$`` and ``$$...$$``
reach MathJax with their content unchanged.
"""

from __future__ import annotations

import json
import re

from hfpapers.text import URL_RE, clean_text, trim_url

# Display math, then inline math by pandoc's rule: no space inside the
# delimiters and no digit right after the closing one ("$5 and $10" is money).
_MATH_RE = re.compile(
    r"\$\$(?P<display>[^$]+?)\$\$|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
)
_TOKEN_RE = re.compile(f"(?P<math>{_MATH_RE.pattern})|(?P<url>{URL_RE.pattern})")
_URL_ONLY_RE = re.compile(f"(?P<math>(?!))|(?P<url>{URL_RE.pattern})")
# kramdown's escapable characters that can start markup or smart quotes, and
# HTML's own, as entities. In this order: the backslash before the escapes
# that add one, "&" before the entities that add one. A str.replace per
# character present is ~13x faster than str.translate on abstracts.
_ESCAPES = (
    *((c, "\\" + c) for c in "\\`*_{}[]#|\"'$~"),
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
)
# Dashes and dots kramdown would turn into –, — and …
_TYPOGRAPHY_RE = re.compile(r"-{2,}|\.{3,}")
# Liquid starts a tag at "{{" or "{%"; nothing else in a post is Liquid.
_LIQUID_START_RE = re.compile(r"\{(?=[{%])")
# Plain YAML only for words that cannot read as another type (0, true, null, ~).
_PLAIN_YAML_RE = re.compile(r"^[^\W\d_][\w .\-/]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def _escape_plain(text: str) -> str:
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
    if "|" in content:
        content = content.replace("\\|", "\\Vert ").replace("|", "\\vert ")
    return f"$${content}$$"


def inline_markdown(text: str) -> tuple[str, bool]:
    """One line of text as kramdown source that renders literally.

    Returns the Markdown and whether it contains math. URLs become autolinks.
    Liquid is handled separately, over the whole post, by `liquid_safe`.
    """
    if "$" in text:
        tokens = _TOKEN_RE
    elif "://" in text:
        tokens = _URL_ONLY_RE  # no math possible: skip the costlier pattern
    else:
        return _escape_plain(text), False
    out: list[str] = []
    pos = 0
    has_math = False
    for match in tokens.finditer(text):
        out.append(_escape_plain(text[pos : match.start()]))
        if match.group("math"):
            has_math = True
            out.append(_math(match.group("display") or match.group("inline")))
            pos = match.end()
        else:
            url = trim_url(match.group("url"))
            out.append(f"<{url}>")
            pos = match.start() + len(url)
    out.append(_escape_plain(text[pos:]))
    return "".join(out), has_math


def escape_markdown(text: str) -> str:
    """Text as kramdown source with no math and no links: all literal."""
    return _escape_plain(text)


def liquid_safe(source: str) -> str:
    """Make every ``{{`` and ``{%`` plain text for Liquid.

    ``{% raw %}`` would end at a literal ``{% endraw %}`` in crawled text;
    printing the brace through Liquid cannot be closed from inside.
    """
    return _LIQUID_START_RE.sub('{{ "{" }}', source)


def yaml_scalar(value: str) -> str:
    """A YAML scalar for front matter: plain when safe, else double-quoted."""
    value = clean_text(value)
    if _PLAIN_YAML_RE.match(value) and value.lower() not in _YAML_WORDS and not value.endswith("."):
        return value
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(v) for v in values) + "]"
