"""The YASGUI page of /sparql: served offline, in French by default, with example queries that answer."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from api.query_ui import YASGUI_DIR
from api.sparql_examples import EXAMPLES
from api.sparql_text import query_form
from tests.conftest import BASE

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class ResourceLinks(HTMLParser):
    """Collect the URLs of the scripts and style sheets a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.html_language: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_language = attributes.get("lang")
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.urls.append(attributes["href"])


def page_links(html: str) -> ResourceLinks:
    links = ResourceLinks()
    links.feed(html)
    return links


def test_page_for_browsers(client) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = page_links(response.text)
    assert links.html_language == "fr"
    assert sorted(links.urls) == ["/static/datatheque.css", "/static/yasgui/yasgui.min.css", "/static/yasgui/yasgui.min.js"]
    assert "Requêtes d’exemple" in response.text
    assert 'rel="alternate"; type="text/turtle"' in response.headers["link"]


def test_page_in_english(client) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT, "Accept-Language": "en"})
    assert page_links(response.text).html_language == "en"
    assert "Example queries" in response.text


@pytest.mark.parametrize("name", ["yasgui.min.js", "yasgui.min.css"])
def test_vendored_files_served(client, name) -> None:
    response = client.get(f"/static/yasgui/{name}")
    assert response.status_code == 200
    assert response.content == (YASGUI_DIR / name).read_bytes()


def test_vendored_files_only(client) -> None:
    assert client.get("/static/yasgui/README.md").status_code == 404
    assert client.get("/static/yasgui/..%2F..%2Fapp.py").status_code == 404


def test_page_embeds_examples(client) -> None:
    html = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT}).text
    embedded = re.search(r'<script id="example-queries" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert json.loads(embedded.group(1)) == [example.render(BASE) for example in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.title)
def test_example_query_answers(client, example) -> None:
    query = example.render(BASE)
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples, application/sparql-results+json"})
    assert response.status_code == 200, response.text
    if query_form(query) == "SELECT":
        assert json.loads(response.content)["results"]["bindings"]
    else:
        assert response.text.strip()
