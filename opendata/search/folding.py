"""German as people type it: one folding for the index and for what readers type.

Both sides are cut into words and folded the same way, so every spelling of a word
meets in one form:

* case is folded (``casefold``: ``ß`` becomes ``ss``, so ``Strasse`` meets ``Straße``);
* diacritics are dropped (``Büro`` → ``buro``, ``é`` → ``e``);
* the spelled-out umlauts are folded too (``ae``/``oe``/``ue`` → ``a``/``o``/``u``), so
  ``Buero`` meets ``Büro``. Words like ``Quelle`` fold to ``qulle`` on both sides and
  still find each other; a few unrelated words may meet (``does``/``dos``), which a
  search can afford.

Folding a prefix gives a prefix of the folded word (``bue`` → ``bu``, a prefix of
``buro``), so prefix queries work while someone is still typing.

SQLite's own ``unicode61 remove_diacritics 2`` does the first two only for single
characters: it folds ``ü`` to ``u`` but neither ``ß`` to ``ss`` nor ``ue`` to ``u``,
hence this module (see ``opendata.search.index``).

User text never reaches FTS5's query parser as syntax: ``match_expression`` builds
the query from folded words only (letters and digits), each quoted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from markupsafe import Markup

# A word: letters and digits (no underscore: FTS5's tokenizer splits on it).
_WORD = re.compile(r"[^\W_]+")
_SPELLED_UMLAUT = re.compile(r"([aou])e")

# Words shorter than this are left out of queries (a one-letter prefix matches nearly
# everything and says nearly nothing).
MIN_WORD = 2
# At most this many words of a query are searched.
MAX_WORDS = 10


@lru_cache(maxsize=1 << 17)  # words repeat: folding each once saves most of the work
def fold(word: str) -> str:
    """One word in its folded form: 'Familienbüro' → 'familienburo', 'Buero' → 'buro'.

    The spelled-out umlauts are folded before the diacritics are dropped, so that 'äe'
    (→ 'ae') and its spelled-out form 'aee' (→ 'ae') stay alike.
    """
    spelled = _SPELLED_UMLAUT.sub(r"\1", word.casefold())
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a text, in order (a folded word may hold no letters at all:
    folding removes marks, so such words are dropped). White space never belongs to a
    word, so the text is split there first and each piece folded once."""
    return [word for piece in text.split() for word in _piece_words(piece)]


@lru_cache(maxsize=1 << 17)  # pieces repeat ("Beratung,", "Halle (Saale)")
def _piece_words(piece: str) -> tuple[str, ...]:
    return tuple(folded for word in _WORD.findall(piece) if (folded := folded_word(word)))


@lru_cache(maxsize=1 << 17)
def folded_word(word: str) -> str:
    """A word as the index holds it: folded, letters and digits only."""
    return "".join(_WORD.findall(fold(word)))


def folded_text(texts: Iterable[str]) -> str:
    """What the index holds for a field: its folded words, separated by spaces."""
    return " ".join(word for text in texts for word in words(text))


def inner_parts(texts: Iterable[str], shortest: int = 3, longest_word: int = 40) -> str:
    """Every ending of every longer word that starts inside it ('familienburo' →
    'amilienburo' … 'uro'), each once: a prefix query on these finds a word inside a
    compound ('buro' → 'Familienbüro', 'amt' → 'Jugendamt')."""
    parts: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            if len(word) > longest_word:  # not a word people type into a search box
                continue
            for start in range(1, len(word) - shortest + 1):
                parts.setdefault(word[start:], None)
    return " ".join(parts)


class Query:
    """What a reader typed, as words the index can look up."""

    def __init__(self, text: str):
        self.text = text
        folded = [w for w in words(text) if len(w) >= MIN_WORD]
        unique = list(dict.fromkeys(folded))
        self.words = unique[:MAX_WORDS]
        self.dropped = len(unique) - len(self.words)  # words over MAX_WORDS
        self.short_only = bool(text.strip()) and not self.words

    def __bool__(self) -> bool:
        return bool(self.words)

    def match_expression(self) -> str:
        """The FTS5 query: every word as a quoted prefix, all of them required.

        Folded words hold letters and digits only, so the quotes cannot be closed
        early and no FTS5 operator (AND, NEAR, -, :, *) can be formed from user text.
        """
        return " AND ".join(f'"{word}"*' for word in self.words)


def highlight(text: str, query: Query) -> Markup:
    """The text, HTML-escaped, with every word that a query word starts marked
    (``<mark>``); words found inside compounds are marked as a whole."""
    if not query.words:
        return Markup(escape(text))
    out, last = [], 0
    for match in _WORD.finditer(text):
        folded = folded_word(match.group())
        if any(word in folded for word in query.words):
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return Markup("".join(out))


def matches(text: str, query: Query) -> bool:
    """Whether a query word starts, or is found inside, a word of the text."""
    return any(word in folded for folded in words(text) for word in query.words)


def excerpt(text: str, query: Query, length: int = 200) -> str:
    """About ``length`` characters of a text around its first match, cut at spaces."""
    if len(text) <= length:
        return text
    first = 0
    for match in _WORD.finditer(text):
        folded = folded_word(match.group())
        if any(word in folded for word in query.words):
            first = match.start()
            break
    start = max(0, first - length // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    return ("… " if start else "") + text[start:end].strip() + (" …" if end < len(text) else "")
