"""HTML pages for people: home, resource pages, contact links, embedded JSON-LD."""

from __future__ import annotations

import json
import re

from rdflib import Graph

from opendata.vocabulary import SDO

from .conftest import parse, resource_paths


def html_of(client, path, **headers):
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_home_page_lists_organisations_and_their_programmes(multi_client):
    page = html_of(multi_client, "/")
    assert '<html lang="de">' in page
    for path in (
        "/doc/organization/bildungsbuero",
        "/doc/organization/familienbuero-musterstadt",
        "/doc/programme/qualitaet-vor-ort",
        "/doc/programme/familienpaten",
        "/doc/programme/bildungskoordination-fuer-neuzugewanderte",
    ):
        assert f'href="{path}"' in page


def test_the_office_page_links_programmes_contact_and_formats(client):
    page = html_of(client, "/doc/organization/bildungsbuero")
    assert "<h1>Kommunales Bildungsbüro</h1>" in page
    assert 'href="tel:+493402041305"' in page
    assert 'href="mailto:bildungsbuero@dessau-rosslau.de"' in page
    assert 'href="/doc/person/kathrin-hinze"' in page
    assert 'href="/doc/programme/qualitaet-vor-ort"' in page
    for extension in ("ttl", "jsonld", "rdf", "nt", "html"):
        assert f'href="/doc/organization/bildungsbuero.{extension}"' in page


def test_programme_and_person_pages_link_back_to_the_office(client):
    for path in ("/doc/programme/qualitaet-vor-ort", "/doc/person/kathrin-hinze"):
        assert 'href="/doc/organization/bildungsbuero"' in html_of(client, path)


def test_pages_work_without_javascript(client):
    for path in ["/", *resource_paths(client)]:
        page = html_of(client, path)
        scripts = re.findall(r"<script([^>]*)>", page)
        assert all('type="application/ld+json"' in attributes for attributes in scripts), path


def embedded(page: str) -> dict:
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block)


def test_every_page_embeds_a_summary_of_its_document_in_its_language(client):
    for path in resource_paths(client):
        document = parse(client.get(f"{path}.nt"), "nt")
        for language in ("de", "en"):
            summary = embedded(html_of(client, f"{path}?lang={language}"))
            # for search engines: schema.org, inline context, plain strings
            assert summary["@context"] == {"@vocab": "https://schema.org/"}, path
            assert summary["@type"] and summary["name"], path
            assert summary["url"] == f"http://localhost{path}", path
            text = json.dumps(summary)
            assert "@language" not in text and "@value" not in text, path
            # everything it says, the document says (it is a summary of the document)
            graph = Graph().parse(data=text, format="json-ld")
            for subject, predicate, value in graph:
                if predicate == SDO.url or value == SDO.DefinedTerm:  # for a SKOS concept
                    continue
                stated = {str(o) for o in document.objects(subject)} | {
                    str(s) for s in document.subjects(object=subject)
                }
                assert str(value) in stated, (path, language, predicate, value)


def test_the_embedded_summary_follows_googles_organization_guidelines(client):
    office = embedded(html_of(client, "/doc/organization/bildungsbuero"))
    assert office["@type"] == "GovernmentOrganization"
    assert office["name"] == "Kommunales Bildungsbüro"
    assert office["url"] == "http://localhost/doc/organization/bildungsbuero"
    assert office["telephone"] == "+49 340 204-1305"
    assert office["address"]["streetAddress"] == "Zerbster Straße 4"
    assert office["address"]["postalCode"] == "06844"
    assert office["parentOrganization"]["name"] == "Stadtverwaltung Dessau-Roßlau"
    assert "logo" not in office  # the data has none
    english = embedded(html_of(client, "/doc/organization/bildungsbuero?lang=en"))
    assert english["name"] == "Municipal Education Office"
    assert english["parentOrganization"]["name"] == "City administration of Dessau-Roßlau"
    person = embedded(html_of(client, "/doc/person/kathrin-hinze?lang=en"))
    assert person["@type"] == "Person" and person["jobTitle"] == "Head of the Education Office"
    assert person["worksFor"]["@id"] == "http://localhost/id/organization/bildungsbuero"


def test_resource_pages_carry_opengraph_tags(client):
    page = html_of(client, "/doc/organization/bildungsbuero?lang=en")
    tags = dict(re.findall(r'<meta property="(og:[a-z_:]+)" content="([^"]*)">', page))
    assert tags["og:title"] == "Municipal Education Office"
    assert tags["og:url"] == "http://localhost/doc/organization/bildungsbuero?lang=en"
    assert tags["og:locale"] == "en_GB" and tags["og:locale:alternate"] == "de_DE"
    assert tags["og:type"] == "website"
    assert tags["og:description"].startswith("Education, upbringing, vocational training")
    german = html_of(client, "/doc/organization/bildungsbuero")
    assert '<meta property="og:locale" content="de_DE">' in german


def test_the_page_is_german_by_default_and_marks_other_languages(client):
    visible = re.sub(
        r"<script.*?</script>", "", html_of(client, "/doc/organization/bildungsbuero"), flags=re.S
    )
    assert "Municipal Education Office" not in visible
    english = html_of(client, "/doc/organization/bildungsbuero", **{"Accept-Language": "en"})
    assert '<html lang="en">' in english
    assert "Municipal Education Office" in english
    # "Lernen vor Ort" has no English name: shown in German, marked as such
    assert '<span lang="de">Lernen vor Ort</span>' in english
