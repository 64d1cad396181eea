"""Interface strings in German and English, translated through gettext catalogues.

Templates call ``_("key")`` and modules ``gettext("key")``; texts of the data itself
come from the graph. The reader's language is German unless they ask for English with
``?lang=en`` or prefer it in ``Accept-Language``; anything else falls back to German.

Keys and msgids: callers name a message by a stable key (``"section.head_of"``, also
composed: ``"kind." ~ kind``, ``f"error.{status}"``). ``MSGIDS`` below is the one table
of keys; it maps each to its English source text, marked with ``N_()`` (or ``NC_()``
with a message context) so that ``pybabel extract`` finds every string (``babel.cfg``).
The translations live in ``opendata/translations/<language>/LC_MESSAGES/messages.po``,
English included, so translators work on ordinary catalogues (Poedit, Weblate) and
English readers read from a catalogue too.

Loading: the ``.po`` files are read with Babel's reader when this module is imported
and every key is resolved once into ``MESSAGES`` (key → language → text), so a lookup
costs one dictionary access, as before. No ``.mo`` is compiled: the catalogues in the
repository are the whole truth, a fresh ``pip install -e .`` needs no build step and
no generated file, and a catalogue edited in place is what the next start shows.
Reading both catalogues costs some 25 ms, once per process start.

Lookup follows gettext: a message that is missing, untranslated or fuzzy shows its
English msgid. The one exception is ``translation_note``: German readers get no note
(German texts are authoritative), so its German msgstr is empty on purpose, and for
that key an empty msgstr means "show nothing" rather than "untranslated".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import g, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks an English msgid for extraction; the catalogues translate it."""
    return message


def NC_(context: str, message: str) -> tuple[str, str]:
    """Marks an English msgid with a message context (msgctxt) for extraction.

    For a text whose English is the same as another's but whose translation is not.
    """
    return context, message


