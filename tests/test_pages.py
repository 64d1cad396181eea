"""Pages for citizens over HTTP: languages, breadcrumbs, the contact card, vCards,
legal pages and the layout's promises (no third-party content, footer links)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml

from .conftest import FIXTURES, make_app

OFFICE = "/doc/organization/bildungsbuero"
PERSON = "/doc/person/kathrin-hinze"
PROGRAMME = "/doc/programme/qualitaet-vor-ort"
LEGAL_PAGES = ("/impressum", "/datenschutz", "/barrierefreiheit")
PAGE_PATHS = ("/", OFFICE, PERSON, PROGRAMME, "/doc/concept/stadt-und-buerger", *LEGAL_PAGES)


def get(client, path, base_url=None, **headers):
    options = {"base_url": base_url} if base_url else {}
    return client.get(path, headers={"Accept": "text/html", **headers}, **options)


def html_of(client, path, base_url=None, **headers) -> str:
    response = get(client, path, base_url, **headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def visible(page: str) -> str:
    return re.sub(r"<script.*?</script>", "", page, flags=re.S)


class Breadcrumbs(HTMLParser):
    """The schema.org BreadcrumbList microdata of a page: [(position, name, href)]."""

    def __init__(self, page: str):
        super().__init__()
        self.items: list[dict] = []
        self.in_list = self.in_name = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("itemtype") == "https://schema.org/BreadcrumbList":
            self.in_list = True
        if not self.in_list:
            return
        if attrs.get("itemprop") == "itemListElement":
            self.items.append({"name": ""})
        elif attrs.get("itemprop") == "item":
            self.items[-1]["href"] = attrs["href"]
            self.items[-1]["current"] = attrs.get("aria-current") == "page"
        elif attrs.get("itemprop") == "name":
            self.in_name = True
        elif attrs.get("itemprop") == "position":
            self.items[-1]["position"] = int(attrs["content"])

    def handle_endtag(self, tag):
        if tag == "span":
            self.in_name = False
        if tag == "ol":
            self.in_list = False

    def handle_data(self, data):
        if self.in_name:
            self.items[-1]["name"] += data


def trail(client, path, **headers) -> list[tuple[str, str]]:
    items = Breadcrumbs(html_of(client, path, **headers)).items
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))
    assert [item["current"] for item in items] == [False] * (len(items) - 1) + [True]
    return [(item["name"], item["href"]) for item in items]


# --- languages ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGE_PATHS, "/doc/person/nobody"])
def test_every_page_says_its_language_and_that_it_varies_by_it(client, path):
    german = get(client, path)
    english = get(client, path, **{"Accept-Language": "en-GB,en;q=0.8"})
    for response, language in ((german, "de"), (english, "en")):
        assert response.headers["Content-Language"] == language, path
        assert "Accept-Language" in response.vary, path
        assert f'<html lang="{language}">' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "accept_language", "expected"),
    [
        ("", None, "de"),
        ("?lang=en", None, "en"),
        ("?lang=EN", None, "en"),
        ("?lang=de", "en", "de"),
        ("", "en-US,en;q=0.9", "en"),
        ("", "fr-FR, fr;q=0.9", "de"),  # unknown language: German
        ("?lang=fr", "en", "de"),  # unknown in the switch: German, whatever the browser says
        ("?lang=", "en", "de"),
        ("?lang=%00%ff", None, "de"),
        ("", ";;;,q=x,*;q=-1", "de"),  # garbage is no error
        ("", "*", "de"),
    ],
)
def test_the_language_is_chosen_by_switch_then_browser_then_german(
    client, query, accept_language, expected
):
    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    response = get(client, OFFICE + query, **headers)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == expected


def test_the_language_switch_is_a_plain_link_to_the_same_resource(client):
    german = html_of(client, OFFICE)
    assert f'<a href="{OFFICE}?lang=en" hreflang="en" lang="en">English</a>' in german
    english = html_of(client, OFFICE + "?lang=en")
    assert f'<a href="{OFFICE}?lang=de" hreflang="de" lang="de">Deutsch</a>' in english
    assert "<h1>Municipal Education Office</h1>" in english


def test_the_switch_link_comes_from_the_resource_not_the_request(client):
    """Cached bytes serve every URL of the document, so nothing in them may come from the
    request's path: the fixed-format URL and the negotiated one give the same page."""
    fixed = get(client, OFFICE + ".html")
    negotiated = get(client, OFFICE)
    assert fixed.get_data() == negotiated.get_data()
    assert f'href="{OFFICE}?lang=en"' in fixed.get_data(as_text=True)
    assert fixed.headers["ETag"] == negotiated.headers["ETag"]


