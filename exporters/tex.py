"""Text-mode TeX in titles and abstracts (arXiv's), read as the text it stands for.

arXiv abstracts are TeX source outside their math: ``72.6\\% mean``,
``\\textit{RL}-based``, ``R\\&D``, ``(\\"Ust\\"un``, ``\\href{url}{here}``, and
Hugging Face passes them on as they are (or flattens ``\\href{url}{here}`` into
``url{here}``). `parse` reads such a text into nodes: escaped specials become
their character, accents their letter, ``~`` between words a no-break space,
``--``/``---`` dashes, ````…''`` curly quotes, the style commands their text
(emphasis where Markdown has it), ``\\url``/``\\href`` links. Math is never
looked into: the caller finds it (``$…$``, ``$$…$$``) and the URLs, exactly as
it did before, and hands them over as *atoms* that come out unchanged.
Commands not known here stay as written, and so does anything malformed.

Nothing here escapes: `exporters.markdown` renders the nodes as kramdown
source or as plain text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hfpapers.text import URL_RE, trim_url


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Math:
    content: str
    """What MathJax gets between its delimiters, as the text has it."""


@dataclass(frozen=True)
class Link:
    url: str
    children: tuple[Node, ...] | None = None
    """The link's text; None: the URL itself."""


@dataclass(frozen=True)
class Styled:
    style: str
    """``em``, ``strong`` or ``code``."""
    children: tuple[Node, ...]


Node = Text | Math | Link | Styled

# An atom the caller found before: (end, what it is). Math: its content; a URL: "".
Atoms = dict[int, tuple[int, str, str]]

# Characters after which a text holds nothing for this module (the fast path).
TRIGGERS = ("\\", "~", "--", "``", "{")

_SPECIALS = {"%": "%", "&": "&", "$": "$", "_": "_", "#": "#", "{": "{", "}": "}"}
# Accents as combining characters, composed with their letter (NFC).
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
_SYMBOLS = {
    "ldots": "…",
    "dots": "…",
    "textendash": "–",
    "textemdash": "—",
    "textasciitilde": "~",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
}
# \textit{…} and friends; None: the text alone.
_STYLES: dict[str, str | None] = {
    "textit": "em",
    "emph": "em",
    "textsl": "em",
    "textbf": "strong",
    "texttt": "code",
    **dict.fromkeys(["textsc", "textrm", "textsf", "textup", "textmd", "textnormal", "mbox", "text"]),
    "underline": None,
}
# {\bf …}: a declaration at the start of a group styles the rest of it.
_DECLARATIONS: dict[str, str | None] = {
    **dict.fromkeys(["it", "em", "sl", "itshape", "slshape"], "em"),
    **dict.fromkeys(["bf", "bfseries"], "strong"),
    **dict.fromkeys(["tt", "ttfamily"], "code"),
    **dict.fromkeys(["sc", "rm", "sf", "scshape", "rmfamily", "sffamily", "upshape", "normalfont"]),
}
_WORD_RE = re.compile(r"[A-Za-z]+")
_DECLARATION_RE = re.compile(r"\{\\([A-Za-z]+)(?![A-Za-z])[ \t]*")
_DASH_RE = re.compile(r"-+")
# Hugging Face's rendering of \href{URL}{text}: the URL, then the text in braces.
_FLATTENED_HREF_RE = re.compile(r"\{([^{}\\\n]{1,200})\}")
MAX_DEPTH = 16  # groups within groups; deeper is left as written
MAX_GROUP = 4000  # characters in one command's argument


def _group(text: str, start: int, end: int, atoms: Atoms) -> int | None:
    """The end (after ``}``) of the balanced group opening at ``start``, within ``end``;
    None when it does not close there. Atoms (math, URLs) are skipped whole."""
    depth, i = 0, start
    limit = min(end, start + MAX_GROUP)
    while i < limit:
        atom = atoms.get(i)
        if atom is not None:
            i = atom[0]
            continue
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _accented(base: str, accent: str) -> str:
    if base in ("ı", "ȷ"):  # \'\i is í: the dot goes, the accent takes its place
        base = "i" if base == "ı" else "j"
    return unicodedata.normalize("NFC", base + accent)


