"""Every fact of the office's own page is published, spelled exactly as there."""

from __future__ import annotations

import html
import re

from .conftest import parse, resource_paths

# Lines of the page that are controls or link texts, not facts.
PAGE_CHROME = {"A+ A-", "Informationen zum Programm"}
# Headings of the page that our pages show as interface strings.
HEADINGS = {
    "Arbeitsschwerpunkte sind:": "Arbeitsschwerpunkte",
    "Förderprogramme": "Förderprogramme",
}


def seed_facts(seed_text: str) -> list[str]:
    facts = []
    for line in seed_text.splitlines():
        text = line.strip().lstrip("•").strip()
        if not text or text in PAGE_CHROME or text in HEADINGS:
            continue
        parts = [part.strip() for part in text.split("/")]
        if re.match(r"^\d{5} ", text):  # postal code and locality are two facts
            facts.extend(text.split(" ", 1))
        elif len(parts) > 2:  # the breadcrumb: each part is a fact of its own
            facts.extend(part for part in parts if part != "Startseite")
        else:
            facts.append(text)
    return facts


def published_literals(client) -> str:
    texts = set()
    for path in resource_paths(client):
        graph = parse(client.get(f"{path}.nt"), "nt")
        texts.update(str(o) for o in graph.objects() if o.__class__.__name__ == "Literal")
    return "\n".join(sorted(texts))


def test_every_fact_of_the_page_is_in_the_linked_data(client, seed_text):
    literals = published_literals(client)
    missing = [fact for fact in seed_facts(seed_text) if fact not in literals]
    assert not missing, missing


def test_every_fact_of_the_page_is_on_the_html_pages(client, seed_text):
    pages = "\n".join(
        html.unescape(client.get(f"{path}.html").get_data(as_text=True))
        for path in resource_paths(client)
    )
    facts = seed_facts(seed_text) + list(HEADINGS.values())
    missing = [fact for fact in facts if fact not in pages]
    assert not missing, missing


def test_the_seed_has_the_facts_we_expect(seed_text):
    # Guards the parser above: a changed seed page must not silently test nothing.
    facts = seed_facts(seed_text)
    assert "Kathrin Hinze" in facts
    assert "bildungsbuero@dessau-rosslau.de" in facts
    assert len(facts) >= 25
