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


@pytest.mark.parametrize("query", ["crac'h", "Crac'h", "crac’h", "crach", "CRACH"])
def test_search_apostrophe_forms(index, query):
    """Commune 56046 is "Crach" in the Etalab file and "Crac'h" for INSEE, and every spelling finds it first."""
    hits = search(index, query)
    assert hits[0].iri == BASE + "/id/commune/56046"


def test_search_apostrophe_split_word(index):
    hits = search(index, "lorient")
    assert hits[0].iri == BASE + "/id/commune/56121"
    labels = [hit.label for hit in search(index, "angers", limit=50)]
    assert any("d'Angers" in label for label in labels)


def test_search_place_before_observations(index):
    hits = search(index, "crach", limit=50)
    kinds = [hit.type for hit in hits]
    observation = "http://purl.org/linked-data/cube#Observation"
    assert observation in kinds
    assert kinds.index(IGEO + "Commune") < kinds.index(observation)


def test_search_postal_code_named(index, search_settings):
    store = open_current(search_settings.store, read_only=True)
    rows = store.query(
        f'SELECT ?c ?code WHERE {{ ?c <{BASE}/def#codePostal> "56260" ; <{IGEO}codeINSEE> ?code FILTER(?code != "56260") }}',
        use_default_graph_as_union=True,
    )
    by_postcode = {row["c"].value for row in rows}
    assert by_postcode
    hits = {hit.iri: hit for hit in search(index, "56260")}
    assert hits[BASE + "/id/commune/56260"].matched_kind is None
    for iri in by_postcode:
        assert hits[iri].matched_kind == "postal code"
        assert hits[iri].matched == "56260"


def test_search_other_label_named(index):
    hits = search(index, "economy and finance")
    assert hits[0].label == "Économie et finances"
    assert hits[0].matched_kind == "label"
    assert hits[0].matched == "Economy and finance"


def test_search_page_shows_match(searcher):
    text = searcher.get("/recherche", params={"q": "56260"}).text
    assert "trouvé par : code postal 56260" in text
    english = searcher.get("/recherche", params={"q": "56260", "format": "json", "lang": "en"}).json()
    matches = {hit["label"]: hit["match"] for hit in english["results"]}
    assert matches["Vannes"] is None
    assert matches["Larmor-Plage"] == "postal code 56260"


def test_search_unknown_format(searcher):
    response = searcher.get("/recherche", params={"q": "vannes", "format": "xml"})
    assert response.status_code == 400
    assert "Format « xml » inconnu" in response.text
    assert "format=json" in response.text
    assert searcher.get("/recherche", params={"q": "vannes", "format": "HTML"}).status_code == 200


def test_open_index_other_version(tmp_path):
    """An index file of another schema version is left unused, so the app builds one in memory."""
    connection = sqlite3.connect(tmp_path / INDEX_FILE)
    connection.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY)")
    connection.commit()
    connection.close()
    assert open_index(tmp_path) is None
