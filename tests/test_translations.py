"""The gettext catalogues: complete, in step with the source, and what pages show."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from opendata import i18n
from opendata.sparql.examples import EXAMPLES

from .conftest import DATA_DIR, ROOT, make_app

TRANSLATIONS = ROOT / "opendata" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"\{\w*\}")


def read(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def source(key: str) -> tuple[str | None, str]:
    """The msgctxt and msgid of a key."""
    entry = i18n.MSGIDS[key]
    return entry if isinstance(entry, tuple) else (None, entry)


def entries(catalogue: Catalog) -> dict:
    """What extraction writes about each message, apart from the header and dates."""
    return {
        (m.context, m.id): (sorted(m.locations), m.auto_comments, sorted(m.flags))
        for m in catalogue
        if m.id
    }


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def test_template_is_what_extraction_finds(tmp_path, monkeypatch):
    """messages.pot is up to date: run the README's extract command when this fails."""
    extracted = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    pybabel("extract", "-F", "babel.cfg", "--project=opendata", "-o", str(extracted), ".")
    assert entries(read(extracted)) == entries(read(TEMPLATE))


def test_template_has_every_key():
    template = read(TEMPLATE)
    missing = [key for key in i18n.MSGIDS if template.get(*reversed(source(key))) is None]
    assert not missing


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_catalogue_follows_the_template(language, tmp_path):
    """Nothing new in the template that the catalogue lacks (else: pybabel update)."""
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    pybabel(
        "update",
        "--check",
        "--ignore-pot-creation-date",
        "-i",
        str(TEMPLATE),
        "-d",
        str(copy),
        "-l",
        language,
    )


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_key_is_translated(language):
    catalogue = read(i18n.catalogue_path(language))
    for key in i18n.MSGIDS:
        context, msgid = source(key)
        message = catalogue.get(msgid, context=context)
        assert message is not None, key
        assert not message.fuzzy, key
        if key in i18n.EMPTY_ALLOWED and language == i18n.DEFAULT_LANGUAGE:
            # German readers get no translation note; see opendata.i18n.
            assert message.string == "", key
            continue
        assert message.string, f"{key} has no {language} translation"
        # The service fills the names in braces with str.format: they must all be there.
        names = sorted(PLACEHOLDER.findall(msgid))
        assert sorted(PLACEHOLDER.findall(message.string)) == names, key


def test_messages_are_the_catalogues():
    """Every text the service shows is the msgstr of its catalogue."""
    for language in i18n.LANGUAGES:
        catalogue = read(i18n.catalogue_path(language))
        for key in i18n.MSGIDS:
            context, msgid = source(key)
            expected = catalogue.get(msgid, context=context).string
            assert i18n.gettext(key, language) == expected, (key, language)


def test_the_language_switch_names_each_language_in_itself():
    assert i18n.gettext("language_name", "de") == "Deutsch"
    assert i18n.gettext("language_name", "en") == "English"


def edit(po: Path, msgstr: str, new: str) -> None:
    """Change one translation in a catalogue, as a translator's editor would."""
    text = po.read_text(encoding="utf-8")
    old = f'msgstr "{msgstr}"\n'
    assert text.count(old) == 1, msgstr
    po.write_text(text.replace(old, f'msgstr "{new}"\n'), encoding="utf-8")


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """The service over a copy of the catalogues with a few translations changed."""
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    de = i18n.catalogue_path("de", copy)
    en = i18n.catalogue_path("en", copy)
    edit(de, "Teil von", "Gehört zu")
    edit(de, "Seite nicht gefunden", "Diese Seite gibt es nicht")
    edit(en, "Open data: data catalogue", "Open data: the catalogue")
    edit(de, "Förderprogramme", "")  # untranslated: gettext shows the English msgid
    monkeypatch.setattr(i18n, "MESSAGES", i18n.load_messages(copy))
    return make_app(DATA_DIR).test_client()


def test_pages_read_the_catalogues(edited):
    page = edited.get("/doc/organization/bildungsbuero.html").get_data(as_text=True)
    assert "Gehört zu" in page
    assert "Teil von" not in page
    assert "Funding programmes" in page
    assert "Förderprogramme" not in page

    missing = edited.get("/no-such-page", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert "Diese Seite gibt es nicht" in missing.get_data(as_text=True)

    catalog = edited.get("/catalog.ttl").get_data(as_text=True)
    assert '"Open data: the catalogue"@en' in catalog
    assert '"Offene Daten: Datenkatalog"@de' in catalog


def test_an_empty_translation_note_shows_nothing(tmp_path):
    """Only for the translation note does an empty msgstr mean "no text"."""
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    messages = i18n.load_messages(copy)
    assert messages["translation_note"] == {"de": "", "en": i18n.MSGIDS["translation_note"]}
    edit(i18n.catalogue_path("en", copy), "Home", "")
    assert i18n.load_messages(copy)["home"]["en"] == "Home"


def test_every_key_the_templates_and_modules_name_exists():
    """A key missing from the table would show as itself ("section.foo") on the page."""
    package = ROOT / "opendata"
    literal = r"""\(\s*["']([\w.]+)["']\s*[,)]"""  # a whole key, not a prefix ("kind." ~)
    named = set()
    for template in (package / "templates").glob("*.html"):
        named |= set(re.findall(r"\b_" + literal, template.read_text()))
    for module in package.rglob("*.py"):
        if module.name != "i18n.py":
            named |= set(re.findall(r"\bgettext" + literal, module.read_text()))
    named |= {example.title_key for example in EXAMPLES}
    assert named
    assert named - set(i18n.MSGIDS) == set()
