"""The bundled register of the Datathèque's own datasets: rows lifted, `{base}` URLs expanded, every URL served."""

import csv

import pyoxigraph
import rdflib

from graph.dcat_export import catalog_items
from graph.register import BASE_PLACEHOLDER, URL_COLUMNS
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.sources import LiftContext, lift_function
from tests.conftest import BASE, make_settings
from tests.test_catalog import parse, shacl_violations

REGISTER = PROJECT_ROOT / "data" / "register" / "chaire-datasets.csv"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
GRAPH = f"<{BASE}/graph/chaire>"


def register_rows():
    with REGISTER.open(encoding="utf-8", newline="") as text:
        return list(csv.DictReader(text, delimiter=";"))


def register_urls(store):
    """Return the download and landing-page URLs of the lifted register."""
    rows = store.query(f"""SELECT DISTINCT ?url {{ GRAPH {GRAPH} {{
        {{ ?d <{DCAT}distribution> / (<{DCAT}downloadURL> | <{DCAT}accessURL>) ?url }} UNION {{ ?d <{DCAT}landingPage> ?url }} }} }}""")
    return sorted(row["url"].value for row in rows)


def territory_iri(value):
    """Return the territory IRI that a `territoires` cell of the register names."""
    if ":" in value:
        level, code = value.split(":")
        return f"{BASE}/id/{level}/{code}"
    level = {5: "commune", 9: "epci"}.get(len(value), "departement")
    return f"{BASE}/id/{level}/{value}"


def test_register_rows_lifted(bundled_store):
    found = {
        row["id"].value: row["title"].value
        for row in bundled_store.query(f"SELECT ?id ?title {{ GRAPH {GRAPH} {{ ?d <{DCT}identifier> ?id ; <{DCT}title> ?title }} }}")
    }
    assert found == {row["identifiant"]: row["titre"] for row in register_rows()}


def test_register_territories_linked(bundled_store):
    for row in register_rows():
        dataset = f"<{BASE}/id/dataset/{row['identifiant']}>"
        spatial = {found["s"].value for found in bundled_store.query(f"SELECT ?s {{ GRAPH {GRAPH} {{ {dataset} <{DCT}spatial> ?s }} }}")}
        assert spatial == {territory_iri(value.strip()) for value in row["territoires"].split(",")}, row["identifiant"]


def test_register_urls_under_base(bundled_store):
    expected = {
        row[column].replace(BASE_PLACEHOLDER, BASE) for row in register_rows() for column in URL_COLUMNS if row[column]
    }
    assert all(BASE_PLACEHOLDER in row["url"] and BASE_PLACEHOLDER in row["sparql"] for row in register_rows())
    assert set(register_urls(bundled_store)) == expected


def test_register_urls_served(client, bundled_store):
    urls = register_urls(bundled_store)
    assert urls
    for url in urls:
        response = client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        if "/store?" in url:
            assert response.headers["content-type"].startswith("text/turtle"), url
            assert len(list(pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.TURTLE))) > 0, url


def test_register_sparql_serves_graphs(client, bundled_store):
    rows = list(bundled_store.query(f"""SELECT ?graph {{ GRAPH {GRAPH} {{
        ?d <{DCAT}distribution> [ <{DCAT}accessService> ?service ], [ <{DCAT}downloadURL> ?url ] }}
        BIND(STRAFTER(STR(?url), "/store?graph=") AS ?graph) }}"""))
    assert len(rows) == len(register_rows())
    for row in rows:
        query = f"ASK {{ GRAPH <{row['graph'].value}> {{ ?s ?p ?o }} }}"
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert response.json()["boolean"] is True, row["graph"].value


def test_register_page_describes_service(client, bundled_store):
    """A catalogue page with register datasets but without the Datathèque itself still describes the endpoint."""
    page_size = 5
    items = catalog_items(bundled_store, BASE)
    position = next(i for i, iri in enumerate(items) if iri.startswith(f"{BASE}/id/dataset/{register_rows()[0]['identifiant']}"))
    page = position // page_size + 1
    assert page > 1
    graph = parse(client.get(f"/catalog.ttl?page={page}&page_size={page_size}"), "turtle")
    service = rdflib.URIRef(f"{BASE}/sparql")
    assert (service, rdflib.RDF.type, rdflib.URIRef(DCAT + "DataService")) in graph
    assert shacl_violations(graph) == []


def test_register_follows_base(bundled_store, tmp_path):
    base = "http://127.0.0.1:8765/datatheque"
    source = SourceConfig("chaire", "dataset-register", str(REGISTER), {})
    lifted = lift_function("dataset-register")(source, LiftContext(make_settings(tmp_path, base_uri=base), bundled_store))
    downloads = {
        triple.object.value for triple in lifted.triples if triple.predicate.value == DCAT + "downloadURL"
    }
    assert downloads == {row["url"].replace(BASE_PLACEHOLDER, base) for row in register_rows()}
    assert not any(BASE in url for url in downloads)

