"""The VoID description (/.well-known/void) and the service description (GET /sparql) of the bundled build."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from babel.numbers import format_decimal
from pyoxigraph import DefaultGraph, Literal, NamedNode, RdfFormat, Store, parse

from tests.conftest import BASE

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATASET = NamedNode(BASE + "/.well-known/void#dataset")


def described(client, path: str, accept: str = "text/turtle", rdf_format: RdfFormat = RdfFormat.TURTLE) -> Store:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    store = Store()
    store.extend(parse(response.content, format=rdf_format))
    return store


def objects(store: Store, subject, predicate: str) -> list:
    return [quad.object for quad in store.quads_for_pattern(subject, NamedNode(predicate), None)]


def graph_sizes(bundled_store: Store) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for quad in bundled_store:
        if quad.graph_name != DefaultGraph():
            sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
    return sizes


def test_void_triple_counts(client, bundled_store) -> None:
    void = described(client, "/.well-known/void")
    sizes = graph_sizes(bundled_store)
    subsets = objects(void, DATASET, VOID + "subset")
    assert {subset.value for subset in subsets} == set(sizes)
    for subset in subsets:
        assert objects(void, subset, VOID + "triples") == [
            Literal(str(sizes[subset.value]), datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        ]
    total = objects(void, DATASET, VOID + "triples")[0]
    assert int(total.value) == sum(1 for _ in bundled_store)


def test_void_endpoint_and_vocabularies(client) -> None:
    void = described(client, "/.well-known/void")
    assert objects(void, DATASET, VOID + "sparqlEndpoint") == [NamedNode(BASE + "/sparql")]
    vocabularies = {node.value for node in objects(void, DATASET, VOID + "vocabulary")}
    assert "http://rdf.insee.fr/def/geo#" in vocabularies
    assert "http://www.w3.org/2004/02/skos/core#" in vocabularies


def test_void_examples_exist(client, bundled_store) -> None:
    void = described(client, "/.well-known/void")
    examples = objects(void, DATASET, VOID + "exampleResource")
    assert examples
    for example in examples:
        assert example.value.startswith(BASE + "/id/")
        assert next(bundled_store.quads_for_pattern(example, None, None), None) is not None


def test_void_dumps_serve_graphs(client, bundled_store) -> None:
    void = described(client, "/.well-known/void")
    sizes = graph_sizes(bundled_store)
    for subset in objects(void, DATASET, VOID + "subset"):
        dump = objects(void, subset, VOID + "dataDump")[0].value
        parts = urlsplit(dump)
        response = client.get(f"{parts.path}?{parts.query}", headers={"Accept": "application/n-triples"})
        assert response.status_code == 200
        assert len(list(parse(response.content, format=RdfFormat.N_TRIPLES))) == sizes[subset.value]


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [("application/n-triples", RdfFormat.N_TRIPLES), ("application/ld+json", RdfFormat.JSON_LD), ("application/rdf+xml", RdfFormat.RDF_XML)],
)
def test_void_formats(client, accept, rdf_format) -> None:
    void = described(client, "/.well-known/void", accept, rdf_format)
    assert RDF_TYPE in {quad.predicate for quad in void}
    assert objects(void, DATASET, VOID + "sparqlEndpoint") == [NamedNode(BASE + "/sparql")]


def test_void_not_acceptable(client) -> None:
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/.well-known/void", params={"format": "png"}).status_code == 400


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", [BROWSER, "text/html"])
def test_void_page_for_browsers(client, bundled_store, accept) -> None:
    response = client.get("/.well-known/void", headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "fr"
    assert "Accept-Language" in response.headers["vary"]
    assert '<html lang="fr">' in response.text
    assert "Graphes nommés" in response.text
    for graph, size in graph_sizes(bundled_store).items():
        assert f"<code>{graph}</code>" in response.text
        assert format_decimal(size, locale="fr") in response.text
        assert f'href="/store?graph={quote(graph, safe="")}"' in response.text


def test_void_page_links_formats(client) -> None:
    page = client.get("/.well-known/void", params={"format": "html", "lang": "en"}, headers={"Accept": "text/turtle"})
    turtle = client.get("/.well-known/void", params={"format": "ttl"}, headers={"Accept": BROWSER})

    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert 'href="/.well-known/void?format=jsonld"' in page.text
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert client.get("/.well-known/void", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")


def test_service_description_graphs(client, bundled_store) -> None:
    description = described(client, "/sparql")
    services = [quad.subject for quad in description.quads_for_pattern(None, RDF_TYPE, NamedNode(SD + "Service"))]
    assert len(services) == 1
    assert objects(description, services[0], SD + "endpoint") == [NamedNode(BASE + "/sparql")]
    assert NamedNode(SD + "UnionDefaultGraph") in objects(description, services[0], SD + "feature")
    dataset = objects(description, services[0], SD + "defaultDataset")[0]
    names = {objects(description, named, SD + "name")[0].value for named in objects(description, dataset, SD + "namedGraph")}
    assert names == set(graph_sizes(bundled_store))
    comments = {comment.language for comment in objects(description, services[0], "http://www.w3.org/2000/01/rdf-schema#comment")}
    assert comments == {"fr", "en"}


def test_service_description_format_parameter(client) -> None:
    response = client.get("/sparql", params={"format": "jsonld"}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