# Every interface string: key → English msgid. Keys composed by callers are here too:
# kind.*, section.*, fact.*, legal.*, legal.missing.*, error.<status>, sparql.example.*.
# Comments starting with TRANSLATORS: reach the catalogues.
MSGIDS: dict[str, str | tuple[str, str]] = {
    "site_name": N_("Open data"),
    "skip_to_content": N_("Skip to content"),
    "home": N_("Home"),
    "breadcrumb": N_("You are here"),
    # Each language's name in that language: the switch shows it to readers of that language.
    # TRANSLATORS: The name of this catalogue's language, written in that
    # language (Deutsch, English, Français), for the language switch.
    "language_name": NC_("name of this language", "English"),
    "organizations": N_("Organisations"),
    "home_intro": N_(
        "These pages publish organisations, their programmes and contacts as linked open data."
    ),
    "kind.organization": N_("Organisation"),
    "kind.programme": N_("Programme"),
    "kind.person": N_("Person"),
    "kind.place": N_("Place"),
    "kind.concept": N_("Concept"),
    "also_known_as": N_("Also known as"),
    "section.parent_organization": N_("Part of"),
    "section.sub_organizations": N_("Units"),
    "section.classification": N_("Section"),
    "section.broader": N_("Broader section"),
    "section.narrower": N_("Narrower sections"),
    "section.focus_areas": N_("Focus areas"),
    "section.organizations_with_purpose": N_("Focus area of"),
    "section.organizations_in_section": N_("Organisations"),
    "section.programmes": N_("Funding programmes"),
    "section.participants": N_("Taking part"),
    # TRANSLATORS: Heading above the places this body is responsible for.
    "section.area_served": N_("Serves"),
    "section.served_by": N_("Served by"),
    "section.people": N_("People"),
    "section.works_for": N_("Works for"),
    # TRANSLATORS: Heading above the units this person heads ("leads").
    "section.head_of": N_("Heads"),
    "section.origin_of": N_("Basis of"),
    "section.origin": N_("Originated from"),
    "fact.origin": N_("Origin"),
    "fact.municipality_key": N_("Municipality key"),
    "fact.regional_key": N_("Regional key"),
    # TRANSLATORS: Heading of the links to what others publish about the same thing.
    "elsewhere": N_("Elsewhere"),
    "elsewhere.wikidata": N_("Wikidata"),
    # TRANSLATORS: The German National Library's authority file (Gemeinsame Normdatei).
    "elsewhere.gnd": N_("GND (Integrated Authority File)"),
    # TRANSLATORS: The official key of a municipality in the DCAT-AP.de vocabulary.
    "elsewhere.geocoding": N_("Official municipality key (DCAT-AP.de)"),
    "roles": N_("Supported by"),
    "contact": N_("Contact"),
    "address": N_("Address"),
    "telephone": N_("Telephone"),
    "email": N_("E-mail"),
    "map_link": N_("Address on OpenStreetMap (external link)"),
    "use_data": N_("Use this data"),
    "uri": N_("URI"),
    "formats": N_("Formats"),
    "curl_example": N_("Example"),
    # TRANSLATORS: Shown under a page to readers of a translation. Leave
    # it empty in German: German texts are authoritative (no note there).
    "translation_note": N_(
        "English texts are translations by the publisher; German texts are authoritative."
    ),
    # Catalogue (DCAT), dumps, change feed. Texts with {name}/{parent}/{format} name
    # things from the data.
    "catalog.title": N_("Open data: data catalogue"),
    "catalog.description": N_(
        "The datasets of this service: for each organisation, its description with"
        " programmes, contact persons and contact details as linked open data, for download"
        " in N-Triples, Turtle and JSON-LD."
    ),
    # TRANSLATORS: Keep names in braces ({name}, {parent}, {format}, …) as
    # they are: the service puts texts from the data in their place.
    "dataset.title": N_("{name}: organisation, programmes and contact"),
    "dataset.description": N_(
        "Description of the organisation {name} ({parent}) as linked open data using"
        " schema.org, W3C ORG and SKOS: organisation, programmes, contact persons and"
        " contact details."
    ),
    "distribution.title": N_("{name} as {format}"),
    "distribution.description": N_("All statements of the dataset in one {format} file."),
    "dataservice.title": N_("SPARQL endpoint"),
    "dataservice.description": N_("Read-only SPARQL 1.1 endpoint over all published data."),
    "void.title": N_("Open data: all data"),
    # TRANSLATORS: Atom feed entry of a thing that was retired ({date}: an ISO date).
    "feed.retired": N_("No longer published since {date}"),
    "feed.title": N_("Open data: changes"),
    "catalog.datasets": N_("Datasets"),
    "catalog.no_datasets": N_("No datasets on this page."),
    "catalog.changed_since": N_("Changed since {date}"),
    "catalog.publisher": N_("Publisher"),
    "catalog.themes": N_("Themes"),
    "catalog.keywords": N_("Keywords"),
    "catalog.spatial": N_("Spatial coverage"),
    "catalog.issued": N_("Issued"),
    "catalog.modified": N_("Last modified"),
    "catalog.licence": N_("Licence"),
    "catalog.downloads": N_("Downloads"),
    "catalog.landing_page": N_("Organisation page"),
    "catalog.contact": N_("Contact"),
    "catalog.pagination": N_("Catalogue pages"),
    "catalog.page_of": N_("Page {number} of {last}"),
    "catalog.previous": N_("Previous page"),
    "catalog.next": N_("Next page"),
    "catalog.machine_readable": N_("This catalogue, machine-readable (DCAT-AP.de)"),
    "catalog.more": N_("More ways in"),
    "catalog.void": N_("Dataset description (VoID)"),
    "catalog.dumps": N_("All data as a file"),
    "catalog.feed": N_("Changes (Atom feed)"),
    "error.title": N_("Error"),
    "error.back_home": N_("Back to the home page"),
    "error.400": N_("Bad request"),
    "error.404": N_("Page not found"),
    "error.410": N_("No longer published"),
    # TRANSLATORS: Link from the page of something no longer published to what replaces it.
    "error.successor": N_("What replaces it"),
    "error.405": N_("Method not allowed"),
    "error.406": N_("Format not available"),
    "error.413": N_("Request too large"),
    "error.414": N_("URL too long"),
    "error.431": N_("Headers too large"),
    "error.500": N_("Internal error"),
    "error.503": N_("Temporarily unavailable"),
    # What an error means, for people, above the service's own (English) explanation.
    "error.400.explanation": N_(
        "The address holds something this page cannot use. Please check it, or start"
        " again from the home page."
    ),
    "error.404.explanation": N_(
        "There is no page at this address. It may be mistyped or out of date; the search"
        " on the home page finds every organisation published here."
    ),
    "error.410.explanation": N_("This was published here before and has been withdrawn."),
    "error.500.explanation": N_("Something went wrong on our side. Please try again later."),
    "error.503.explanation": N_(
        "The service is busy or being updated. Please try again in a moment."
    ),
    # Layout, navigation and the pages for citizens.
    "language_nav": N_("Language"),
    "legal_nav": N_("Legal information"),
    "section.contact_people": N_("Contacts"),
    "contact_card.role": N_("Role"),
    "contact_card.office": N_("Office"),
    "contact_card.save": N_("Save as a contact"),
    "legal.impressum": N_("Legal notice (Impressum)"),
    "legal.privacy": N_("Privacy notice"),
    "legal.accessibility": N_("Accessibility statement"),
    "legal.intro": N_(
        "These pages publish data of the following bodies."
        " Each body is responsible for its own information."
    ),
    "legal.external": N_("The text on the body's own website (external link)"),
    "legal.missing.impressum": N_(
        "No legal notice has been provided here for this body yet. Please ask:"
    ),
    "legal.missing.privacy": N_(
        "No privacy notice has been provided here for this body yet. Please ask:"
    ),
    "legal.missing.accessibility": N_(
        "No accessibility statement has been provided here for this body yet. Please ask:"
    ),
    # SPARQL endpoint and developer documentation.
    "error.415": N_("Unsupported media type"),
    "sparql.title": N_("SPARQL query"),
    "sparql.intro": N_(
        "Query all published data with SPARQL 1.1 here."
        " The endpoint is read-only; programs use the same address."
    ),
    "sparql.query_label": N_("Query (SPARQL)"),
    "sparql.format_label": N_("Result format"),
    "sparql.format_page": N_("Table on this page"),
    "sparql.run": N_("Run query"),
    "sparql.results": N_("Results"),
    "sparql.row_count": N_("Rows"),
    "sparql.truncated": N_("The result was truncated. Maximum number of rows:"),
    "sparql.yes": N_("Yes (true)"),
    "sparql.no": N_("No (false)"),
    "sparql.download": N_("Download this result as"),
    "sparql.examples": N_("Example queries"),
    "sparql.run_example": N_("Run this query"),
    "sparql.example.organizations": N_("Organisations with their names"),
    "sparql.example.programmes": N_("Programmes and the organisations taking part"),
    "sparql.example.contacts": N_("Telephone and e-mail of the contact points"),
    "sparql.example.types": N_("How many things there are of each class"),
    "sparql.example.people": N_("People with their job titles, as a graph (CONSTRUCT)"),
    "sparql.example.email": N_("Does any organisation have an e-mail address? (ASK)"),
    "sparql.example.describe": N_(
        "Everything about some organisations with a contact point (DESCRIBE)"
    ),
    "sparql.limits": N_("Limits"),
    "sparql.limit.read_only": N_(
        "Read-only: changes (SPARQL Update), SERVICE, FROM and FROM NAMED are refused."
    ),
    "sparql.limit.time": N_("Time limit per query"),
    "sparql.limit.rows": N_("Maximum rows (or triples) in a result"),
    "sparql.limit.size": N_("Maximum query length"),
    "sparql.machines": N_(
        "Programs send queries by GET or POST following the SPARQL 1.1 Protocol, for example:"
    ),
    "api.title": N_("Developer documentation"),
    "api.language_note": N_("The documentation of the interfaces is in English."),
    # Search and the directory. Texts with {query} show what the reader typed, {count}
    # a number; "one"/"many" are the forms for one result and for any other number.
    "search.site": N_("Search this site"),
    "search.label": N_("Search for offices, programmes and people"),
    # TRANSLATORS: The label of the button that starts a search (a verb).
    "search.button": NC_("button", "Search"),
    "search.hint": N_("A name, a topic, a person, a place or part of a word."),
    "search.results_for.none": N_("No results for “{query}”"),
    "search.results_for.one": N_("1 result for “{query}”"),
    "search.results_for.many": N_("{count} results for “{query}”"),
    "search.results_for.more": N_("More than {count} results for “{query}”"),
    "search.listed.none": N_("No entries"),
    "search.listed.one": N_("1 entry"),
    "search.listed.many": N_("{count} entries"),
    "search.listed.more": N_("More than {count} entries"),
    "search.results": NC_("search", "Results"),
    # TRANSLATORS: Heading above the filters (facets) that narrow a list of results.
    "search.filters": N_("Refine"),
    "search.facet.kind": N_("Kind"),
    "search.facet.place": N_("Place served"),
    "search.facet.administration": N_("Administration"),
    "search.facet.theme": N_("Theme (EU data themes)"),
    "search.facet.focus": N_("Focus area"),
    "search.facet.more": N_("{count} more: search or pick a filter to narrow the list."),
    "search.facet.uncounted": N_("Counted for up to {count} results: narrow the search first."),
    "search.remove_filter": N_("Remove filter"),
    "search.selected_filters": N_("Filters in use"),
    "search.pagination": N_("Result pages"),
    "search.first": N_("First page"),
    "search.last": N_("Last page"),
    "search.no_results_help": N_(
        "Check the spelling, use fewer or shorter words, or remove a filter."
    ),
    "search.note.short": N_("Type at least two letters or digits to search."),
    "search.note.dropped": N_("Only the first {count} words were searched."),
    # TRANSLATORS: {value} is what the address asked for, {facet} the filter's name.
    "search.note.unknown": N_("Nothing is published under “{value}” ({facet})."),
    "search.note.no_page": N_("There is no page {number}; the last page is {last}."),
    "search.note.depth": N_(
        "Only the first {count} results can be paged through: add words or choose a filter"
        " to reach the others."
    ),
    "search.machine_readable": N_("These results, machine-readable"),
    "opensearch.description": N_("Search the offices, programmes and people published here."),
    "directory.heading": N_("Directory of organisations"),
    "directory.browse": N_("Browse everything"),
    "directory.kind.organization": N_("Organisations"),
    "directory.kind.programme": N_("Programmes"),
    "directory.kind.person": N_("People"),
    # Ways into the data for re-use: on the home page and in every page's footer.
    "data.nav": N_("Open data for re-use"),
    "data.heading": N_("Re-use the data"),
    "data.intro": N_(
        "Everything on these pages is open data: free to re-use under the licence that"
        " each dataset names."
    ),
    "catalog.datasets_link": N_("Data catalogue"),
    "data.catalogue": N_(
        "Lists every dataset with its licence and downloads, in the format that open-data"
        " portals read (DCAT-AP.de)."
    ),
    "data.api": N_(
        "Explains how programs fetch every page as machine-readable data (JSON-LD, Turtle,"
        " RDF/XML)."
    ),
    "data.sparql": N_(
        "Answers questions about all the data at once, in the query language SPARQL."
    ),
    "data.dumps": N_("Everything published here in one compressed file (Turtle)."),
    # Catalogue (DCAT): the attribution text of a licence that requires attribution,
    # naming the publisher and the dataset's title ("dataset.title").
    # TRANSLATORS: Keep {publisher} and {title}; use the quotation marks of your language.
    "licence.attribution": N_("{publisher}, “{title}”"),
}

