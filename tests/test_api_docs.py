"""Documentation served by the service: /openapi.json matches the real routes, /api has
copy-paste curl examples that work, every resource page has a "use this data" panel."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from html import unescape
from urllib.parse import urlencode

import pytest
import requests
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from opendata.sparql.engine import EXTENSION

from .conftest import DATA_DIR, in_ci, make_app, parse, resource_paths
from .servers import HTTP_TIMEOUT, gunicorn

IGNORED_METHODS = {"HEAD", "OPTIONS"}


# Routes whose path items opendata/openapi.py does not have yet (the search); they are
# compared like every other route as soon as it has them. Empty this set then.
@pytest.fixture(scope="module")
def app():
    app = make_app(DATA_DIR)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def openapi(app):
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def flask_routes(app) -> dict[str, set[str]]:
    """OpenAPI-style path → methods, for every route of the application."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(openapi_path(rule.rule), set()).update(rule.methods - IGNORED_METHODS)
    return routes


def test_the_openapi_document_is_valid_openapi_3_1(openapi):
    assert openapi["openapi"].startswith("3.1")
    validate(openapi)
    assert openapi["servers"] == [{"url": "http://localhost"}]


def test_every_route_is_documented_and_every_documented_path_is_a_route(app, openapi):
    documented = {
        path: {method.upper() for method in item if method in ("get", "post", "put", "delete")}
        for path, item in openapi["paths"].items()
    }
    routes = flask_routes(app)
    assert {path: documented.get(path) for path in routes} == routes
    # A route that serves a document both negotiated and in a fixed format is described
    # twice, since Accept matters only without the extension: {name} and {name}.{extension}.
    adapter = app.url_map.bind("localhost")
    for path in documented.keys() - routes.keys():
        url = example_url(path, openapi["paths"][path]["get"], with_optional=False)
        rule, _ = adapter.match(url, method="GET", return_rule=True)
        assert path == openapi_path(rule.rule) + ".{extension}", (path, rule.rule)
        assert documented[path] == routes[openapi_path(rule.rule)]


def example_url(path: str, operation: dict, with_optional: bool) -> str:
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
        elif parameter["in"] == "query" and with_optional and "example" in parameter:
            query[parameter["name"]] = parameter["example"]
    return path + ("?" + urlencode(query) if query else "")


def check_documented(response, operation: dict, where: str) -> None:
    status = str(response.status_code)
    assert status in operation["responses"], (where, status, response.get_data(as_text=True))
    content = operation["responses"][status].get("content")
    if content:
        assert response.mimetype in content, (where, response.mimetype)
        schema = content[response.mimetype]["schema"]
        if response.mimetype == "application/json" or response.mimetype.endswith("+json"):
            # A JSON body is described by what it is, never as a string.
            assert schema.get("type") in ("object", "array"), (where, response.mimetype)
            Draft202012Validator(schema).validate(json.loads(response.get_data()))


