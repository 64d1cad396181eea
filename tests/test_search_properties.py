"""Property-based tests of the search: whatever a reader types or a URL says, the answer
is a results page (possibly empty) or a 400 saying why; never a 5xx, never an index
error in the page. And the folding keeps its promises for any text."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata.search.folding import MAX_WORDS, Query, fold, folded_word, highlight, words

from .conftest import copy_administration, make_app

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What people and attackers type: FTS5 and SQL syntax, quotes, wildcards, words.
PIECES = [
    '"', "'", "*", "^", ":", "-", "+", "(", ")", "{", "}", "NEAR", "NEAR(", "AND", "OR",
    "NOT", "name:", "{name}:", "--", ";", "DROP TABLE things", "SELECT", "%", "_", "\\",
    "\x00", "\t", "\u202e", "\u200f", "Büro", "Roßlau", "Bildung", "ä", "ß", "مكتب", "חינוך",
    "x" * 60,
]  # fmt: skip
FACETS = ["kind", "place", "administration", "theme", "focus", "page", "lang", "q", "x"]
VALUES = [
    "organization", "person", "programme", "building", "dessau-rosslau", "EDUC", "XXXX",
    "familienbildung", "stadtverwaltung-dessau-rosslau", "1", "2", "0", "-3", "99999999999",
    "", "en", "Not A Slug", "ä",
]  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data = copy_administration(tmp_path_factory.mktemp("data"))
    return make_app(data, SEARCH_PAGE_SIZE=5).test_client()


def search_text():
    return st.one_of(
        st.text(max_size=120),
        st.lists(st.sampled_from(PIECES), max_size=15).map(" ".join),
        st.lists(st.sampled_from(PIECES), max_size=15).map("".join),
    )


def assert_answered(response, context) -> None:
    assert response.status_code in (200, 400, 414), (context, response.status_code)
    body = response.get_data(as_text=True)
    for leak in ("sqlite", "fts5", "Traceback", "OperationalError"):
        if leak.lower() in str(context).lower():  # a 400 quotes the value it refuses
            continue
        assert leak.lower() not in body.lower(), (context, leak)
    if response.mimetype == "text/html":
        assert body.rstrip().endswith("</html>")
        if response.status_code == 200:
            assert '<h1 class="results-heading">' in body, context


@given(text=search_text(), accept=st.sampled_from(["text/html", "application/ld+json"]))
@SETTINGS
def test_no_search_text_breaks_the_search(client, text, accept):
    response = client.get("/search", query_string={"q": text}, headers={"Accept": accept})
    assert_answered(response, text)
    if len(text) <= 200 and response.status_code != 414:
        assert response.status_code == 200, text  # any text up to the limit is searched
    if response.status_code == 200 and accept == "application/ld+json":
        assert response.get_json()["@graph"]


@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(FACETS), st.one_of(st.sampled_from(VALUES), st.text(max_size=20))
        ),
        max_size=5,
    )
)
@SETTINGS
def test_no_facets_or_pages_break_the_search(client, params):
    response = client.get("/search", query_string=params, headers={"Accept": "text/html"})
    assert_answered(response, params)


@given(text=st.text(max_size=60), cut=st.integers(min_value=0, max_value=60))
@SETTINGS
def test_a_folded_prefix_is_a_prefix_of_the_folded_word(text, cut):
    """So prefix queries work while someone is still typing ("bue" finds "Büro")."""
    assert fold(text).startswith(fold(text[:cut]))


@given(text=st.text(max_size=200))
@SETTINGS
def test_a_query_holds_letters_and_digits_only(text):
    query = Query(text)
    assert len(query.words) <= MAX_WORDS
    expression = query.match_expression()
    for term in expression.split(" AND ") if expression else ():
        assert re.fullmatch(r'"[^\W_]+"\*', term), term


@given(text=st.text(max_size=100) | st.lists(st.sampled_from(PIECES), max_size=15).map("".join))
@SETTINGS
def test_the_words_of_a_text_are_its_words_each_folded(text):
    """What the index holds and what a query asks for are the same words, however the
    text is cut (white space, punctuation, marks that fold to nothing)."""
    each = [folded for word in re.findall(r"[^\W_]+", text) if (folded := folded_word(word))]
    assert words(text) == each


@given(text=st.text(alphabet=string.ascii_letters + "äöüÄÖÜß ", max_size=40))
@SETTINGS
def test_umlauts_and_their_spelled_out_forms_fold_alike(text):
    spelled = text
    for umlaut, digraph in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
    ):
        spelled = spelled.replace(umlaut, digraph)
    assert words(spelled) == words(text)


@given(text=st.text(max_size=100), typed=st.text(max_size=30))
@SETTINGS
def test_highlighting_escapes_everything_but_its_marks(text, typed):
    marked = str(highlight(text, Query(typed)))
    plain = marked.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain and ">" not in plain