def test_pages_link_their_other_language_versions_with_hreflang(client):
    page = html_of(client, PERSON, base_url="https://daten.example")
    for language in ("de", "en"):
        alternate = (
            f'<link rel="alternate" hreflang="{language}" '
            f'href="https://daten.example{PERSON}?lang={language}">'
        )
        assert alternate in page
    assert f'hreflang="x-default" href="https://daten.example{PERSON}"' in page
    assert 'hreflang="x-default" href="https://daten.example/"' in html_of(
        client, "/", "https://daten.example"
    )
    assert 'hreflang="en" href="http://localhost/impressum?lang=en"' in html_of(
        client, "/impressum"
    )


def test_a_reader_who_chose_english_stays_in_english(client):
    english = html_of(client, OFFICE + "?lang=en")
    links = re.findall(r'<a [^>]*href="(/[^"]*)"', english)
    assert f"{PROGRAMME}?lang=en" in links and "/impressum?lang=en" in links
    assert "/?lang=en" in links
    # every link to a page keeps English; only the switch leads to German
    pages = [link for link in links if not re.search(r"\.(ttl|jsonld|rdf|nt|vcf|gz)$", link)]
    assert [link for link in pages if not link.endswith("?lang=en")] == [f"{OFFICE}?lang=de"]
    german = html_of(client, OFFICE)
    links = re.findall(r'<a [^>]*href="(/[^"]*)"', german)
    assert [link for link in links if "lang=" in link] == [f"{OFFICE}?lang=en"]


def test_the_english_page_marks_german_only_texts(multi_client):
    home = html_of(multi_client, "/?lang=en")
    assert '<span lang="de">Familienbüro Musterstadt</span>' in home
    assert '<span lang="de">Leiterin Familienbüro</span>' in home


def test_an_error_page_marks_the_services_english_detail_on_a_german_page(client):
    response = get(client, "/doc/person/nobody")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<h1>Seite nicht gefunden</h1>" in page
    assert '<p lang="en">There is no &#39;person&#39; called &#39;nobody&#39; here.</p>' in page
    english = get(client, "/doc/person/nobody?lang=en").get_data(as_text=True)
    assert "<h1>Page not found</h1>" in english
    assert '<p lang="en">' not in english


def test_an_error_page_says_what_happened_in_the_readers_language(client):
    german = get(client, "/doc/person/nobody").get_data(as_text=True)
    assert "<p>Unter dieser Adresse gibt es keine Seite." in german
    english = get(client, "/doc/person/nobody?lang=en").get_data(as_text=True)
    assert "<p>There is no page at this address." in english
    # for programs: the service's own explanation only
    problem = client.get("/doc/person/nobody", headers={"Accept": "application/problem+json"})
    assert problem.get_json()["detail"] == "There is no 'person' called 'nobody' here."
    assert "Adresse" not in problem.get_data(as_text=True)


# --- breadcrumbs ----------------------------------------------------------------------


def test_the_office_has_the_breadcrumbs_of_the_citys_site(client):
    assert trail(client, OFFICE) == [
        ("Startseite", "/"),
        ("Stadt & Bürger", "/doc/concept/stadt-und-buerger"),
        ("Zielgruppen- und Projektförderung", "/doc/concept/zielgruppen-und-projektfoerderung"),
        ("Bildungsbüro", OFFICE),
    ]


def test_programmes_and_people_continue_the_offices_trail(client):
    office_trail = [name for name, _ in trail(client, OFFICE)]
    assert [name for name, _ in trail(client, PROGRAMME)] == [*office_trail, "Qualität vor Ort"]
    assert [name for name, _ in trail(client, PERSON)] == [*office_trail, "Kathrin Hinze"]
    assert [
        name for name, _ in trail(client, "/doc/concept/zielgruppen-und-projektfoerderung")
    ] == [
        "Startseite",
        "Stadt & Bürger",
        "Zielgruppen- und Projektförderung",
    ]


