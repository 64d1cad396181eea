"""HTML pages for people: home, resource pages, contact links, embedded JSON-LD."""

from __future__ import annotations

import json
import re

from rdflib import Graph
from rdflib.compare import isomorphic

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


def test_every_page_embeds_its_description_as_json_ld(client):
    for path in resource_paths(client):
        page = html_of(client, path)
        [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        embedded = Graph().parse(data=json.dumps(json.loads(block)), format="json-ld")
        document = parse(client.get(f"{path}.nt"), "nt")
        assert isomorphic(embedded, document), path


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
