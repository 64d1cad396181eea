"""The pages in a real browser: headless Chromium (Debian's package) driven by Playwright.

Every page type is checked with axe-core for the WCAG 2.1 A and AA rules, for
horizontal scrolling at 320 px, and photographed at 375 px and 1280 px into
``screenshots/`` (with ``axe-results.json``, the figures per page type). Further
tests use the language switch and the vCard download as a person would, with the
keyboard, without JavaScript and in print.

Without Chromium or Playwright these tests skip, saying why; with CI=true they fail
instead, so CI can never pass without running them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from .conftest import ROOT, in_ci, make_app
from .servers import HTTP_TIMEOUT, WAIT

# Debian's package by default; CHROMIUM=/path/to/chrome for another Chromium build.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As root on a closed network: no sandbox, no background traffic to Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe's best-practice rules for what the layout promises beyond those: headings in
# order, one main landmark, all content in landmarks, a working skip link.
STRUCTURE_RULES = [
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "region",
    "skip-link",
]
SCREENSHOTS = ROOT / "screenshots"
WIDTHS = {"narrow": 375, "wide": 1280}

# Page type → path. Pages that other parts of the service provide (catalogue,
# SPARQL form, API page) are checked where their route exists.
PAGE_TYPES = {
    "home": "/",
    "organisation": "/doc/organization/bildungsbuero",
    "organisation-en": "/doc/organization/bildungsbuero?lang=en",
    "programme": "/doc/programme/qualitaet-vor-ort",
    "person": "/doc/person/kathrin-hinze",
    "concept": "/doc/concept/zielgruppen-und-projektfoerderung",
    "place": "/doc/place/dessau-rosslau",
    "impressum": "/impressum",
    "privacy": "/datenschutz",
    "accessibility": "/barrierefreiheit",
    "error-404": "/doc/person/nobody",
    "catalogue": "/catalog",
    "sparql": "/sparql",
    "api": "/api",
    # the directory: the search form (home), results, no results, a faceted list
    "home-en": "/?lang=en",
    "search-results": "/search?q=Bildung",
    "search-results-en": "/search?q=education&lang=en",
    "search-no-results": "/search?q=Zzyzxq",
    "search-no-results-en": "/search?q=Zzyzxq&lang=en",
    "search-faceted": "/search?kind=organization&place=dessau-rosslau",
    "search-faceted-en": "/search?q=b%C3%BCro&kind=organization&theme=EDUC&lang=en",
}
OPTIONAL = {"catalogue", "sparql", "api"}
EXPECTED_STATUS = {"error-404": 404}

AXE_RESULTS: dict[str, dict] = {}


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The service with the real data and a fictional second publisher, on 127.0.0.1."""
    data = tmp_path_factory.mktemp("data")
    for source in [*(ROOT / "data").glob("*.yaml"), *(ROOT / "tests/fixtures/data").glob("*.yaml")]:
        shutil.copy(source, data / source.name)
    http = make_server("127.0.0.1", 0, make_app(data), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        unavailable(f"Chromium at {CHROMIUM} does not start: {error}")
    yield launched
    launched.close()
    playwright.stop()
    if AXE_RESULTS:
        SCREENSHOTS.mkdir(exist_ok=True)
        results = json.dumps(AXE_RESULTS, indent=2, sort_keys=True)
        (SCREENSHOTS / "axe-results.json").write_text(results + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-core is not installed (pip install axe-playwright-python)")
    return Axe()


@pytest.fixture
def open_page(browser, server):
    """open_page(path, width=1280, **context options) → a loaded Playwright page, in a
    browser set to German (Accept-Language: de-DE) unless the options say otherwise."""
    contexts = []

    def open_(path: str, width: int = WIDTHS["wide"], **options):
        options.setdefault("locale", "de-DE")
        context = browser.new_context(viewport={"width": width, "height": 900}, **options)
        context.set_default_timeout(WAIT * 1000)  # a failure guard on a loaded machine
        contexts.append(context)
        page = context.new_page()
        page.goto(server + path)
        return page

    yield open_
    for context in contexts:
        context.close()


def page_path(server: str, page_type: str) -> str:
    """The page type's path; optional pages whose route does not exist are skipped."""
    path = PAGE_TYPES[page_type]
    if page_type in OPTIONAL:
        status = requests.get(server + path, headers={"Accept": "text/html"}, timeout=HTTP_TIMEOUT)
        if status.status_code == 404:
            pytest.skip(f"{path} answers 404: this build has no {page_type} page")
    return path


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_type_has_no_wcag_21_aa_violations(page_type, server, open_page, axe):
    path = page_path(server, page_type)
    page = open_page(path)
    assert page.evaluate("document.documentElement.lang") in ("de", "en")
    wcag = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    structure = axe.run(page, options={"runOnly": {"type": "rule", "values": STRUCTURE_RULES}})
    AXE_RESULTS[page_type] = {
        "path": path,
        "axe": wcag.response["testEngine"]["version"],
        "wcag21aa_violations": len(wcag.response["violations"]),
        "wcag21aa_rules_passed": len(wcag.response["passes"]),
        "wcag21aa_incomplete": len(wcag.response["incomplete"]),
        "structure_violations": len(structure.response["violations"]),
    }
    save_screenshot(page, page_type, "wide")
    assert not wcag.response["violations"], wcag.generate_report()
    assert not structure.response["violations"], structure.generate_report()


def test_axe_reports_violations_where_there_are_some(browser, axe):
    """The check above could fail: the same setup finds faults in a faulty page."""
    page = browser.new_page()
    page.set_default_timeout(WAIT * 1000)
    page.set_content(
        '<html><body><p style="color:#aaa;background:#fff">faint</p>'
        '<img src="data:,"><a href="/x"></a><h1>One</h1><h4>Four</h4></body></html>'
    )
    wcag = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    structure = axe.run(page, options={"runOnly": {"type": "rule", "values": STRUCTURE_RULES}})
    page.close()
    found = {v["id"] for v in wcag.response["violations"]}
    assert {"color-contrast", "image-alt", "link-name", "html-has-lang"} <= found
    assert {"heading-order", "landmark-one-main"} <= {
        v["id"] for v in structure.response["violations"]
    }


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_type_fits_a_320px_screen(page_type, server, open_page):
    path = page_path(server, page_type)
    page = open_page(path, width=320)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    page.set_viewport_size({"width": WIDTHS["narrow"], "height": 900})
    save_screenshot(page, page_type, "narrow")


def save_screenshot(page, page_type: str, width: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{page_type}-{WIDTHS[width]}.png", full_page=True)


@pytest.mark.parametrize("page_type", ["organisation", "person", "error-404", "impressum"])
def test_the_page_status_is_as_expected(page_type, server):
    response = requests.get(
        server + PAGE_TYPES[page_type], headers={"Accept": "text/html"}, timeout=HTTP_TIMEOUT
    )
    assert response.status_code == EXPECTED_STATUS.get(page_type, 200)


def follow(page, link_name: str, expected_url: str) -> None:
    """Click a link as a reader would and wait until its page has loaded."""
    page.get_by_role("link", name=link_name, exact=True).click()
    page.wait_for_url(expected_url)
    page.wait_for_load_state()


def test_the_language_switch_works_without_javascript_and_keeps_the_page(open_page, server):
    office, programme = PAGE_TYPES["organisation"], PAGE_TYPES["programme"]
    page = open_page(office, java_script_enabled=False)
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.locator("h1").inner_text() == "Kommunales Bildungsbüro"

    follow(page, "English", f"{server}{office}?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").inner_text() == "Municipal Education Office"

    # The choice stays while the reader follows links.
    follow(page, "Quality on site", f"{server}{programme}?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"

    follow(page, "Deutsch", f"{server}{programme}?lang=de")
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.locator("h1").inner_text() == "Qualität vor Ort"


def test_a_browser_preferring_english_gets_english(open_page):
    page = open_page(PAGE_TYPES["person"], locale="en-GB")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Head of the Education Office" in page.locator("main").inner_text()


@pytest.mark.parametrize(
    ("link", "filename", "name"),
    [
        ("Kathrin Hinze (vCard)", "kathrin-hinze.vcf", "FN:Kathrin Hinze"),
        (
            "Kommunales Bildungsbüro (vCard)",
            "bildungsbuero.vcf",
            "FN;ALTID=1;LANGUAGE=de:Kommunales Bildungsbüro",
        ),
    ],
)
def test_the_contact_card_downloads_a_vcard(open_page, link, filename, name):
    page = open_page(PAGE_TYPES["organisation"], accept_downloads=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link).click()
    download = download_info.value
    assert download.suggested_filename == filename
    card = Path(download.path()).read_bytes().decode("utf-8")
    assert card.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert card.endswith("END:VCARD\r\n")
    assert f"\r\n{name}\r\n" in card
    assert 'TEL;VALUE=uri;TYPE="work,voice":tel:+493402041305' in card


def test_the_keyboard_reaches_the_skip_link_first_and_focus_is_visible(open_page):
    page = open_page(PAGE_TYPES["organisation"])
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const element = document.activeElement, style = getComputedStyle(element);
            const box = element.getBoundingClientRect();
            return {text: element.textContent, outline: style.outlineStyle,
                    width: parseFloat(style.outlineWidth), top: box.top, bottom: box.bottom};
        }"""
    )
    assert focused["text"] == "Zum Inhalt springen"
    assert focused["outline"] != "none" and focused["width"] >= 2
    assert focused["top"] >= 0 and focused["bottom"] <= 900, "the skip link is shown on focus"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'content'")
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


@pytest.mark.parametrize("locale", ["de-DE", "en-GB"])
def test_the_search_box_works_without_javascript_and_announces_the_count(open_page, locale):
    page = open_page("/impressum", java_script_enabled=False, locale=locale)
    box = page.get_by_role("search").first.get_by_role("searchbox")
    box.fill("Büro")
    box.press("Enter")
    page.wait_for_url("**/search?q=B%C3%BCro*")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(r"\d+ (Treffer für „Büro“|results for “Büro”)", heading), heading
    assert page.evaluate("document.documentElement.lang") == locale[:2]
    # a facet narrows the results by a plain link
    page.locator(".facets a").first.click()
    page.wait_for_load_state()
    assert "kind=" in page.url and page.locator(".result").count() >= 1


def test_the_print_stylesheet_leaves_out_navigation_and_data_links(open_page):
    page = open_page(PAGE_TYPES["organisation"])
    page.emulate_media(media="print")
    for selector in (".languages", ".use-data", ".site-footer", ".skip-link", ".vcards"):
        assert not page.locator(selector).is_visible(), selector
    assert page.locator(".contact address").is_visible()


def test_pages_load_nothing_from_elsewhere(browser, server):
    context = browser.new_context()
    context.set_default_timeout(WAIT * 1000)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    for page_type in ("home", "organisation", "person", "impressum"):
        page.goto(server + PAGE_TYPES[page_type])
    context.close()
    assert requested
    assert all(url.startswith(server + "/") for url in requested), requested