def test_breadcrumbs_in_english_keep_the_language(client):
    assert trail(client, OFFICE + "?lang=en") == [
        ("Home", "/?lang=en"),
        ("City & citizens", "/doc/concept/stadt-und-buerger?lang=en"),
        (
            "Target groups and project funding",
            "/doc/concept/zielgruppen-und-projektfoerderung?lang=en",
        ),
        ("Education Office", OFFICE + "?lang=en"),
    ]


def test_an_organisation_without_a_section_path_has_a_short_trail(multi_client):
    path = "/doc/organization/familienbuero-musterstadt"
    assert trail(multi_client, path) == [("Startseite", "/"), ("Familienbüro Musterstadt", path)]
    assert trail(multi_client, "/impressum") == [("Startseite", "/"), ("Impressum", "/impressum")]


def test_the_published_documents_stay_as_they_were(client):
    """Breadcrumbs and contact card read the organisation's graph; the RDF document of a
    programme says nothing about the office's section path or address."""
    turtle = client.get(PROGRAMME + ".ttl").get_data(as_text=True)
    assert "stadt-und-buerger" not in turtle
    assert "Zerbster" not in turtle


# --- contact card ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [OFFICE, PERSON, PROGRAMME])
def test_the_contact_card_shows_person_role_address_telephone_and_email(client, path):
    page = html_of(client, path)
    card = page[page.index('<section class="contact"') :]
    card = card[: card.index("</section>")]
    assert "Ansprechpartnerin" in card
    assert f'href="{PERSON}"' in card and "Kathrin Hinze" in card
    assert '<span class="role">Leiterin Bildungsbüro</span>' in card
    assert "<address>Zerbster Straße 4<br>06844 Dessau-Roßlau</address>" in card
    assert '<a href="tel:+493402041305">0340 204-1305</a>' in card
    assert (
        '<a href="mailto:bildungsbuero@dessau-rosslau.de">bildungsbuero@dessau-rosslau.de</a>'
        in card
    )
    osm = "https://www.openstreetmap.org/search?query=Zerbster%20Stra%C3%9Fe%204%2C%2006844%20Dessau-Ro%C3%9Flau"
    assert f'<a href="{osm}" rel="external noopener">' in card
    assert f'href="{PERSON}.vcf" type="text/vcard" download>Kathrin Hinze (vCard)</a>' in card
    assert f'href="{OFFICE}.vcf" type="text/vcard" download>Kommunales Bildungsbüro (vCard)' in card


def test_the_person_is_marked_as_the_current_page_on_her_own_card(client):
    page = html_of(client, PERSON)
    assert f'<a href="{PERSON}" aria-current="page">Kathrin Hinze</a><br>' in page


@pytest.mark.parametrize(
    "path",
    [
        "/doc/concept/stadt-und-buerger",
        "/doc/place/dessau-rosslau",
        "/doc/organization/stadtverwaltung-dessau-rosslau",
        "/doc/programme/lernen-vor-ort",
    ],
)
def test_pages_without_a_contact_have_no_card(client, path):
    assert 'class="contact"' not in html_of(client, path)


def test_pages_load_no_third_party_content(client):
    for path in PAGE_PATHS:
        page = visible(html_of(client, path))
        assert not re.search(r"<(img|iframe|object|embed|video|audio|source)\b", page), path
        assert not re.search(r"<script[^>]*\bsrc=", page), path
        for href in re.findall(r"<link [^>]*href=\"([^\"]+)\"", page):
            assert href.startswith(("/", "http://localhost/")), (path, href)
        assert "@import" not in client.get("/static/site.css").get_data(as_text=True)


def test_the_stylesheet_has_print_rules_and_a_visible_focus(client):
    css = client.get("/static/site.css").get_data(as_text=True)
    assert "@media print" in css
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", css)
    assert "url(" not in css  # no fonts or images from anywhere


# --- vCards ---------------------------------------------------------------------------


def unfold(card: str) -> list[str]:
    """RFC 6350 §3.2: CRLF followed by a space or tab continues the line."""
    assert card.endswith("\r\n")
    assert "\n" not in card.replace("\r\n", ""), "bare line feeds"
    return re.sub(r"\r\n[ \t]", "", card).split("\r\n")[:-1]


CONTENT_LINE = re.compile(r"^[A-Za-z0-9-]+(;[A-Za-z0-9-]+=(\"[^\"]*\"|[^;:\"]*))*:.*$")


