"""The /sparql query protocol over the bundled build: negotiation, dataset, errors, CORS, HEAD, OPTIONS."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from tests.conftest import BASE
from tests.sparql_fixtures import reset_store, scratch_client, scratch_settings

IGEO = "http://rdf.insee.fr/def/geo#"
MORBIHAN = BASE + "/id/departement/56"
VANNES = BASE + "/id/commune/56260"
COUNT_MORBIHAN = (
    f"SELECT (COUNT(?commune) AS ?n) WHERE {{ ?commune a <{IGEO}Commune> ; <{IGEO}subdivisionDe> <{MORBIHAN}> }}"
)
ASK_VANNES = f"ASK {{ <{VANNES}> a <{IGEO}Commune> }}"
CONSTRUCT_VANNES = f"CONSTRUCT {{ <{VANNES}> ?p ?o }} WHERE {{ <{VANNES}> ?p ?o }}"
DESCRIBE_VANNES = f"DESCRIBE <{VANNES}>"
GRAPH_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}

#: (query, Accept header, media type of the response).
NEGOTIATION = [
    (COUNT_MORBIHAN, None, "application/sparql-results+json"),
    (COUNT_MORBIHAN, "*/*", "application/sparql-results+json"),
    (COUNT_MORBIHAN, "application/sparql-results+xml", "application/sparql-results+xml"),
    (COUNT_MORBIHAN, "text/csv", "text/csv"),
    (COUNT_MORBIHAN, "text/tab-separated-values", "text/tab-separated-values"),
    (COUNT_MORBIHAN, "application/json", "application/sparql-results+json"),
    (COUNT_MORBIHAN, "text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    (COUNT_MORBIHAN, "application/sparql-results+json;q=0, */*;q=0.8", "application/sparql-results+xml"),
    (COUNT_MORBIHAN, "text/*, application/*;q=0.1", "text/csv"),
    (COUNT_MORBIHAN, "text/html;q=0.8,application/xhtml+xml;q=0.8,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    (ASK_VANNES, None, "application/sparql-results+json"),
    (ASK_VANNES, "application/sparql-results+xml", "application/sparql-results+xml"),
    (CONSTRUCT_VANNES, None, "text/turtle"),
    (CONSTRUCT_VANNES, "*/*", "text/turtle"),
    (CONSTRUCT_VANNES, "application/n-triples", "application/n-triples"),
    (CONSTRUCT_VANNES, "application/ld+json", "application/ld+json"),
    (CONSTRUCT_VANNES, "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT_VANNES, "application/rdf+xml;q=0.5, text/turtle;q=0.4", "application/rdf+xml"),
    (CONSTRUCT_VANNES, "text/turtle; charset=UTF-8", "text/turtle"),
    (DESCRIBE_VANNES, "application/ld+json, text/turtle;q=0.9", "application/ld+json"),
    (DESCRIBE_VANNES, "text/plain", "application/n-triples"),
]


def _media_type(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def _vary(response) -> list[str]:
    return [name.strip().lower() for name in response.headers.get("vary", "").split(",")]


@pytest.mark.parametrize(("query", "accept", "media_type"), NEGOTIATION)
def test_negotiation_table(client, query, accept, media_type) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert _media_type(response) == media_type
    assert "accept" in _vary(response)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (COUNT_MORBIHAN, "text/turtle"),
        (COUNT_MORBIHAN, "image/png, text/csv;q=0"),
        (CONSTRUCT_VANNES, "application/sparql-results+json"),
        (CONSTRUCT_VANNES, "text/turtle;q=0, application/n-triples;q=0, */*;q=0"),
    ],
)
def test_negotiation_not_acceptable(client, query, accept) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "text/" in response.text or "application/" in response.text


@pytest.mark.parametrize(
    ("query", "parameters", "media_type"),
    [
        (COUNT_MORBIHAN, {"format": "csv"}, "text/csv"),
        (COUNT_MORBIHAN, {"output": "xml"}, "application/sparql-results+xml"),
        (COUNT_MORBIHAN, {"format": "application/sparql-results+json"}, "application/sparql-results+json"),
        (CONSTRUCT_VANNES, {"format": "json"}, "application/ld+json"),
        (CONSTRUCT_VANNES, {"output": "nt"}, "application/n-triples"),
        (CONSTRUCT_VANNES, {"format": "xml"}, "application/rdf+xml"),
    ],
)
def test_format_parameter_overrides_accept(client, query, parameters, media_type) -> None:
    response = client.get("/sparql", params={"query": query, **parameters}, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200, response.text
    assert _media_type(response) == media_type


def test_format_parameter_unknown(client) -> None:
    response = client.get("/sparql", params={"query": COUNT_MORBIHAN, "format": "turtle"})
    assert response.status_code == 400
    assert "text/csv" in response.text


def test_select_formats_agree(client) -> None:
    """The four result formats carry the same count: the 249 communes of the Morbihan in this version."""
    json_count = json.loads(client.get("/sparql", params={"query": COUNT_MORBIHAN}).content)
    assert json_count["results"]["bindings"][0]["n"]["value"] == "249"

    xml_body = client.get("/sparql", params={"query": COUNT_MORBIHAN, "format": "xml"}).content
    literal = ElementTree.fromstring(xml_body).find(".//{http://www.w3.org/2005/sparql-results#}literal")
    assert literal.text == "249"

    csv_rows = list(csv.reader(io.StringIO(client.get("/sparql", params={"query": COUNT_MORBIHAN, "format": "csv"}).text)))
    assert csv_rows == [["n"], ["249"]]

    tsv_lines = client.get("/sparql", params={"query": COUNT_MORBIHAN, "format": "tsv"}).text.split()
    assert tsv_lines[0] == "?n"
    assert tsv_lines[1].startswith('"249"') or tsv_lines[1] == "249"


def test_graph_formats_agree(client, bundled_store) -> None:
    expected = {quad.triple for quad in bundled_store.quads_for_pattern(NamedNode(VANNES), None, None)}
    for media_type, rdf_format in GRAPH_FORMATS.items():
        response = client.post(
            "/sparql", content=CONSTRUCT_VANNES, headers={"Content-Type": "application/sparql-query", "Accept": media_type}
        )
        assert response.status_code == 200
        assert {quad.triple for quad in parse(response.content, format=rdf_format)} == expected, media_type


def test_ask_boolean(client) -> None:
    assert json.loads(client.get("/sparql", params={"query": ASK_VANNES}).content)["boolean"] is True
    missing = ASK_VANNES.replace("56260", "99999")
    assert json.loads(client.get("/sparql", params={"query": missing}).content)["boolean"] is False


def test_post_form_and_direct(client) -> None:
    form = client.post("/sparql", data={"query": COUNT_MORBIHAN})
    direct = client.post("/sparql", content=COUNT_MORBIHAN, headers={"Content-Type": "application/sparql-query"})
    assert form.status_code == direct.status_code == 200
    assert form.content == direct.content


def _count(client, **parameters) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = client.get("/sparql", params={"query": query, **parameters})
    assert response.status_code == 200, response.text
    return int(json.loads(response.content)["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_union(client, bundled_store, bundled_settings) -> None:
    geo = bundled_settings.graph_iri("geo")
    total = sum(1 for _ in bundled_store)
    geo_triples = sum(1 for _ in bundled_store.quads_for_pattern(None, None, None, NamedNode(geo)))
    assert _count(client) == total
    assert _count(client, **{"default-graph-uri": geo}) == geo_triples
    assert _count(client, **{"named-graph-uri": geo}) == 0


def test_syntax_error_message(client, bundled_store) -> None:
    broken = "SELECT * WHERE { ?s ?p "
    try:
        bundled_store.query(broken)
    except SyntaxError as error:
        parser_message = str(error)
    response = client.get("/sparql", params={"query": broken}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert parser_message in response.text
    assert response.text.startswith("Invalid SPARQL query")


def test_error_message_french_by_default(client) -> None:
    response = client.get("/sparql", params={"query": "ASK {"})
    assert response.status_code == 400
    assert response.text.startswith("Requête SPARQL invalide")


@pytest.mark.parametrize(
    ("parameters", "status"),
    [
        ({"query": ASK_VANNES, "default-graph-uri": "not an iri"}, 400),
        ({"query": ASK_VANNES, "timeout": "-1"}, 400),
        ({"query": ASK_VANNES, "timeout": "soon"}, 400),
        ({"update": "CLEAR ALL"}, 405),
    ],
)
def test_bad_parameters(client, parameters, status) -> None:
    assert client.get("/sparql", params=parameters).status_code == status


def test_query_and_update_together(client) -> None:
    response = client.post("/sparql", data={"query": ASK_VANNES, "update": "CLEAR ALL"})
    assert response.status_code == 400


def test_request_size_caps(tmp_path) -> None:
    settings = scratch_settings(tmp_path / "store", max_query_bytes=200)
    reset_store(settings, {})
    long_query = ASK_VANNES + " #" + "x" * 200
    with scratch_client(settings) as client:
        assert client.get("/sparql", params={"query": long_query}).status_code == 414
        assert client.post("/sparql", data={"query": long_query}).status_code == 413
        direct = client.post("/sparql", content=long_query, headers={"Content-Type": "application/sparql-query"})
        assert direct.status_code == 413
        assert client.get("/sparql", params={"query": ASK_VANNES}).status_code == 200


def test_cors_headers(client) -> None:
    origin = {"Origin": "https://yasgui.example"}
    get = client.get("/sparql", params={"query": ASK_VANNES}, headers=origin)
    post = client.post("/sparql", data={"query": ASK_VANNES}, headers=origin)
    error = client.get("/sparql", params={"query": "ASK {"}, headers=origin)
    for response in (get, post, error):
        assert response.headers["access-control-allow-origin"] == "*"


def test_options_preflight(client) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Content-Type" in response.headers["access-control-allow-headers"]
    assert "GET" in response.headers["allow"]


def test_head_query(client) -> None:
    get = client.get("/sparql", params={"query": COUNT_MORBIHAN})
    head = client.head("/sparql", params={"query": COUNT_MORBIHAN})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    assert "accept" in _vary(head)


def test_head_service_description(client) -> None:
    head = client.head("/sparql")
    get = client.get("/sparql")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] == "text/turtle; charset=utf-8"


def test_method_not_allowed(client) -> None:
    assert client.put("/sparql", params={"query": ASK_VANNES}).status_code == 405
    assert client.delete("/sparql").status_code == 405


def test_form_and_url_queries(client) -> None:
    response = client.post("/sparql", params={"query": ASK_VANNES}, data={"query": COUNT_MORBIHAN})
    assert response.status_code == 400
