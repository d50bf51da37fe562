"""The HTML catalogue at /catalog for browsers, its negotiation against RDF, its filters and its paging errors."""

import html

import pytest
import rdflib

from api.iri import page_href
from graph.dcat_export import CATALOG_DESCRIPTION, CATALOG_TITLE, catalog_items, catalog_page, describe_self
from graph.i18n import translate
from tests.conftest import BASE
from tests.test_catalog import DCAT, DCT, parse
from tests.test_pages import StructureChecker, parse_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_ALTERNATES = {"text/turtle": "/catalog.ttl", "application/rdf+xml": "/catalog.rdf", "application/ld+json": "/catalog.jsonld"}


def dataset_links(text):
    """Return the links of a catalogue page to dataset pages, in page order."""
    return [href for href in parse_html(text).hrefs() if "/dataset/" in href]


def test_browser_gets_html(client, bundled_store):
    response = client.get("/catalog?page_size=1000", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept-Language" in response.headers["vary"]
    text = html.unescape(response.text)
    assert translate(CATALOG_TITLE, "fr") in text
    assert translate(CATALOG_DESCRIPTION, "fr") in text
    iris = catalog_items(bundled_store, BASE)
    assert dataset_links(response.text) == [page_href(iri, BASE) for iri in iris]
    assert ('a', {'href': '/catalog'}) in [(tag, {"href": attrs.get("href")}) for tag, attrs in parse_html(response.text).tags if tag == "a"]


@pytest.mark.parametrize("query", ["page_size=10&page=2", "source=angers", "page=abc"])
def test_html_structure(client, query):
    checker = StructureChecker()
    checker.feed(client.get(f"/catalog?{query}", headers={"Accept": "text/html"}).text)
    checker.close()
    assert checker.errors == []
    assert checker.open == []
    assert checker.html_lang == "fr"
    assert checker.headings.count(1) == 1
    jumps = [(a, b) for a, b in zip(checker.headings, checker.headings[1:]) if b > a + 1]
    assert jumps == []


def test_html_links_rdf_forms(client):
    response = client.get("/catalog?page=2&page_size=10", headers={"Accept": "text/html"})
    tags = parse_html(response.text).tags
    alternates = {attrs["type"]: attrs["href"] for tag, attrs in tags if tag == "link" and attrs.get("rel") == "alternate"}
    expected = {media: f"{BASE}{path}?page=2&page_size=10" for media, path in RDF_ALTERNATES.items()}
    assert alternates == expected
    for media, url in expected.items():
        assert f'<{url}>; rel="alternate"; type="{media}"' in response.headers["link"]
        assert client.get(url.removeprefix(BASE)).status_code == 200


def test_html_page_matches_hydra_page(client, bundled_store):
    rdf = catalog_page(bundled_store, BASE, "/catalog", 2, 10)
    listed = [t.object.value for t in rdf.triples if t.predicate.value == str(DCAT.dataset)]
    response = client.get("/catalog?page=2&page_size=10", headers={"Accept": "text/html"})
    assert dataset_links(response.text) == [page_href(iri, BASE) for iri in listed]
    hrefs = parse_html(response.text).hrefs()
    assert "/catalog?page=1&page_size=10" in hrefs
    assert "/catalog?page=3&page_size=10" in hrefs


@pytest.fixture
def english_client(client):
    """The shared client, its cookies cleared afterwards so `?lang=en` does not follow other tests."""
    yield client
    client.cookies.clear()


@pytest.mark.parametrize("headers,query", [({"Accept-Language": "en-GB,en;q=0.9"}, ""), ({}, "&lang=en"), ({"Cookie": "lang=en"}, "")])
def test_html_in_english(english_client, headers, query):
    response = english_client.get(f"/catalog?page_size=5{query}", headers={"Accept": "text/html", **headers})
    text = html.unescape(response.text)
    assert response.status_code == 200
    assert translate(CATALOG_TITLE, "en") in text
    assert translate(CATALOG_DESCRIPTION, "en") in text
    assert '<html lang="en">' in response.text


@pytest.mark.parametrize(
    "accept,media_type",
    [
        ("text/turtle, text/html", "text/html"),
        ("application/xhtml+xml", "text/html"),
        ("text/html;q=0.5, text/turtle", "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/*", "text/turtle"),
        ("application/ld+json, */*;q=0.1", "application/ld+json"),
    ],
)
def test_html_negotiation(client, accept, media_type):
    response = client.get("/catalog?page_size=5", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


def test_rdf_links_html(client):
    response = client.get("/catalog.ttl?page=1&page_size=5")
    assert response.headers["link"] == f'<{BASE}/catalog?page=1&page_size=5>; rel="alternate"; type="text/html"'


@pytest.mark.parametrize("name", ["source", "theme", "publisher"])
def test_html_filters(client, bundled_store, name):
    predicate = {"theme": DCAT.theme, "publisher": DCT.publisher}.get(name)
    if predicate is None:
        rows = bundled_store.query(f"SELECT ?d ?v WHERE {{ GRAPH ?v {{ ?d a <{DCAT.Dataset}> }} FILTER(STRSTARTS(STR(?v), '{BASE}/graph/')) }}")
        pairs = [(row["d"].value, row["v"].value.rsplit("/", 1)[1]) for row in rows]
    else:
        rows = bundled_store.query(f"SELECT ?d ?v WHERE {{ GRAPH ?g {{ ?d a <{DCAT.Dataset}> ; <{predicate}> ?v }} }}")
        pairs = [(row["d"].value, row["v"].value) for row in rows]
        # The Datathèque's own dataset is described by the export, not stored.
        own = f"{BASE}/id/dataset/datatheque"
        pairs += [(own, t.object.value) for t in describe_self(BASE) if t.subject.value == own and t.predicate.value == str(predicate)]
    value = max({v for _, v in pairs}, key=lambda v: sum(1 for _, w in pairs if w == v))
    expected = sorted({page_href(d, BASE) for d, v in pairs if v == value})
    response = client.get("/catalog", params={name: value, "page_size": 1000}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert sorted(dataset_links(response.text)) == expected
    options = [attrs for tag, attrs in parse_html(response.text).tags if tag == "option" and attrs.get("value") == value]
    assert len(options) == 1
    assert "selected" in options[0]


def test_html_filter_without_match(client):
    response = client.get("/catalog?source=nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert dataset_links(response.text) == []
    assert translate("No dataset matches these filters.", "fr") in html.unescape(response.text)


@pytest.mark.parametrize("path", ["/catalog", "/catalog.ttl", "/catalog.rdf", "/catalog.jsonld"])
@pytest.mark.parametrize("query,parameter", [("page=abc", "page"), ("page_size=1.5", "page_size"), ("page=", "page")])
def test_bad_paging_is_french_400(client, path, query, parameter):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    value = query.split("=", 1)[1]
    message = "Invalid catalogue page: %(parameter)s must be a whole number, not “%(value)s”."
    assert response.text.strip() == translate(message, "fr", {"parameter": parameter, "value": value})
    english = client.get(f"{path}?{query}", headers={"Accept-Language": "en"})
    assert english.text.strip() == message % {"parameter": parameter, "value": value}


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=99", "page_size=0", "page_size=5000"])
def test_bad_paging_page_for_browsers(client, query):
    response = client.get(f"/catalog?{query}", headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    text = html.unescape(response.text)
    assert "Page de catalogue invalide" in text
    assert ("a", {"href": "/catalog"}) in [(tag, {"href": attrs.get("href")}) for tag, attrs in parse_html(response.text).tags]


def test_description_in_both_languages(client):
    graph = parse(client.get("/catalog.ttl?page_size=1"), "turtle")
    descriptions = {d.language: str(d) for d in graph.objects(rdflib.URIRef(f"{BASE}/catalog"), DCT.description)}
    assert descriptions == {language: translate(CATALOG_DESCRIPTION, language) for language in ("fr", "en")}
    assert descriptions["fr"] != descriptions["en"]


def test_bad_paging_page_in_english(client):
    response = client.get("/catalog?page_size=x", headers={"Accept": "text/html", "Accept-Language": "en"})
    message = "Invalid catalogue page: %(parameter)s must be a whole number, not “%(value)s”."
    assert response.status_code == 400
    assert message % {"parameter": "page_size", "value": "x"} in html.unescape(response.text)


def test_html_head(client):
    response = client.head("/catalog", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == b""
    assert int(response.headers["content-length"]) == len(client.get("/catalog", headers={"Accept": BROWSER}).content)
