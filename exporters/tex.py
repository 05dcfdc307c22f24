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

Reading never invents a character or loses one where a text uses TeX's characters for
something else: a URL template's ``{id}`` stays in the URL's text, ``x~N(0,1)`` keeps its
``~`` (a tie follows a word), ``--no-cache`` its dashes (an option, not a dash between
words), a Windows path (``C:\\users\\o``) is written as it is, and a text that writes
``\\"`` as an escaped quote (``print(\\"hi\\")``) has none of its ``\\"`` read as an accent.

The work is linear in the text, whatever it holds: plain text is taken a run at a time,
the braces are matched once, and the search for a closing ``''`` goes on from where it was.

Nothing here escapes: `exporters.markdown` renders the nodes as kramdown
source or as plain text.
"""

from __future__ import annotations

import bisect
import re
import sys
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

# An atom, by its start: (end, kind, payload). Kinds: "math" (payload: its content) and "url",
# found by the caller; "text", taken as it is (a Windows path, found here).
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
# What follows a URL's ``{…}`` when it is a URI template's (``users/{id}/posts``, ``{name}.json``)
# rather than a link's text; and how such a template's ``{…}`` may start (RFC 6570's operators).
_TEMPLATE_GOES_ON_RE = re.compile(r"[/?#&={]|\.\S")
_TEMPLATE_OPERATORS = "+#./;?&"
# Where this module may read something: a command, a declaration's group ("{\\"), dashes,
# quotes ("``", "''"), a tie after a full stop or two letters. What lies between is plain text,
# taken as one piece. Written as one character class, then what must go with it: the regex
# engine then skips to the next such character at C speed (an alternation is 5x slower).
_SPECIAL_RE = re.compile(
    r"[\\{`'~-](?:(?<=\\)|(?<={)(?=\\)|(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=\.~)|(?<=[^\W\d_]{2}~))"
)
_BRACE_RE = re.compile(r"[{}]")
# An accent command that is followed by no letter, brace or backslash (``\")``, ``\" ``): the
# text writes it as an escaped quote. ``\\`` (a line break) escapes no quote.
_QUOTE_LIKE_RE = re.compile(r"\\\\|\\([\"'`^~=.])(?![A-Za-z{\\])", re.S)
# A Windows path at the start of a word, to its end: written as it is, never read as TeX.
_PATH_RE = re.compile(r"(?<![^\s(\[{\"'`])[A-Za-z]:\\[^\s{}$]*")
MAX_DEPTH = 16  # groups within groups; deeper is left as written


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
    def __init__(self, text: str, atoms: Atoms, links: bool):
        self.text = text
        self.links = links
        if ":\\" in text:
            atoms = {**atoms, **_paths(text, atoms)}
        self.atoms = atoms
        self.starts = sorted(atoms)
        self.quote_like = self._quote_like() if "\\" in text else set()
        self._closes: dict[int, int] | None = None  # each group's "{" -> its "}", found once
        # The last search for "''": from where, and what it found (-1: none to the end).
        self._quotes_from, self._quotes_at = sys.maxsize, -1

    def parse(self, start: int, end: int, depth: int = 0) -> list[Node]:
        text, atoms = self.text, self.atoms
        out = _TextNodes()
        add = out.plain.append
        quote_open = False
        i, stop = start, -1  # stop: where the next atom starts (or end); none starts before it
        while i < end:
            if i >= stop:
                atom = atoms.get(i)
                if atom is not None:
                    atom_end, kind, payload = atom
                    if kind == "math":
                        out.node(Math(payload))
                        i = atom_end
                    elif kind == "url":
                        i = self._url(i, atom_end, end, depth, out)
                    else:  # text to take as it is
                        add(text[i:atom_end])
                        i = atom_end
                    continue
                stop = self._next_atom(i, end)
            # One character past the stop, for a tie's look at what follows it.
            special = _SPECIAL_RE.search(text, i, stop + 1)
            plain_end = stop if special is None else special.start()
            if plain_end > i:
                plain_end = min(plain_end, stop)
                add(text[i:plain_end])
                i = plain_end
                continue
            char = text[i]
            if char == "\\":
                i = self._command(i, end, depth, out)
            elif char == "{" and depth < MAX_DEPTH and (declared := self._declaration(i, end, depth, out)):
                i = declared
            elif char == "~" and self._is_tie(i, end):
                add("\u00a0")
                i += 1
            elif char == "-":
                i = self._dashes(i, end, out)
            elif char == "`":  # "``": a quote when a "''" closes it, else as written
                if self._closes_quote(i + 2, end):
                    add("“")
                    quote_open = True
                else:
                    add("``")
                i += 2
            elif char == "'" and quote_open:
                add("”")
                quote_open = False
                i += 2
            else:
                add(char)
                i += 1
        out.flush()
        return out.nodes

    def _next_atom(self, i: int, end: int) -> int:
        """Where the next atom after ``i`` starts, or ``end``."""
        k = bisect.bisect_right(self.starts, i)
        return min(self.starts[k], end) if k < len(self.starts) else end

    def _masked(self) -> str:
        """The text with each atom's characters as spaces: what is left for TeX, in place."""
        if not self.atoms:
            return self.text
        parts, at = [], 0
        for start in self.starts:
            end = self.atoms[start][0]
            parts += [self.text[at:start], " " * (end - start)]
            at = end
        parts.append(self.text[at:])
        return "".join(parts)

    def _quote_like(self) -> set[str]:
        """The accent commands (``"``, ``'``…) the text writes as escaped quotes somewhere."""
        return set(_QUOTE_LIKE_RE.findall(self._masked())) - {""}

    def _group(self, start: int, end: int) -> int | None:
        """The end (after ``}``) of the balanced group opening at ``start``, within ``end``;
        None when it does not close there. Braces in atoms (math, URLs) do not count, nor
        does one after an odd number of backslashes (``\\{``, not ``\\\\{``)."""
        if self._closes is None:
            self._closes, opened = {}, []
            masked = self._masked()
            for match in _BRACE_RE.finditer(masked):
                at = before = match.start()
                while before and masked[before - 1] == "\\":
                    before -= 1
                if (at - before) % 2:
                    continue
                if match.group() == "{":
                    opened.append(at)
                elif opened:
                    self._closes[opened.pop()] = at
        close = self._closes.get(start)
        return close + 1 if close is not None and close < end else None

    def _closes_quote(self, i: int, end: int) -> bool:
        """Whether a ``''`` starts at or after ``i`` and ends within ``end``. The reader only
        moves on, so a search goes on from the last one's answer while that still holds."""
        if not (self._quotes_from <= i and (self._quotes_at == -1 or i <= self._quotes_at)):
            self._quotes_from, self._quotes_at = i, self.text.find("''", i)
        return self._quotes_at != -1 and self._quotes_at + 2 <= end

    def _is_tie(self, i: int, end: int) -> bool:
        """``Fig.~3``, ``et~al.``: a tie between a word (or its full stop) and what follows.
        ``~45 million`` or ``3~5`` (about, and a range) stay as they are, and so does ``~``
        after a single letter (``x~N(0,1)``, ``p~0.5``: distributed as, about)."""
        text = self.text
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < end else " "
        if after.isspace() or after == "~":
            return False
        return before == "." or (before.isalpha() and i >= 2 and text[i - 2].isalpha())

    def _dashes(self, i: int, end: int, out: _TextNodes) -> int:
        """``--`` an en dash, ``---`` an em dash; longer runs, arrows (``-->``) and options
        (``--no-cache``: at the start of a word, before its name) as written."""
        text = self.text
        run = _DASH_RE.match(text, i, end)
        assert run is not None
        before = text[i - 1] if i > 0 else " "
        arrow = before == "<" or text.startswith(">", run.end())
        option = (before.isspace() or before in "([{\"'`") and text[run.end() : run.end() + 1].isalnum()
        dash = {2: "–", 3: "—"}.get(len(run.group()))
        out.add(run.group() if dash is None or arrow or option else dash)
        return run.end()

    def _url(self, i: int, url_end: int, end: int, depth: int, out: _TextNodes) -> int:
        text = self.text
        url = text[i:url_end]
        if not self.links:
            out.add(url)
            return url_end
        flattened = _FLATTENED_HREF_RE.match(text, url_end, end)
        if (
            flattened
            and depth < MAX_DEPTH
            and url[-1] not in "/="
            and flattened.group(1)[0] not in _TEMPLATE_OPERATORS
            and not _TEMPLATE_GOES_ON_RE.match(text, flattened.end())
        ):
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
        close = self._group(i, end)
        return None if close is None else (i + 1, close - 1)

    def _command(self, i: int, end: int, depth: int, out: _TextNodes) -> int:
        """One control sequence at ``i``; returns where reading goes on."""
        text = self.text
        nxt = i + 1
        if nxt >= end or nxt in self.atoms:  # a backslash before math or a URL: as written
            out.add("\\")
            return nxt
        word = _WORD_RE.match(text, nxt, end)
        if word is None:  # a control symbol: \%, \", \\
            name, after = text[nxt], nxt + 1
            if name in _SPECIALS:
                out.add(_SPECIALS[name])
            elif name in _ACCENTS:
                # A text that writes it as an escaped quote: as written, with what it would accent.
                read = name not in self.quote_like
                return self._accent(i, after, end, _ACCENTS[name], out, word=False, read=read)
            else:
                out.add(text[i:after])
            return after
        name = word.group()
        after = word.end()
        if name in _ACCENTS:
            return self._accent(i, after, end, _ACCENTS[name], out, word=True)
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
                if self.links:
                    out.node(Link(url))
                else:
                    out.add(url)
                return argument[1] + 1
        if name == "href" and depth < MAX_DEPTH and (target := self._argument(after, end)):
            label = self._argument(target[1] + 1, end)
            url = text[target[0] : target[1]].strip()
            if label and _is_url(url):
                children = tuple(self.parse(label[0], label[1], depth + 1))
                out.node(Link(url, children) if self.links else Styled("", children))
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

    def _accent(
        self, i: int, after: int, end: int, accent: str, out: _TextNodes, word: bool, read: bool = True
    ) -> int:
        """``\\"U``, ``\\'{e}``, ``\\'\\i``, ``\\c{c}``, ``\\c c``: the accented letter; the
        accent command as written when no single letter follows. Not ``read``: the command and
        its letter as written (``\\"{\\i}``, not ``\\"{ı}``)."""
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
        out.add(_accented(base, accent) if read else text[i:stop])
        return stop

    def _declaration(self, i: int, end: int, depth: int, out: _TextNodes) -> int | None:
        """``{\\bf text}``, ``{\\em text}``: the group's text, styled; None when it is no such group."""
        match = _DECLARATION_RE.match(self.text, i, end)
        if not match or match.group(1) not in _DECLARATIONS:
            return None
        close = self._group(i, end)
        if close is None:
            return None
        out.node(self._styled(_DECLARATIONS[match.group(1)], match.end(), close - 1, depth))
        return close

    def _styled(self, style: str | None, start: int, end: int, depth: int) -> Node:
        if style == "code":
            # Typewriter text: its escaped specials read, nothing else (no dashes, no links).
            return Styled("code", (Text(_verbatim(self.text[start:end])),))
        return Styled(style or "", tuple(self.parse(start, end, depth + 1)))