# Keys whose text may be empty in a language, meaning "show nothing there". The note
# for readers of translations is empty in German (German texts are authoritative);
# gettext would read that empty msgstr as "not translated" and show the English msgid.
EMPTY_ALLOWED = frozenset({"translation_note"})


def catalogue_path(language: str, directory: Path = TRANSLATIONS) -> Path:
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: str, directory: Path = TRANSLATIONS) -> Catalog:
    """The catalogue of one language; a malformed file stops the start-up."""
    with catalogue_path(language, directory).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN, abort_invalid=True)


def load_messages(directory: Path = TRANSLATIONS) -> dict[str, dict[str, str]]:
    """Every key of ``MSGIDS`` in every language, as the catalogues in directory say."""
    catalogues = {language: read_catalogue(language, directory) for language in LANGUAGES}
    return {
        key: {
            language: _translate(catalogue, key, source)
            for language, catalogue in catalogues.items()
        }
        for key, source in MSGIDS.items()
    }


def _translate(catalogue: Catalog, key: str, source: str | tuple[str, str]) -> str:
    context, msgid = source if isinstance(source, tuple) else (None, source)
    message = catalogue.get(msgid, context=context)
    if message is not None and message.string and not message.fuzzy:
        return message.string
    return "" if key in EMPTY_ALLOWED else msgid


# key → language → text, as the catalogues say (callers may ask `key in MESSAGES`).
MESSAGES: dict[str, dict[str, str]] = load_messages()


def select_language() -> str:
    """The reader's language: ?lang= (German when unknown), else Accept-Language, else German."""
    if request.query_string and "lang" in request.args:  # most requests have no query
        asked = request.args["lang"].strip().lower()
        return asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    return _preferred(request.environ.get("HTTP_ACCEPT_LANGUAGE", ""))


@lru_cache(maxsize=512)
def _preferred(accept_language: str) -> str:
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    if "language" not in g:
        g.language = select_language()
    return g.language


def gettext(key: str, language: str | None = None) -> str:
    """The message in the reader's language (or the one given)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(language or current_language()) or entry[DEFAULT_LANGUAGE]


def localized(path: str) -> str:
    """A link to a page of this service that keeps the reader's chosen language.

    German pages link plainly; pages in another language carry ``?lang=`` so that a
    reader who picked English stays in English from page to page.
    """
    language = current_language()
    if language == DEFAULT_LANGUAGE or not path.startswith("/"):
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={language}"
