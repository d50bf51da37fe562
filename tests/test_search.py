"""The search index built with the graph, and `/recherche` in HTML and JSON."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.search_index import INDEX_FILE, build_in_memory, collect_entries, open_index, search
from graph.store import current_generation, open_current
from tests.conftest import BASE
from tests.pages_fixture import build_page_store

IGEO = "http://rdf.insee.fr/def/geo#"


@pytest.fixture(scope="module")
def search_settings(bundled_settings, tmp_path_factory):
    return build_page_store(bundled_settings, tmp_path_factory.mktemp("search") / "store")


@pytest.fixture(scope="module")
def index(search_settings):
    connection = open_index(current_generation(search_settings.store))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def searcher(search_settings):
    with TestClient(create_app(search_settings), base_url=BASE) as test_client:
        yield test_client


def test_build_writes_index(bundled_settings):
    generation = current_generation(bundled_settings.store)
    assert (generation / INDEX_FILE).is_file()
    store = open_current(bundled_settings.store, read_only=True)
    communes = store.query(f"SELECT (COUNT(?c) AS ?n) {{ ?c a <{IGEO}Commune> }}", use_default_graph_as_union=True)
    expected = int(next(iter(communes))["n"].value)
    with sqlite3.connect(generation / INDEX_FILE) as connection:
        indexed = connection.execute("SELECT COUNT(*) FROM entry WHERE type = ?", (IGEO + "Commune",)).fetchone()[0]
    assert indexed == expected


def test_search_without_accents(index):
    hits = search(index, "ploermel")
    assert hits[0].iri == BASE + "/id/commune/56165"
    assert hits[0].label == "Ploërmel"


def test_search_insee_code_first(index):
    hits = search(index, "56260")
    assert hits[0].iri == BASE + "/id/commune/56260"
    assert hits[0].label == "Vannes"


def test_search_exact_label_first(index):
    hits = search(index, "VANNES")
    assert hits[0].iri == BASE + "/id/commune/56260"
    assert BASE + "/id/arrondissement/563" in [hit.iri for hit in hits]


def test_search_departement_by_name(index):
    hits = search(index, "morbihan")
    assert hits[0].iri == BASE + "/id/departement/56"
    assert hits[0].type == IGEO + "Departement"


def test_search_corsican_code_case(index, search_settings):
    store = open_current(search_settings.store, read_only=True)
    rows = store.query(f'SELECT ?c WHERE {{ ?c <{IGEO}codeINSEE> "2A" }}', use_default_graph_as_union=True)
    expected = [row["c"].value for row in rows]
    hits = search(index, "2a")
    assert [hit.iri for hit in hits[: len(expected)]] == expected


def test_search_word_prefix(index):
    labels = [hit.label for hit in search(index, "saint-ma")]
    assert "Saint-Malo" in labels


def test_search_dataset_title(index):
    hits = search(index, "logements sociaux de vannes")
    assert hits[0].iri == BASE + "/id/dataset/logements-sociaux-vannes"
    english = search(index, "social housing in vannes")
    assert english[0].iri == BASE + "/id/dataset/logements-sociaux-vannes"


def test_search_empty_query(index):
    assert search(index, "  ") == []
    assert search(index, '"*') == []


def test_search_in_memory_matches_file(index, search_settings):
    store = open_current(search_settings.store, read_only=True)
    memory = build_in_memory(store, search_settings.base_uri)
    for query in ("ploermel", "56260", "morbihan"):
        assert search(memory, query) == search(index, query)


def test_index_leaves_out_provenance(search_settings):
    store = open_current(search_settings.store, read_only=True)
    meta = search_settings.base_uri + "/graph/meta"
    entries = collect_entries(store, search_settings.base_uri)
    described_in_meta = {q.subject.value for q in store.quads_for_pattern(None, None, None, None) if q.graph_name.value == meta}
    only_meta = {e.iri for e in entries} & described_in_meta
    labelled_elsewhere = {
        q.subject.value for q in store.quads_for_pattern(None, None, None) if q.graph_name.value != meta
    }
    assert only_meta <= labelled_elsewhere


def test_search_page_html(searcher):
    response = searcher.get("/recherche", params={"q": "ploermel"})
    assert response.status_code == 200
    assert 'href="/page/commune/56165"' in response.text
    assert "Commune" in response.text


def test_search_json_by_format(searcher):
    data = searcher.get("/recherche", params={"q": "56260", "format": "json"}).json()
    assert data["query"] == "56260"
    first = data["results"][0]
    assert first["iri"] == BASE + "/id/commune/56260"
    assert first["href"] == "/page/commune/56260"
    assert first["type"] == IGEO + "Commune"
    assert first["type_label"] == "Commune"
    assert first["code"] == "56260"


def test_search_json_by_accept(searcher):
    response = searcher.get("/recherche", params={"q": "vannes"}, headers={"accept": "application/json"})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["results"][0]["label"] == "Vannes"


def test_search_page_no_results(searcher):
    response = searcher.get("/recherche", params={"q": "zzzzqqq"})
    assert response.status_code == 200
    assert "Aucune ressource ne correspond" in response.text
