"""What the endpoint agrees to run: one read-only SPARQL 1.1 query over the published data.

Refused with 400, whatever the spelling, comment or escape:

- an update (INSERT, DELETE, LOAD, CLEAR, …): this is a query-only service;
- ``SERVICE``: Oxigraph (like rdflib) would send the inner query to any URL it names;
- ``FROM`` and ``FROM NAMED``: every query runs against the published data.

``screen`` decides before Oxigraph sees the text, in microseconds: it splits the
text into SPARQL's tokens (strings, IRIs, comments, variables, prefixed names, …)
and refuses every bare word or prefix that *contains* ``service`` or ``from``, in
any case, so that no way Oxigraph's parser might read a keyword out of the text
(it needs no space before or after one: ``1SERVICE:x`` is ``1``, ``SERVICE``,
``:x``) gets through. Only strings, IRIs and comments hide text, and they are read
as Oxigraph reads them, or more widely where Oxigraph would then refuse the query.
The text is screened as written and with its ``\\u`` escapes decoded. Oxigraph's
query parser takes no updates at all.

``check`` parses with rdflib and decides on the algebra: the SPARQL-store backend
uses it (with ``screen``), and the embedded engine asks it to explain a query
Oxigraph could not parse, since its messages name lines, columns and prefixes.

Both run inside a query process (or before a query is forwarded to the store),
under the same time limit as evaluation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query

from .. import uris
from .results import READ_ONLY, QueryError

# Relative IRIs in a query resolve against the endpoint, as SPARQL 1.1 Protocol suggests.
QUERY_BASE = uris.internal("sparql")

NO_SERVICE = "SERVICE is not allowed: this endpoint does not query other endpoints."
NO_DATASET = (
    "FROM and FROM NAMED are not allowed: every query runs against the published data, "
    "which is the default graph."
)
TOO_DEEP = "The query is nested too deeply to be parsed."

_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


@dataclass(frozen=True)
class CheckedQuery:
    """A query the endpoint agreed to run, parsed and translated to algebra."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    query: Query
    text: str
    select_all: bool = False  # SELECT *: the columns are every variable in scope


def check(text: str) -> CheckedQuery:
    """Parse the query text; QueryError 400 for a syntax error or a refused query."""
    try:
        tree = parseQuery(text)
        query = translateQuery(tree, base=str(QUERY_BASE))
    except ParseBaseException as error:
        if is_update(text):
            raise QueryError(400, READ_ONLY) from None
        raise QueryError(400, f"Syntax error: {error}") from None
    except RecursionError:
        raise QueryError(400, TOO_DEEP) from None
    except Exception as error:  # rdflib reports unknown prefixes and the like this way
        raise QueryError(400, f"Invalid query: {error}") from None
    refuse_outside_access(query.algebra)
    form = _FORMS[query.algebra.name]
    select_all = form == "SELECT" and "projection" not in tree[1]
    return CheckedQuery(form, query, text, select_all)


def is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except (ParseBaseException, RecursionError):
        return False
    return True


def refuse_outside_access(algebra: CompValue) -> None:
    """QueryError 400 when the query names a dataset or another endpoint."""
    for node in _nodes(algebra):
        if node.name == "ServiceGraphPattern":
            raise QueryError(400, NO_SERVICE)
        if node.name == "DatasetClause" or dict.get(node, "datasetClause"):
            raise QueryError(400, NO_DATASET)


def _nodes(root: CompValue) -> Iterator[CompValue]:
    """Every algebra node below root, depth first, without recursion."""
    stack: list[object] = [root]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
        if isinstance(item, Mapping):
            stack.extend(dict.values(item) if isinstance(item, dict) else item.values())
        elif isinstance(item, (list, tuple, set, frozenset, ParseResults)):
            stack.extend(item)


@dataclass(frozen=True)
class Screened:
    """What ``screen`` found out about a query it lets through."""

    form: str | None  # SELECT, ASK, CONSTRUCT or DESCRIBE; None: not a query it recognises
    select_all: bool = False


# Tokens that hide text from the keyword test, and tokens that are names. Strings and
# IRIs are read at least as widely as Oxigraph reads them: a wider reading takes in
# only text that Oxigraph would then refuse (a backslash is an error outside them, and
# a keyword cannot be followed by what an IRI may not hold: ``{``, a space, ``<``).
# Name characters are fewer than SPARQL's: a name cut short leaves a word to test.
_TOKEN = re.compile(
    r"""
      (?P<space>[ \t\r\n]+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'{3}(?:(?:'|'')?(?:[^'\\]|\\.))*'{3}
               |"{3}(?:(?:"|"")?(?:[^"\\]|\\.))*"{3}
               |'(?:[^'\\\r\n]|\\.)*'
               |"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\.)*>)
    | (?P<variable>[?$]\w*)
    | (?P<blank>_:\w*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<prefixed>\w*:[\w:-]*)
    | (?P<word>\w+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_FORM_WORDS = {"select": "SELECT", "ask": "ASK", "construct": "CONSTRUCT", "describe": "DESCRIBE"}
_PROLOGUE_WORDS = {"base", "prefix", "version"}


def screen(text: str) -> Screened:
    """QueryError 400 for SERVICE, FROM or FROM NAMED anywhere; the form of the query."""
    unescaped = _CODEPOINT.sub(_decode, text)
    words = _words(text)
    for found in (words, _words(unescaped)) if unescaped != text else (words,):
        for word in found:
            if "service" in word:
                raise QueryError(400, NO_SERVICE)
            if "from" in word:
                raise QueryError(400, NO_DATASET)
    return _form(text)


def _words(text: str) -> Iterator[str]:
    """Bare words and the prefixes of prefixed names, case-folded."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            yield match.group().casefold()
        elif kind == "prefixed":
            yield match.group().partition(":")[0].casefold()


def _form(text: str) -> Screened:
    tokens = (
        (m.lastgroup, m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("space", "comment")
    )
    for kind, value in tokens:
        if kind != "word":
            continue
        word = value.casefold()
        if word in _PROLOGUE_WORDS:
            continue
        form = _FORM_WORDS.get(word)
        if form is None:
            return Screened(None)
        select_all = False
        if form == "SELECT":
            following = [v for _, v in itertools.islice(tokens, 2)]
            if following and following[0].casefold() in ("distinct", "reduced"):
                following = following[1:]
            select_all = bool(following) and following[0] == "*"
        return Screened(form, select_all)
    return Screened(None)


def _decode(match: re.Match) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group()
