"""SPARQL Update over /sparql: bearer tokens, graph permissions, rejected requests leave the store unchanged."""

from __future__ import annotations

import logging

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from api.update import changed_graphs
from graph.store import current_generation
from tests.conftest import BASE, FIXTURES
from tests.sparql_fixtures import ADMIN, CLUB, bearer, reset_store, scratch_client, scratch_settings, store_quads

DATA1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"
CLUB_GRAPH = BASE + "/graph/club/logement"
UPDATE_TYPE = {"Content-Type": "application/sparql-update"}


def insert_into(graph: str | None, value: str = "1") -> str:
    triple = f"<{BASE}/id/test> <{BASE}/def#note> {value} ."
    return f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}" if graph else f"INSERT DATA {{ {triple} }}"


@pytest.fixture
def scratch(tmp_path):
    settings = scratch_settings(tmp_path / "store", max_upload_bytes=10_000)
    reset_store(settings, {DATA1: FIXTURES / "sparql-protocol" / "protocol" / "data1.nt"})
    with scratch_client(settings) as client:
        yield settings, client


def assert_rejected(settings, client, status: int, body: str, headers: dict[str, str], **parameters) -> None:
    """Send an update and check its status, and that the served generation and its quads did not change."""
    generation, quads = current_generation(settings.store), store_quads(settings)
    response = client.post("/sparql", content=body.encode("utf-8"), headers={**UPDATE_TYPE, **headers}, params=parameters)
    assert response.status_code == status, response.text
    assert current_generation(settings.store) == generation
    assert store_quads(settings) == quads


def test_update_without_token(scratch) -> None:
    settings, client = scratch
    assert_rejected(settings, client, 401, insert_into(DATA1), {})
    response = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_update_invalid_token(scratch) -> None:
    settings, client = scratch
    assert_rejected(settings, client, 401, "CLEAR ALL", {"Authorization": "Bearer not-a-token"})
    assert_rejected(settings, client, 401, "CLEAR ALL", {"Authorization": f"Basic {ADMIN.secret}"})


