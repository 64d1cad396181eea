"""Interface strings in German and English: the one message catalogue of the service.

Templates call ``_("key")``; texts of the data itself come from the graph. The
reader's language is German unless they ask for English with ``?lang=en`` or prefer
it in ``Accept-Language``; anything else falls back to German.
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"de": "Offene Daten", "en": "Open data"},
    "skip_to_content": {"de": "Zum Inhalt springen", "en": "Skip to content"},
    "home": {"de": "Startseite", "en": "Home"},
    "breadcrumb": {"de": "Sie sind hier", "en": "You are here"},
    "language_switch": {"de": "English", "en": "Deutsch"},
    "language_switch_label": {"de": "Diese Seite auf Englisch", "en": "Diese Seite auf Deutsch"},
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
    "error.title": {"de": "Fehler", "en": "Error"},
    "error.back_home": {"de": "Zur Startseite", "en": "Back to the home page"},
    "error.400": {"de": "Ungültige Anfrage", "en": "Bad request"},
    "error.404": {"de": "Seite nicht gefunden", "en": "Page not found"},
    "error.405": {"de": "Methode nicht erlaubt", "en": "Method not allowed"},
    "error.406": {"de": "Format nicht verfügbar", "en": "Format not available"},
    "error.413": {"de": "Anfrage zu groß", "en": "Request too large"},
    "error.431": {"de": "Kopfzeilen zu groß", "en": "Headers too large"},
    "error.500": {"de": "Interner Fehler", "en": "Internal error"},
    "error.503": {"de": "Vorübergehend nicht verfügbar", "en": "Temporarily unavailable"},
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
    """The reader's language for this request: ?lang=, then Accept-Language, then German."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    if "language" not in g:
        g.language = select_language()
    return g.language


def gettext(key: str, language: str | None = None) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(language or current_language()) or entry[DEFAULT_LANGUAGE]