def _paths(text: str, atoms: Atoms) -> Atoms:
    """Each Windows path outside the atoms, as an atom of text, cut at the next atom."""
    starts = sorted(atoms)
    paths: Atoms = {}
    for match in _PATH_RE.finditer(text):
        start, end = match.span()
        k = bisect.bisect_right(starts, start)
        if k and atoms[starts[k - 1]][0] > start:
            continue  # inside math or a URL
        if k < len(starts):
            end = min(end, starts[k])
        paths[start] = (end, "text", "")
    return paths


_VERBATIM_RE = re.compile(r"\\([%&$_#{}])")


def _verbatim(text: str) -> str:
    return _VERBATIM_RE.sub(r"\1", text)


def parse(text: str, atoms: Atoms | None = None, links: bool = True) -> list[Node]:
    """``text`` as nodes; ``atoms``: math and URLs found by the caller, by start offset.
    Without ``links`` (a title), ``\\url{u}`` is the text ``u`` and ``\\href{u}{t}`` the text ``t``."""
    if not has_tex(text):
        return _between_atoms(text, atoms or {}, links)
    return _Parser(text, atoms or {}, links).parse(0, len(text))


def _between_atoms(text: str, atoms: Atoms, links: bool) -> list[Node]:
    """What `_Parser` reads from a text with no TeX: its atoms, and the text between them as
    it is (without a ``{``, no URL has a flattened link's text after it). The reader, looking
    for TeX at every ``'`` and ``-`` between them, costs an abstract with a URL some 15 µs."""
    out = _TextNodes()
    at = 0
    for start in sorted(atoms):
        if start < at:
            continue  # inside the atom before, where the reader never looks for one
        end, kind, payload = atoms[start]
        if start > at:
            out.add(text[at:start])
        if kind == "math":
            out.node(Math(payload))
        elif kind == "url" and links:
            out.node(Link(text[start:end]))
        else:  # a URL in a title, or text to take as it is
            out.add(text[start:end])
        at = end
    if at < len(text):
        out.add(text[at:])
    out.flush()
    return out.nodes


def has_tex(text: str) -> bool:
    """Whether ``text`` may hold anything `parse` reads (else it is one `Text`): one of the
    `TRIGGERS`. A search for one character runs at memory speed, for two ten times slower, so
    the pairs are looked for only where their character is."""
    return (
        "\\" in text
        or "~" in text
        or "{" in text
        or ("-" in text and "--" in text)
        or ("`" in text and "``" in text)
    )
