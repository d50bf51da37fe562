"""The Graph Store protocol at /store: tokens, status codes, uploads, and rejected requests that change nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from graph.store import current_generation
from tests.conftest import BASE, FIXTURES
from tests.sparql_fixtures import ADMIN, CLUB, bearer, reset_store, scratch_client, scratch_settings, store_quads

DATA1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"
CLUB_GRAPH = BASE + "/graph/club/logement"
PERSON = """@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://www.example/gsp/person/1> a foaf:Person ; foaf:name "Anne Le Goff" .
"""
TURTLE = {"Content-Type": "text/turtle; charset=utf-8"}


@pytest.fixture
def scratch(tmp_path):
    settings = scratch_settings(tmp_path / "store", max_upload_bytes=10_000)
    reset_store(settings, {DATA1: FIXTURES / "sparql-protocol" / "protocol" / "data1.nt"})
    with scratch_client(settings) as client:
        yield settings, client


def graph_triples(settings, graph: str) -> set:
    return {quad.triple for quad in store_quads(settings) if quad.graph_name == NamedNode(graph)}


def assert_unchanged(settings, client, status: int, method: str, graph: str, body: bytes, headers: dict[str, str]) -> None:
    """Send a write and check its status, and that the served generation and its quads did not change."""
    generation, quads = current_generation(settings.store), store_quads(settings)
    response = client.request(method, "/store", params={"graph": graph}, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert current_generation(settings.store) == generation
    assert store_quads(settings) == quads


def test_put_without_token(scratch) -> None:
    settings, client = scratch
    assert_unchanged(settings, client, 401, "PUT", DATA1, PERSON.encode(), TURTLE)
    assert_unchanged(settings, client, 401, "DELETE", DATA1, b"", {"Authorization": "Bearer wrong"})


def test_put_forbidden_graph(scratch) -> None:
    settings, client = scratch
    assert_unchanged(settings, client, 403, "PUT", DATA1, PERSON.encode(), {**TURTLE, **bearer(CLUB)})
    assert_unchanged(settings, client, 403, "DELETE", DATA1, b"", bearer(CLUB))
    response = client.put("/store?default", content=PERSON, headers={**TURTLE, **bearer(CLUB)})
    assert response.status_code == 403


def test_put_get_delete(scratch) -> None:
    settings, client = scratch
    expected = {quad.triple for quad in parse(PERSON, format=RdfFormat.TURTLE)}
    created = client.put("/store", params={"graph": CLUB_GRAPH}, content=PERSON, headers={**TURTLE, **bearer(CLUB)})
    assert created.status_code == 201
    assert graph_triples(settings, CLUB_GRAPH) == expected

    replaced = client.put("/store", params={"graph": CLUB_GRAPH}, content=PERSON, headers={**TURTLE, **bearer(CLUB)})
    assert replaced.status_code == 204
    assert graph_triples(settings, CLUB_GRAPH) == expected

    for media_type, rdf_format in [("text/turtle", RdfFormat.TURTLE), ("application/ld+json", RdfFormat.JSON_LD)]:
        response = client.get("/store", params={"graph": CLUB_GRAPH}, headers={"Accept": media_type})
        assert response.status_code == 200
        assert {quad.triple for quad in parse(response.content, format=rdf_format)} == expected

    assert client.delete("/store", params={"graph": CLUB_GRAPH}, headers=bearer(CLUB)).status_code == 204
    assert client.get("/store", params={"graph": CLUB_GRAPH}).status_code == 404
    assert client.delete("/store", params={"graph": CLUB_GRAPH}, headers=bearer(CLUB)).status_code == 404


def test_put_broken_turtle(scratch) -> None:
    settings, client = scratch
    broken = PERSON.replace('"Anne Le Goff" .', '"Anne Le Goff')
    assert_unchanged(settings, client, 400, "PUT", DATA1, broken.encode(), {**TURTLE, **bearer(ADMIN)})
    response = client.put("/store", params={"graph": DATA1}, content=broken, headers={**TURTLE, **bearer(ADMIN)})
    assert "Turtle" in response.text


def test_put_too_large(scratch) -> None:
    settings, client = scratch
    huge = PERSON + "".join(f'<http://www.example/s{i}> <http://www.example/p> "{i}" .\n' for i in range(1000))
    assert_unchanged(settings, client, 413, "PUT", DATA1, huge.encode(), {**TURTLE, **bearer(ADMIN)})


@pytest.mark.parametrize("content_type", ["application/n-quads", "application/pdf", ""])
def test_put_unsupported_syntax(scratch, content_type) -> None:
    settings, client = scratch
    headers = {"Content-Type": content_type, **bearer(ADMIN)} if content_type else bearer(ADMIN)
    assert_unchanged(settings, client, 415, "PUT", DATA1, PERSON.encode(), headers)


def test_post_multipart_merges(scratch) -> None:
    settings, client = scratch
    files = [
        ("first", ("first.ttl", PERSON, "text/turtle")),
        ("second", ("second.nt", f"<{BASE}/id/x> <{BASE}/def#y> \"z\" .\n", "application/octet-stream")),
    ]
    response = client.post("/store", params={"graph": DATA1}, files=files, headers=bearer(ADMIN))
    assert response.status_code == 204
    assert len(graph_triples(settings, DATA1)) == 1 + 2 + 1


def test_post_creates_graph(scratch) -> None:
    settings, client = scratch
    response = client.post("/store", content=PERSON, headers={**TURTLE, **bearer(ADMIN)})
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.startswith(BASE + "/store/")
    assert len(graph_triples(settings, location)) == 2
    direct = client.get(urlsplit(location).path, headers={"Accept": "application/n-triples"})
    assert direct.status_code == 200
    assert len(list(parse(direct.content, format=RdfFormat.N_TRIPLES))) == 2


def test_get_requires_graph(scratch) -> None:
    _, client = scratch
    assert client.get("/store").status_code == 400
    assert client.get("/store", params=[("graph", DATA1), ("default", "")]).status_code == 400
    assert client.get("/store", params={"graph": "not an iri"}).status_code == 400


def test_get_not_acceptable(scratch) -> None:
    _, client = scratch
    response = client.get("/store", params={"graph": DATA1}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_head_graphs(scratch) -> None:
    _, client = scratch
    existing = client.head("/store", params={"graph": DATA1})
    assert existing.status_code == 200
    assert existing.headers["content-type"] == "text/turtle; charset=utf-8"
    assert existing.content == b""
    assert client.head("/store", params={"graph": DATA1 + "-missing"}).status_code == 404


def test_store_options(scratch) -> None:
    _, client = scratch
    response = client.options("/store")
    assert response.status_code == 204
    assert "PUT" in response.headers["allow"]
    assert "Authorization" in response.headers["access-control-allow-headers"]