def check_vcard(body: bytes) -> dict[str, list[str]]:
    """Structure of an RFC 6350 vCard 4.0; returns property (with parameters) → values."""
    card = body.decode("utf-8")
    for physical in card.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75, physical
    lines = unfold(card)
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert lines[-1] == "END:VCARD"
    found: dict[str, list[str]] = {}
    for line in lines:
        assert CONTENT_LINE.match(line), line
        name, _, value = line.partition(":")
        found.setdefault(name, []).append(value)
    assert any(name.split(";")[0] == "FN" for name in found)
    return found


def test_the_persons_vcard(client):
    response = client.get(PERSON + ".vcf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="kathrin-hinze.vcf"'
    card = check_vcard(response.get_data())
    assert card["KIND"] == ["individual"]
    assert card["FN"] == ["Kathrin Hinze"]
    assert card["TITLE;ALTID=1;LANGUAGE=de"] == ["Leiterin Bildungsbüro"]
    assert card["TITLE;ALTID=1;LANGUAGE=en"] == ["Head of the Education Office"]
    assert card["ORG;ALTID=1;LANGUAGE=de"] == [
        "Stadtverwaltung Dessau-Roßlau;Kommunales Bildungsbüro"
    ]
    assert card["ADR;TYPE=work"] == [";;Zerbster Straße 4;Dessau-Roßlau;;06844;DE"]
    assert card['TEL;VALUE=uri;TYPE="work,voice"'] == ["tel:+493402041305"]
    assert card["EMAIL;TYPE=work"] == ["bildungsbuero@dessau-rosslau.de"]
    assert card["UID"] == ["http://localhost/id/person/kathrin-hinze"]
    assert card["URL"] == ["http://localhost/doc/person/kathrin-hinze"]
    assert card["REV"] == ["20261126T000000Z"]


def test_the_offices_vcard(client):
    card = check_vcard(client.get(OFFICE + ".vcf").get_data())
    assert card["KIND"] == ["org"]
    assert card["FN;ALTID=1;LANGUAGE=de"] == ["Kommunales Bildungsbüro"]
    assert card["FN;ALTID=1;LANGUAGE=en"] == ["Municipal Education Office"]
    assert card["EMAIL;TYPE=work"] == ["bildungsbuero@dessau-rosslau.de"]
    assert "TITLE" not in "".join(card)


@pytest.mark.parametrize(
    "path",
    [
        "/doc/programme/qualitaet-vor-ort.vcf",
        "/doc/concept/stadt-und-buerger.vcf",
        "/doc/place/dessau-rosslau.vcf",
        "/doc/organization/stadtverwaltung-dessau-rosslau.vcf",
        "/doc/organization/deutsche-kinder-und-jugendstiftung.vcf",
        "/doc/person/nobody.vcf",
        "/doc/thing/x.vcf",
        "/doc/person/Kathrin.vcf",
        "/doc/person/kathrin-hinze.ttl.vcf",
    ],
)
def test_no_vcard_without_contact_data(client, path):
    response = client.get(path, headers={"Accept": "text/plain"})
    assert response.status_code == 404
    assert response.get_data(as_text=True).startswith("404 ")


def test_the_vcard_is_cacheable(client):
    first = client.get(OFFICE + ".vcf")
    again = client.get(OFFICE + ".vcf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_vcard_is_folded_after_moving_to_the_public_base(client):
    base = "https://a-rather-long-host-name-for-the-published-data.example"
    response = client.get(PERSON + ".vcf", base_url=base)
    body = response.get_data()
    assert b"opendata.invalid" not in body
    card = check_vcard(body)  # every physical line within 75 octets
    assert card["URL"] == [f"{base}/doc/person/kathrin-hinze"]
    assert card["SOURCE"] == [f"{base}/doc/person/kathrin-hinze.vcf"]


@pytest.fixture
def unusual_data(tmp_path):
    """The fictional publisher with names that need escaping and a German-only text."""
    document = yaml.safe_load((FIXTURES / "data/familienbuero-musterstadt.yaml").read_text())
    organization = document["organization"]
    organization["name"] = {"de": "Familien-, Kinder\\ und Jugendbüro; Musterstadt"}
    organization["legal"]["accessibility"] = {"text": {"de": "Diese Seiten sind barrierefrei."}}
    (tmp_path / "musterstadt.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    return make_app(tmp_path).test_client()


def test_vcard_text_values_are_escaped(unusual_data):
    card = check_vcard(unusual_data.get("/doc/organization/familienbuero-musterstadt.vcf").data)
    assert card["FN;LANGUAGE=de"] == ["Familien-\\, Kinder\\\\ und Jugendbüro\\; Musterstadt"]
    assert card["ORG;LANGUAGE=de"] == [
        "Stadtverwaltung Musterstadt;Familien-\\, Kinder\\\\ und Jugendbüro\\; Musterstadt"
    ]


# --- legal pages ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGE_PATHS, "/doc/person/nobody"])
def test_every_page_links_the_legal_pages_in_its_footer(client, path):
    page = get(client, path).get_data(as_text=True)
    footer = page[page.index('<footer class="site-footer">') :]
    for legal, title in zip(
        LEGAL_PAGES,
        ("Impressum", "Datenschutzerklärung", "Erklärung zur Barrierefreiheit"),
        strict=True,
    ):
        assert f'<a href="{legal}">{title}</a>' in footer


@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_without_a_text_in_the_data_the_legal_page_says_whom_to_ask(client, path):
    page = html_of(client, path)
    main = page[page.index("<main") : page.index("</main>")]
    assert "noch" in main and "hinterlegt. Auskunft gibt:" in main
    assert 'href="mailto:bildungsbuero@dessau-rosslau.de"' in main
    assert 'href="tel:+493402041305"' in main
    # nothing else is said about the office: only the sentence and its contact
    section = main[
        main.index('<section class="publisher"') : main.index('<section class="contact"')
    ]
    assert section.count("<p>") == 1


def test_the_publishers_own_texts_are_shown(multi_client):
    page = html_of(multi_client, "/impressum")
    assert (
        "<p>Herausgeberin: Stadtverwaltung Musterstadt<br>Musterweg 1<br>12345 Musterstadt</p>"
        in page
    )
    assert "<p>Verantwortlich für den Inhalt: Erika Mustermann</p>" in page
    english = html_of(multi_client, "/impressum?lang=en")
    assert "<p>Responsible for the content: Erika Mustermann</p>" in english
    privacy = html_of(multi_client, "/datenschutz")
    assert '<a href="https://musterstadt.example/datenschutz" rel="external noopener">' in privacy


def test_a_german_only_legal_text_is_marked_on_the_english_page(unusual_data):
    page = html_of(unusual_data, "/barrierefreiheit?lang=en")
    assert '<p><span lang="de">Diese Seiten sind barrierefrei.</span></p>' in page


@pytest.mark.parametrize(
    ("legal", "message"),
    [
        ({"impressum": {}}, "give the text, the url of the publisher's own page, or both"),
        ({"privacy": {"url": "ftp://musterstadt.example/x"}}, "Not a valid URL."),
        ({"privacy": {"text": {"en": "Only English"}}}, "a text in 'de' is required"),
        ({"imprint": {"url": "https://musterstadt.example/"}}, "Unknown field."),
    ],
)
def test_legal_entries_are_validated(tmp_path, legal, message):
    from opendata.records import InvalidData, load_directory

    document = yaml.safe_load((FIXTURES / "data/familienbuero-musterstadt.yaml").read_text())
    document["organization"]["legal"] = legal
    (tmp_path / "musterstadt.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    with pytest.raises(InvalidData) as raised:
        load_directory(tmp_path)
    assert any(message in str(problem) for problem in raised.value.problems), raised.value


def test_legal_pages_have_a_section_per_publisher(multi_client):
    page = html_of(multi_client, "/barrierefreiheit")
    assert page.count('<section class="publisher"') == 2


def test_legal_pages_list_publishers_by_name_a_page_at_a_time(multi_data_dir, backend_store):
    client = make_app(multi_data_dir, backend_store, LEGAL_PAGE_SIZE=1).test_client()
    first, second = html_of(client, "/impressum"), html_of(client, "/impressum?page=2")
    names = [
        page[page.index('<section class="publisher"') :].split("</a>")[0].rsplit(">", 1)[1]
        for page in (first, second)
    ]
    assert names == sorted(names) and len(set(names)) == 2
    assert first.count('<section class="publisher"') == 1
    assert 'href="/impressum?page=2" rel="next"' in first
    assert 'href="/impressum?page=1" rel="prev"' in second and 'rel="next"' not in second
    assert 'hreflang="en" href="http://localhost/impressum?page=2&amp;lang=en"' in second
    assert client.get("/impressum?page=3").status_code == 404
    assert client.get("/impressum?page=zwei").status_code == 400