def test_every_documented_operation_answers_as_documented(client, openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method == "get":
                for with_optional in (False, True):
                    url = example_url(path, operation, with_optional)
                    check_documented(client.get(url), operation, url)
            elif method == "post":
                for media_type, body in operation["requestBody"]["content"].items():
                    example = body["example"]
                    data = urlencode(example) if isinstance(example, dict) else example
                    response = client.post(path, data=data, content_type=media_type)
                    check_documented(response, operation, f"POST {path} {media_type}")


def expanded_urls(path: str, operation: dict) -> list[str]:
    """The path with every value of its enumerated parameters, examples for the others."""
    urls = [path]
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            values = parameter["schema"].get("enum", [parameter["example"]])
            placeholder = "{" + parameter["name"] + "}"
            urls = [url.replace(placeholder, str(value)) for url in urls for value in values]
    return urls


def test_every_format_of_every_operation_answers_as_documented(client, openapi):
    """Every value of enumerated path parameters, every documented media type as Accept:
    JSON bodies (JSON-LD, SPARQL JSON, the context, errors) must match their schemas."""
    for path, item in openapi["paths"].items():
        operation = item["get"]
        media_types = [None]
        if any(p["name"] == "Accept" for p in operation.get("parameters", [])):
            media_types += list(operation["responses"].get("200", {}).get("content", {}))
        for url in expanded_urls(path, operation):
            for media_type in media_types:
                headers = {"Accept": media_type} if media_type else {}
                check_documented(client.get(url, headers=headers), operation, (url, media_type))


def test_errors_match_their_schemas_in_every_format(client, openapi):
    operation = openapi["paths"]["/doc/{kind}/{name}"]["get"]
    for accept in ("application/json", "application/problem+json", "application/ld+json"):
        response = client.get("/doc/organization/nobody", headers={"Accept": accept})
        assert response.status_code == 404
        check_documented(response, operation, accept)


def test_the_documented_error_statuses_are_the_real_ones(client, openapi):
    post = openapi["paths"]["/sparql"]["post"]
    check_documented(client.post("/sparql", data="x", content_type="text/plain"), post, "415")
    long_query = "#" + "x" * 20_000
    response = client.post("/sparql", data=long_query, content_type="application/sparql-query")
    assert response.status_code == 413
    check_documented(response, post, "413")
    get = openapi["paths"]["/sparql"]["get"]
    for query in ("SELECT WHERE", "SELECT * FROM <http://x/> {}", "#" + "x" * 20_000):
        check_documented(client.get("/sparql?" + urlencode({"query": query})), get, query[:20])


@pytest.mark.parametrize(
    ("path", "url", "status"),
    [
        ("/catalog", "/catalog?page=x", 400),
        ("/catalog", "/catalog?page=999", 404),
        ("/catalog", "/catalog?modified_since=yesterday", 400),
        ("/catalog.{extension}", "/catalog.ttl?page=0", 400),
        ("/catalog.{extension}", "/catalog.csv", 404),
        ("/catalog/dataset/{name}", "/catalog/dataset/nobody.ttl", 404),
        ("/dumps/{name}", "/dumps/all.csv.gz", 404),
        ("/dumps/organization/{name}", "/dumps/organization/nobody.nt", 404),
        ("/doc/{kind}/{name}", "/doc/concept/nothing.vcf", 404),
    ],
)
def test_the_documented_errors_of_the_catalogue_and_downloads_are_real(
    client, openapi, path, url, status
):
    response = client.get(url)
    assert response.status_code == status, url
    check_documented(response, openapi["paths"][path]["get"], url)
    check_documented(
        client.get(url, headers={"Accept": "application/ld+json"}),
        openapi["paths"][path]["get"],
        url,
    )


def test_the_negotiated_catalogue_and_void_document_406(client, openapi):
    for path in ("/catalog", "/.well-known/void"):
        response = client.get(path, headers={"Accept": "image/png"})
        assert response.status_code == 406, path
        check_documented(response, openapi["paths"][path]["get"], path)


def test_the_api_page_explains_everything_without_javascript(client):
    response = client.get("/api", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script" not in page
    for anchor in (
        "uris",
        "formats",
        "caching",
        "errors",
        "cors",
        "sparql",
        "sparql-limits",
        "catalogue",
        "harvesting",
        "dumps",
        "discovery",
        "vcards",
        "openapi",
    ):
        assert f'id="{anchor}"' in page
    for media_type in (
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
        "application/sparql-results+json",
        "text/csv",
    ):
        assert media_type in page
    assert "opendata.invalid" not in page
    assert "http://localhost/id/organization/" in page
    english = client.get("/api?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and '<div class="api">' in english
    assert '<div class="api" lang="en">' in page


def test_every_link_on_the_api_and_query_pages_resolves(client):
    for page_path in ("/api", "/sparql"):
        page = client.get(page_path, headers={"Accept": "text/html"}).get_data(as_text=True)
        for href in {unescape(h) for h in re.findall(r'href="(/[^"#]*)', page)}:
            response = client.get(href)
            assert response.status_code in (200, 303), (page_path, href)


def curl_commands(page: str) -> list[str]:
    return [unescape(c) for c in re.findall(r"<pre><code>(curl .*?)</code></pre>", page, re.S)]


@pytest.fixture(scope="module")
def server():
    with gunicorn() as url:
        yield url


@pytest.fixture(scope="module")
def curl():
    found = shutil.which("curl")
    if found is None:
        if in_ci():
            pytest.fail("curl is missing in CI")
        pytest.skip("curl is not installed")
    return found


def run_curl(curl: str, command: str) -> subprocess.CompletedProcess:
    arguments = shlex.split(command)
    assert arguments[0] == "curl"
    options = ["--fail", "--silent", "--show-error", "--max-time", str(HTTP_TIMEOUT)]
    return subprocess.run(
        [curl, *options, *arguments[1:]],
        capture_output=True,
        text=True,
        timeout=2 * HTTP_TIMEOUT,
    )


def test_the_curl_examples_on_the_api_page_work_as_pasted(server, curl):
    page = requests.get(server + "/api", timeout=HTTP_TIMEOUT).text
    commands = curl_commands(page)
    assert len(commands) >= 10
    for command in commands:
        assert server + "/" in command, command
        finished = run_curl(curl, command)
        assert finished.returncode == 0, (command, finished.stderr)
        assert finished.stdout, command


def test_every_resource_page_has_a_use_this_data_panel(client):
    for path in resource_paths(client):
        page = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        [panel] = re.findall(
            r'<(?:section|aside) class="use-data".*?</(?:section|aside)>', page, re.S
        )
        uri = "http://localhost" + path.replace("/doc/", "/id/")
        assert f"<code>{uri}</code>" in panel
        links = dict(re.findall(r'<a href="([^"]+)" type="([^"]+)">', panel))
        assert set(links.values()) == {
            "text/turtle",
            "application/ld+json",
            "application/rdf+xml",
            "application/n-triples",
            "text/html",
        }
        for href, media_type in links.items():
            response = client.get(href)
            assert response.status_code == 200 and response.mimetype == media_type, href
        [command] = curl_commands(panel)
        accept = re.search(r"-H '([^']+)'", command)[1].split(": ", 1)[1]
        assert command.endswith(uri)
        response = client.get(uri, headers={"Accept": accept}, follow_redirects=True)
        assert response.status_code == 200 and response.mimetype == accept
        assert len(parse(response, "ttl")) > 0


def test_a_resource_pages_curl_example_works_as_pasted(server, curl):
    page = requests.get(
        server + "/doc/person/kathrin-hinze", headers={"Accept": "text/html"}, timeout=HTTP_TIMEOUT
    )
    [command] = curl_commands(page.text)
    finished = run_curl(curl, command)
    assert finished.returncode == 0, finished.stderr
    assert f"<{server}/id/person/kathrin-hinze>" in finished.stdout