def _is_url(value: str) -> bool:
    return bool(URL_RE.fullmatch(value)) and trim_url(value) == value


class _TextNodes:
    """The nodes of one run of text, plain characters gathered into `Text`."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.plain: list[str] = []

    def add(self, text: str) -> None:
        self.plain.append(text)

    def node(self, node: Node) -> None:
        self.flush()
        self.nodes.append(node)

    def flush(self) -> None:
        if self.plain:
            self.nodes.append(Text("".join(self.plain)))
            self.plain.clear()


class _Parser:
    def __init__(self, text: str, atoms: Atoms):
        self.text = text
        self.atoms = atoms

    def parse(self, start: int, end: int, depth: int = 0) -> list[Node]:
        text, atoms = self.text, self.atoms
        out = _TextNodes()
        quote_open = False
        i = start
        while i < end:
            atom = atoms.get(i)
            if atom is not None:
                atom_end, kind, payload = atom
                if kind == "math":
                    out.node(Math(payload))
                    i = atom_end
                else:
                    i = self._url(i, atom_end, end, depth, out)
                continue
            char = text[i]
            if char == "\\":
                i = self._command(i, end, depth, out)
            elif char == "{" and depth < MAX_DEPTH and (declared := self._declaration(i, end, depth, out)):
                i = declared
            elif char == "~" and self._is_tie(i, end):
                out.add("\u00a0")
                i += 1
            elif char == "-" and text.startswith("--", i):
                i = self._dashes(i, end, out)
            elif char == "`" and text.startswith("``", i) and text.find("''", i + 2, end) != -1:
                out.add("“")
                quote_open = True
                i += 2
            elif char == "'" and quote_open and text.startswith("''", i):
                out.add("”")
                quote_open = False
                i += 2
            else:
                out.add(char)
                i += 1
        out.flush()
        return out.nodes

    def _is_tie(self, i: int, end: int) -> bool:
        """``Fig.~3``, ``et~al.``: a tie between a word (or its full stop) and what follows.
        ``~45 million`` or ``3~5`` (about, and a range) stay as they are."""
        before = self.text[i - 1] if i > 0 else " "
        after = self.text[i + 1] if i + 1 < end else " "
        return (before.isalpha() or before == ".") and not after.isspace() and after != "~"

    def _dashes(self, i: int, end: int, out: _TextNodes) -> int:
        """``--`` an en dash, ``---`` an em dash; longer runs and arrows (``-->``) as written."""
        run = _DASH_RE.match(self.text, i, end)
        assert run is not None
        arrow = (i > 0 and self.text[i - 1] == "<") or self.text.startswith(">", run.end())
        dash = {2: "–", 3: "—"}.get(len(run.group()))
        out.add(run.group() if dash is None or arrow else dash)
        return run.end()

    def _url(self, i: int, url_end: int, end: int, depth: int, out: _TextNodes) -> int:
        url = self.text[i:url_end]
        flattened = _FLATTENED_HREF_RE.match(self.text, url_end, end)
        if flattened and depth < MAX_DEPTH:
            out.node(Link(url, tuple(self.parse(flattened.start(1), flattened.end(1), depth + 1))))
            return flattened.end()
        out.node(Link(url))
        return url_end

    def _argument(self, i: int, end: int) -> tuple[int, int] | None:
        """The content range of a ``{…}`` argument at ``i`` (spaces before it allowed)."""
        text = self.text
        while i < end and text[i] in " \t":
            i += 1
        if i >= end or text[i] != "{":
            return None
        close = _group(text, i, end, self.atoms)
        return None if close is None else (i + 1, close - 1)

    def _command(self, i: int, end: int, depth: int, out: _TextNodes) -> int:
        """One control sequence at ``i``; returns where reading goes on."""
        text = self.text
        nxt = i + 1
        if nxt >= end or nxt in self.atoms:  # a backslash before math or a URL: as written
            out.add("\\")
            return nxt
        word = _WORD_RE.match(text, nxt, end)
        name = word.group() if word else text[nxt]
        after = nxt + len(name)
        if not word and name in _SPECIALS:
            out.add(_SPECIALS[name])
            return after
        if name in _ACCENTS:
            return self._accent(i, after, end, _ACCENTS[name], out, word=bool(word))
        if name in _LETTERS:
            out.add(_LETTERS[name])
            return self._after_word(after, end, letter=True)
        if name in _SYMBOLS:
            out.add(_SYMBOLS[name])
            return self._after_word(after, end, letter=False)
        if name in _STYLES and depth < MAX_DEPTH and (argument := self._argument(after, end)):
            out.node(self._styled(_STYLES[name], argument[0], argument[1], depth))
            return argument[1] + 1
        if name == "url" and (argument := self._argument(after, end)):
            url = text[argument[0] : argument[1]].strip()
            if _is_url(url):
                out.node(Link(url))
                return argument[1] + 1
        if name == "href" and depth < MAX_DEPTH and (target := self._argument(after, end)):
            label = self._argument(target[1] + 1, end)
            url = text[target[0] : target[1]].strip()
            if label and _is_url(url):
                out.node(Link(url, tuple(self.parse(label[0], label[1], depth + 1))))
                return label[1] + 1
        out.add(text[i:after])  # not known here, or not as it takes it: as written
        return after

    def _after_word(self, i: int, end: int, letter: bool) -> int:
        """Past what ends a control word: an empty group, or (for a letter, as TeX
        reads ``Stra\\ss e``) one space before the rest of the word."""
        text = self.text
        if i + 2 <= end and text.startswith("{}", i):
            return i + 2
        if letter and i + 1 < end and text[i] == " " and text[i + 1].isalpha():
            return i + 1
        return i

    def _accent(self, i: int, after: int, end: int, accent: str, out: _TextNodes, word: bool) -> int:
        """``\\"U``, ``\\'{e}``, ``\\'\\i``, ``\\c{c}``, ``\\c c``: the accented letter; the
        accent command as written when no single letter follows."""
        text = self.text
        j = after
        if word:  # \c c: a control word is ended by the space before its letter
            while j < end and text[j] == " ":
                j += 1
        braced = j < end and text[j] == "{"
        k = j + 1 if braced else j
        base, stop = None, k
        if k < end and k not in self.atoms and (braced or j > after or not word):
            if text[k].isalpha() and text[k].isascii():
                base, stop = text[k], k + 1
            elif text.startswith(("\\i", "\\j"), k) and not text[k + 2 : k + 3].isalpha():
                base, stop = _LETTERS[text[k + 1]], k + 2
                if not braced:  # na\"\i ve: the control word \i ends at its space, or at {}
                    stop = self._after_word(stop, end, letter=True)
        if base is not None and braced:
            if stop < end and text[stop] == "}":
                stop += 1
            else:
                base = None
        if base is None:
            out.add(text[i:after])
            return after
        out.add(_accented(base, accent))
        return stop

    def _declaration(self, i: int, end: int, depth: int, out: _TextNodes) -> int | None:
        """``{\\bf text}``, ``{\\em text}``: the group's text, styled; None when it is no such group."""
        match = _DECLARATION_RE.match(self.text, i, end)
        if not match or match.group(1) not in _DECLARATIONS:
            return None
        close = _group(self.text, i, end, self.atoms)
        if close is None:
            return None
        out.node(self._styled(_DECLARATIONS[match.group(1)], match.end(), close - 1, depth))
        return close

    def _styled(self, style: str | None, start: int, end: int, depth: int) -> Node:
        if style == "code":
            # Typewriter text: its escaped specials read, nothing else (no dashes, no links).
            return Styled("code", (Text(_verbatim(self.text[start:end])),))
        return Styled(style or "", tuple(self.parse(start, end, depth + 1)))


_VERBATIM_RE = re.compile(r"\\([%&$_#{}])")


def _verbatim(text: str) -> str:
    return _VERBATIM_RE.sub(r"\1", text)


def parse(text: str, atoms: Atoms | None = None) -> list[Node]:
    """``text`` as nodes; ``atoms``: math and URLs found by the caller, by start offset."""
    return _Parser(text, atoms or {}).parse(0, len(text))


def has_tex(text: str) -> bool:
    """Whether ``text`` may hold anything `parse` reads (else it is one `Text`)."""
    return any(trigger in text for trigger in TRIGGERS)
