"""Write N synthetic organisations of realistic shape into a data directory.

Each looks like the real office: a parent administration, a place, a two-level
section path, five focus areas, two programmes (one with an owner and a supporting
role), a head of office, contact point, address, telephone and e-mail.

    python bench/generate.py 1000 /tmp/data-1000
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

WORDS = [
    "Bildung",
    "Familie",
    "Jugend",
    "Integration",
    "Sprache",
    "Kultur",
    "Sport",
    "Arbeit",
    "Gesundheit",
    "Umwelt",
    "Beratung",
    "Koordination",
    "Förderung",
    "Qualität",
    "Netzwerk",
    "Teilhabe",
    "Zukunft",
    "Stadt",
    "Region",
    "Dialog",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def organization(i: int, rng: random.Random) -> dict:
    town = f"Beispielstadt {i}"
    s = f"n{i}"
    return {
        "slug": f"buero-{s}",
        "name": {"de": f"Bildungsbüro {town}", "en": f"Education office {town}"},
        "alternate_name": {"de": "Bildungsbüro"},
        "keywords": [{"de": rng.choice(WORDS)}, {"de": rng.choice(WORDS)}],
        "description": {
            "de": "\n\n".join(sentence(rng, 30) for _ in range(3)),
            "en": "\n\n".join(sentence(rng, 30) for _ in range(3)),
        },
        "origin": {
            "description": {"de": sentence(rng, 20)},
            "programme": {"slug": f"herkunft-{s}", "name": {"de": f"Herkunft {i}"}},
        },
        "parent_organization": {
            "slug": f"verwaltung-{s}",
            "name": {"de": f"Stadtverwaltung {town}"},
        },
        "classification": [
            {"slug": f"bereich-{s}", "name": {"de": "Stadt & Bürger"}},
            {"slug": f"unterbereich-{s}", "name": {"de": "Projektförderung"}},
        ],
        "area_served": {
            "slug": f"ort-{s}",
            "name": {"de": town},
            "identifiers": {"ags": f"{10_000_000 + i:08d}"},
        },
        "focus_areas": [
            {
                "slug": f"schwerpunkt-{s}-{k}",
                "name": {"de": sentence(rng, 12), "en": sentence(rng, 12)},
            }
            for k in range(5)
        ],
        "programmes": [
            {
                "slug": f"programm-{s}-{k}",
                "name": {"de": f"Programm {k} {town}"},
                "description": {"de": sentence(rng, 25)},
                **(
                    {
                        "owner": {
                            "slug": f"stiftung-{s}",
                            "name": {"de": f"Stiftung {town}"},
                            "alternate_name": "ST",
                        },
                        "supporting_roles": [{"de": "Prozessbegleiter"}],
                    }
                    if k == 1
                    else {}
                ),
            }
            for k in range(2)
        ],
        "people": [
            {
                "slug": f"person-{s}",
                "name": f"Vorname{i} Nachname{i}",
                "job_title": {"de": "Leiterin Bildungsbüro"},
                "head_of_organization": True,
            }
        ],
        "contact_point": {
            "name": {"de": "Bildungsbüro"},
            "contact_type": {"de": "Ansprechpartnerin"},
        },
        "address": {
            "street_address": f"Hauptstraße {i % 200 + 1}",
            "postal_code": f"{10000 + i % 89999:05d}",
            "locality": town,
            "country": "DE",
        },
        "telephone": f"0{300 + i % 600} {100 + i % 900}-{1000 + i % 9000}",
        "email": f"bildung@n{i}.example",
        "publication": {
            "issued": "2025-01-01",
            "modified": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "themes": ["EDUC", "GOVE"],
            "publisher_type": "LocalAuthority",
        },
    }


def generate(count: int, directory: Path, seed: int = 1) -> Path:
    """Write `count` organisation files into `directory` (created if needed)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        document = {"organization": organization(i, rng)}
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        (directory / f"org-{i:05d}.yaml").write_text(text, encoding="utf-8")
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("directory", type=Path)
    arguments = parser.parse_args()
    generate(arguments.count, arguments.directory)
    print(f"wrote {arguments.count} organisations to {arguments.directory}")


if __name__ == "__main__":
    main()
