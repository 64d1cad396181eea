"""Interface strings in German and English: the one message catalogue of the service.

Templates call ``_("key")``; texts of the data itself come from the graph. The
reader's language is German unless they ask for English with ``?lang=en`` or prefer
it in ``Accept-Language``; anything else falls back to German.
"""

from __future__ import annotations

from functools import lru_cache

from flask import g, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"de": "Offene Daten", "en": "Open data"},
    "skip_to_content": {"de": "Zum Inhalt springen", "en": "Skip to content"},
    "home": {"de": "Startseite", "en": "Home"},
    "breadcrumb": {"de": "Sie sind hier", "en": "You are here"},
    # Each language's name in that language: the switch shows it to readers of that language.
    "language_name": {"de": "Deutsch", "en": "English"},
    "organizations": {"de": "Organisationen", "en": "Organisations"},
    "home_intro": {
        "de": "Diese Seiten veröffentlichen Organisationen, ihre Programme und Ansprechpersonen"
        " als offene, verknüpfte Daten.",
        "en": "These pages publish organisations, their programmes and contacts"
        " as linked open data.",
    },
    "kind.organization": {"de": "Organisation", "en": "Organisation"},
    "kind.programme": {"de": "Programm", "en": "Programme"},
    "kind.person": {"de": "Person", "en": "Person"},
    "kind.place": {"de": "Ort", "en": "Place"},
    "kind.concept": {"de": "Begriff", "en": "Concept"},
    "also_known_as": {"de": "Auch", "en": "Also known as"},
    "section.parent_organization": {"de": "Teil von", "en": "Part of"},
    "section.sub_organizations": {"de": "Untergliederungen", "en": "Units"},
    "section.classification": {"de": "Bereich", "en": "Section"},
    "section.broader": {"de": "Übergeordneter Bereich", "en": "Broader section"},
    "section.narrower": {"de": "Untergeordnete Bereiche", "en": "Narrower sections"},
    "section.focus_areas": {"de": "Arbeitsschwerpunkte", "en": "Focus areas"},
    "section.organizations_with_purpose": {
        "de": "Arbeitsschwerpunkt von",
        "en": "Focus area of",
    },
    "section.organizations_in_section": {"de": "Organisationen", "en": "Organisations"},
    "section.programmes": {"de": "Förderprogramme", "en": "Funding programmes"},
    "section.participants": {"de": "Beteiligt", "en": "Taking part"},
    "section.area_served": {"de": "Zuständig für", "en": "Serves"},
    "section.served_by": {"de": "Zuständige Stellen", "en": "Served by"},
    "section.people": {"de": "Personen", "en": "People"},
    "section.works_for": {"de": "Arbeitet für", "en": "Works for"},
    "section.head_of": {"de": "Leitet", "en": "Heads"},
    "section.origin_of": {"de": "Grundlage für", "en": "Basis of"},
    "section.origin": {"de": "Hervorgegangen aus", "en": "Originated from"},
    "fact.origin": {"de": "Entstehung", "en": "Origin"},
    "fact.municipality_key": {"de": "Amtlicher Gemeindeschlüssel", "en": "Municipality key"},
    "roles": {"de": "Unterstützt durch", "en": "Supported by"},
    "contact": {"de": "Kontakt", "en": "Contact"},
    "address": {"de": "Anschrift", "en": "Address"},
    "telephone": {"de": "Telefon", "en": "Telephone"},
    "email": {"de": "E-Mail", "en": "E-mail"},
    "map_link": {
        "de": "Anschrift auf OpenStreetMap (externer Link)",
        "en": "Address on OpenStreetMap (external link)",
    },
    "use_data": {"de": "Diese Daten nutzen", "en": "Use this data"},
    "uri": {"de": "URI", "en": "URI"},
    "formats": {"de": "Formate", "en": "Formats"},
    "curl_example": {"de": "Beispiel", "en": "Example"},
    "translation_note": {
        "de": "",
        "en": "English texts are translations by the publisher; German texts are authoritative.",
    },
    # Catalogue (DCAT), dumps, change feed. Texts with {name}/{parent}/{format} name
    # things from the data.
    "catalog.title": {"de": "Offene Daten: Datenkatalog", "en": "Open data: data catalogue"},
    "catalog.description": {
        "de": "Die Datensätze dieses Dienstes: je Organisation ihre Beschreibung mit"
        " Programmen, Ansprechpersonen und Kontaktdaten als Linked Open Data, zum"
        " Herunterladen in N-Triples, Turtle und JSON-LD.",
        "en": "The datasets of this service: for each organisation, its description with"
        " programmes, contact persons and contact details as linked open data, for download"
        " in N-Triples, Turtle and JSON-LD.",
    },
    "dataset.title": {
        "de": "{name}: Organisation, Programme und Kontakt",
        "en": "{name}: organisation, programmes and contact",
    },
    "dataset.description": {
        "de": "Beschreibung der Organisation {name} ({parent}) als Linked Open Data nach"
        " schema.org, W3C ORG und SKOS: Organisation, Programme, Ansprechpersonen und"
        " Kontaktdaten.",
        "en": "Description of the organisation {name} ({parent}) as linked open data using"
        " schema.org, W3C ORG and SKOS: organisation, programmes, contact persons and"
        " contact details.",
    },
    "distribution.title": {"de": "{name} als {format}", "en": "{name} as {format}"},
    "distribution.description": {
        "de": "Alle Aussagen des Datensatzes in einer {format}-Datei.",
        "en": "All statements of the dataset in one {format} file.",
    },
    "dataservice.title": {"de": "SPARQL-Endpunkt", "en": "SPARQL endpoint"},
    "dataservice.description": {
        "de": "Lesender SPARQL-1.1-Endpunkt über alle veröffentlichten Daten.",
        "en": "Read-only SPARQL 1.1 endpoint over all published data.",
    },
    "void.title": {"de": "Offene Daten: alle Daten", "en": "Open data: all data"},
    "feed.title": {"de": "Offene Daten: Änderungen", "en": "Open data: changes"},
    "catalog.datasets": {"de": "Datensätze", "en": "Datasets"},
    "catalog.no_datasets": {
        "de": "Keine Datensätze auf dieser Seite.",
        "en": "No datasets on this page.",
    },
    "catalog.changed_since": {"de": "Geändert seit {date}", "en": "Changed since {date}"},
    "catalog.publisher": {"de": "Herausgeber", "en": "Publisher"},
    "catalog.themes": {"de": "Kategorien", "en": "Themes"},
    "catalog.keywords": {"de": "Schlagwörter", "en": "Keywords"},
    "catalog.spatial": {"de": "Raumbezug", "en": "Spatial coverage"},
    "catalog.issued": {"de": "Veröffentlicht", "en": "Issued"},
    "catalog.modified": {"de": "Zuletzt geändert", "en": "Last modified"},
    "catalog.licence": {"de": "Lizenz", "en": "Licence"},
    "catalog.downloads": {"de": "Downloads", "en": "Downloads"},
    "catalog.landing_page": {"de": "Seite der Organisation", "en": "Organisation page"},
    "catalog.contact": {"de": "Kontakt", "en": "Contact"},
    "catalog.pagination": {"de": "Seiten des Katalogs", "en": "Catalogue pages"},
    "catalog.page_of": {"de": "Seite {number} von {last}", "en": "Page {number} of {last}"},
    "catalog.previous": {"de": "Vorherige Seite", "en": "Previous page"},
    "catalog.next": {"de": "Nächste Seite", "en": "Next page"},
    "catalog.machine_readable": {
        "de": "Dieser Katalog maschinenlesbar (DCAT-AP.de)",
        "en": "This catalogue, machine-readable (DCAT-AP.de)",
    },
    "catalog.more": {"de": "Weitere Zugänge", "en": "More ways in"},
    "catalog.void": {"de": "Datensatzbeschreibung (VoID)", "en": "Dataset description (VoID)"},
    "catalog.dumps": {"de": "Alle Daten als Datei", "en": "All data as a file"},
    "catalog.feed": {"de": "Änderungen (Atom-Feed)", "en": "Changes (Atom feed)"},
    "error.title": {"de": "Fehler", "en": "Error"},
    "error.back_home": {"de": "Zur Startseite", "en": "Back to the home page"},
    "error.400": {"de": "Ungültige Anfrage", "en": "Bad request"},
    "error.404": {"de": "Seite nicht gefunden", "en": "Page not found"},
    "error.405": {"de": "Methode nicht erlaubt", "en": "Method not allowed"},
    "error.406": {"de": "Format nicht verfügbar", "en": "Format not available"},
    "error.413": {"de": "Anfrage zu groß", "en": "Request too large"},
    "error.414": {"de": "Adresse zu lang", "en": "URL too long"},
    "error.431": {"de": "Kopfzeilen zu groß", "en": "Headers too large"},
    "error.500": {"de": "Interner Fehler", "en": "Internal error"},
    "error.503": {"de": "Vorübergehend nicht verfügbar", "en": "Temporarily unavailable"},
    # Layout, navigation and the pages for citizens.
    "language_nav": {"de": "Sprache", "en": "Language"},
    "legal_nav": {"de": "Rechtliches", "en": "Legal information"},
    "section.contact_people": {"de": "Ansprechpersonen", "en": "Contacts"},
    "contact_card.role": {"de": "Funktion", "en": "Role"},
    "contact_card.office": {"de": "Stelle", "en": "Office"},
    "contact_card.save": {"de": "Als Kontakt speichern", "en": "Save as a contact"},
    "legal.impressum": {"de": "Impressum", "en": "Legal notice (Impressum)"},
    "legal.privacy": {"de": "Datenschutzerklärung", "en": "Privacy notice"},
    "legal.accessibility": {
        "de": "Erklärung zur Barrierefreiheit",
        "en": "Accessibility statement",
    },
    "legal.intro": {
        "de": "Diese Seiten veröffentlichen Daten der folgenden Stellen."
        " Jede Stelle ist für ihre eigenen Angaben verantwortlich.",
        "en": "These pages publish data of the following bodies."
        " Each body is responsible for its own information.",
    },
    "legal.external": {
        "de": "Der Text auf der Website der Stelle (externer Link)",
        "en": "The text on the body's own website (external link)",
    },
    "legal.missing.impressum": {
        "de": "Für diese Stelle ist hier noch kein Impressum hinterlegt. Auskunft gibt:",
        "en": "No legal notice has been provided here for this body yet. Please ask:",
    },
    "legal.missing.privacy": {
        "de": "Für diese Stelle ist hier noch keine Datenschutzerklärung hinterlegt."
        " Auskunft gibt:",
        "en": "No privacy notice has been provided here for this body yet. Please ask:",
    },
    "legal.missing.accessibility": {
        "de": "Für diese Stelle ist hier noch keine Erklärung zur Barrierefreiheit"
        " hinterlegt. Auskunft gibt:",
        "en": "No accessibility statement has been provided here for this body yet. Please ask:",
    },
    # SPARQL endpoint and developer documentation.
    "error.415": {"de": "Format der Anfrage nicht unterstützt", "en": "Unsupported media type"},
    "sparql.title": {"de": "SPARQL-Abfrage", "en": "SPARQL query"},
    "sparql.intro": {
        "de": "Hier können Sie alle veröffentlichten Daten mit SPARQL 1.1 abfragen."
        " Der Endpunkt ist nur lesend; Programme erreichen ihn unter derselben Adresse.",
        "en": "Query all published data with SPARQL 1.1 here."
        " The endpoint is read-only; programs use the same address.",
    },
    "sparql.query_label": {"de": "Abfrage (SPARQL)", "en": "Query (SPARQL)"},
    "sparql.format_label": {"de": "Ergebnisformat", "en": "Result format"},
    "sparql.format_page": {"de": "Tabelle auf dieser Seite", "en": "Table on this page"},
    "sparql.run": {"de": "Abfrage ausführen", "en": "Run query"},
    "sparql.results": {"de": "Ergebnis", "en": "Results"},
    "sparql.row_count": {"de": "Zeilen", "en": "Rows"},
    "sparql.truncated": {
        "de": "Das Ergebnis wurde gekürzt. Höchstzahl der Zeilen:",
        "en": "The result was truncated. Maximum number of rows:",
    },
    "sparql.yes": {"de": "Ja (true)", "en": "Yes (true)"},
    "sparql.no": {"de": "Nein (false)", "en": "No (false)"},
    "sparql.download": {"de": "Dieses Ergebnis herunterladen als", "en": "Download this result as"},
    "sparql.examples": {"de": "Beispielabfragen", "en": "Example queries"},
    "sparql.run_example": {"de": "Diese Abfrage ausführen", "en": "Run this query"},
    "sparql.example.organizations": {
        "de": "Alle Organisationen mit ihrem Namen",
        "en": "Every organisation with its name",
    },
    "sparql.example.programmes": {
        "de": "Programme und die Organisationen, die daran teilnehmen",
        "en": "Programmes and the organisations taking part",
    },
    "sparql.example.contacts": {
        "de": "Telefon und E-Mail der Kontaktstellen",
        "en": "Telephone and e-mail of the contact points",
    },
    "sparql.example.types": {
        "de": "Wie viele Dinge es von jeder Klasse gibt",
        "en": "How many things there are of each class",
    },
    "sparql.example.people": {
        "de": "Personen mit Funktion, als Graph (CONSTRUCT)",
        "en": "People with their job titles, as a graph (CONSTRUCT)",
    },
    "sparql.example.email": {
        "de": "Hat eine Organisation eine E-Mail-Adresse? (ASK)",
        "en": "Does any organisation have an e-mail address? (ASK)",
    },
    "sparql.example.describe": {
        "de": "Alles über die Organisationen mit Kontaktstelle (DESCRIBE)",
        "en": "Everything about the organisations with a contact point (DESCRIBE)",
    },
    "sparql.limits": {"de": "Grenzen", "en": "Limits"},
    "sparql.limit.read_only": {
        "de": "Nur lesend: Änderungen (SPARQL Update), SERVICE, FROM und FROM NAMED"
        " werden abgelehnt.",
        "en": "Read-only: changes (SPARQL Update), SERVICE, FROM and FROM NAMED are refused.",
    },
    "sparql.limit.time": {"de": "Höchste Laufzeit einer Abfrage", "en": "Time limit per query"},
    "sparql.limit.rows": {
        "de": "Höchstzahl der Zeilen (oder Tripel) eines Ergebnisses",
        "en": "Maximum rows (or triples) in a result",
    },
    "sparql.limit.size": {"de": "Höchste Länge einer Abfrage", "en": "Maximum query length"},
    "sparql.machines": {
        "de": "Programme schicken Abfragen per GET oder POST nach dem SPARQL-1.1-Protokoll,"
        " zum Beispiel:",
        "en": "Programs send queries by GET or POST following the SPARQL 1.1 Protocol,"
        " for example:",
    },
    "api.title": {"de": "Schnittstellen für Entwickler", "en": "Developer documentation"},
    "api.language_note": {
        "de": "Die Dokumentation der Schnittstellen ist auf Englisch.",
        "en": "The documentation of the interfaces is in English.",
    },
}


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
