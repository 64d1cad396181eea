"""What the endpoint agrees to run: one read-only SPARQL 1.1 query over the published data.

The text is parsed with rdflib's own parser and the decision is taken on the parsed
algebra, not on the text, so no spelling, comment or escape can slip past it:

- an update (INSERT, DELETE, LOAD, CLEAR, …) is refused: this is a query-only service;
- ``SERVICE`` is refused: rdflib would send the inner query to any URL it names;
- ``FROM`` and ``FROM NAMED`` are refused: rdflib would fetch and parse (over HTTP or
  from a ``file:`` IRI) any graph they name that it does not hold.

Parsing runs inside a query process too, under the same time limit as evaluation.
"""

from __future__ import annotations

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