def test_update_admin_token(scratch) -> None:
    settings, client = scratch
    response = client.post("/sparql", content=insert_into(DATA1), headers={**UPDATE_TYPE, **bearer(ADMIN)})
    assert response.status_code == 204
    integer_one = Literal("1", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    note = Quad(NamedNode(BASE + "/id/test"), NamedNode(BASE + "/def#note"), integer_one, NamedNode(DATA1))
    assert note in store_quads(settings)


def test_update_restricted_token(scratch) -> None:
    settings, client = scratch
    assert_rejected(settings, client, 403, insert_into(DATA1), bearer(CLUB))
    assert_rejected(settings, client, 403, insert_into(None), bearer(CLUB))
    assert_rejected(settings, client, 403, "CLEAR ALL", bearer(CLUB))

    response = client.post("/sparql", content=insert_into(CLUB_GRAPH), headers={**UPDATE_TYPE, **bearer(CLUB)})
    assert response.status_code == 204
    assert any(quad.graph_name == NamedNode(CLUB_GRAPH) for quad in store_quads(settings))


def test_update_restricted_token_message(scratch) -> None:
    _, client = scratch
    response = client.post(
        "/sparql", content=insert_into(DATA1), headers={**UPDATE_TYPE, **bearer(CLUB), "Accept-Language": "en"}
    )
    assert response.status_code == 403
    assert "club" in response.text
    assert DATA1 in response.text


def test_update_syntax_error(scratch) -> None:
    settings, client = scratch
    assert_rejected(settings, client, 400, "INSERT DATA { <a> <b> ", bearer(ADMIN))


def test_update_evaluation_error(scratch) -> None:
    settings, client = scratch
    assert_rejected(settings, client, 400, f"{insert_into(DATA1)} ; CREATE GRAPH <{DATA1}>", bearer(ADMIN))


def test_update_load_rejected(scratch) -> None:
    settings, client = scratch
    assert_rejected(settings, client, 400, "LOAD <http://127.0.0.1:9/data.ttl>", bearer(ADMIN))


def test_update_dataset_conflict(scratch) -> None:
    settings, client = scratch
    body = f"WITH <{DATA1}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    assert_rejected(settings, client, 400, body, bearer(ADMIN), **{"using-graph-uri": DATA1})
    using = f"DELETE {{ ?s ?p ?o }} USING <{DATA1}> WHERE {{ ?s ?p ?o }}"
    assert_rejected(settings, client, 400, using, bearer(ADMIN), **{"using-named-graph-uri": DATA1})


def test_update_too_large(scratch) -> None:
    settings, client = scratch
    body = insert_into(DATA1, '"' + "x" * 20_000 + '"')
    assert_rejected(settings, client, 413, body, bearer(ADMIN))
    assert_rejected(settings, client, 401, body, {})
    generation = current_generation(settings.store)
    anonymous_form = client.post("/sparql", data={"update": body + " #" + "x" * settings.max_query_bytes})
    assert anonymous_form.status_code == 413
    assert current_generation(settings.store) == generation


def test_update_non_utf8(scratch) -> None:
    settings, client = scratch
    generation = current_generation(settings.store)
    response = client.post(
        "/sparql", content=insert_into(DATA1, '"é"').encode("latin-1"), headers={**UPDATE_TYPE, **bearer(ADMIN)}
    )
    assert response.status_code == 400
    assert current_generation(settings.store) == generation


def test_update_log_names_token(scratch, caplog) -> None:
    _, client = scratch
    with caplog.at_level(logging.INFO, logger="api.update"):
        response = client.post("/sparql", content=insert_into(DATA1), headers={**UPDATE_TYPE, **bearer(ADMIN)})
    assert response.status_code == 204
    assert "admin" in caplog.text
    assert ADMIN.secret not in caplog.text


def test_using_graph_parameter(scratch) -> None:
    settings, client = scratch
    target = BASE + "/graph/copy"
    body = f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    response = client.post("/sparql", content=body, headers={**UPDATE_TYPE, **bearer(ADMIN)}, params={"using-graph-uri": DATA1})
    assert response.status_code == 204
    copied = {quad.triple for quad in store_quads(settings) if quad.graph_name == NamedNode(target)}
    original = {quad.triple for quad in store_quads(settings) if quad.graph_name == NamedNode(DATA1)}
    assert copied == original
    assert len(copied) == 1


def test_changed_graphs_lists_each_change() -> None:
    before, after = Store(), Store()
    unchanged_graph, changed_graph = NamedNode("http://example.org/kept"), NamedNode("http://example.org/changed")
    for store in (before, after):
        store.add(Quad(unchanged_graph, unchanged_graph, unchanged_graph, unchanged_graph))
        store.add(Quad(changed_graph, changed_graph, changed_graph, changed_graph))
    after.add(Quad(changed_graph, changed_graph, unchanged_graph, changed_graph))
    after.add(Quad(unchanged_graph, unchanged_graph, unchanged_graph))
    after.add_graph(NamedNode("http://example.org/empty"))
    assert changed_graphs(before, after) == [None, "http://example.org/changed", "http://example.org/empty"]
    assert changed_graphs(before, before) == []


def test_delete_where_with_dataset(scratch) -> None:
    settings, client = scratch
    other = BASE + "/graph/other"
    client.post("/sparql", content=insert_into(other), headers={**UPDATE_TYPE, **bearer(ADMIN)})
    body = "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.post(
        "/sparql", content=body, headers={**UPDATE_TYPE, **bearer(ADMIN)}, params={"using-named-graph-uri": DATA1}
    )
    assert response.status_code == 204
    graphs = {quad.graph_name for quad in store_quads(settings)}
    assert NamedNode(DATA1) not in graphs
    assert NamedNode(other) in graphs
