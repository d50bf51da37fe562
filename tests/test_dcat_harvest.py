"""Harvests of DCAT catalogues and udata API pages served by a loopback server."""

import csv
import json

import pytest
from pyoxigraph import NamedNode, Quad, Store

from graph.build import build
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.sources import LiftContext, lift_function
from graph.store import current_generation, open_current, publish_generation
from tests.catalog_server import CatalogServer, Route
from tests.conftest import BASE, make_settings

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FAST = {"retries": 1, "backoff": 0.01, "timeout": 5}
REGISTER = PROJECT_ROOT / "data" / "register" / "chaire-datasets.csv"
PAGED_IDENTIFIERS = {"stationnement-vannes", "arbres-vannes", "logement-social-56", "ehpad-lorient", "velos-morbihan", "ecoles-vannes"}


@pytest.fixture(scope="module")
def store_root(bundled_settings, tmp_path_factory):
    """A store that starts as a copy of the bundled build (territories and EU vocabularies included)."""
    root = tmp_path_factory.mktemp("harvest") / "store"
    root.mkdir()
    copy = root / "gen-00000000T000000-bundled"
    Store.read_only(str(current_generation(bundled_settings.store))).backup(str(copy))
    publish_generation(root, copy)
    return root


@pytest.fixture(scope="module")
def server():
    with CatalogServer() as running:
        running.routes.update(
            {
                "/paged/page1.ttl": Route("page1.ttl"),
                "/paged/page2.ttl": Route("page2.ttl"),
                "/paged/page3.ttl": Route("page3.ttl"),
                "/bad-records.rdf": Route("bad-records.rdf", media_type="application/rdf+xml"),
                "/context/page1.ttl": Route("context-page1.ttl"),
                "/context/page2.jsonld": Route("bad-context.jsonld", media_type="application/ld+json"),
            }
        )
        yield running


def harvest(root, name, kind, location, **options):
    """Build one source into the store at `root` and return its report."""
    source = SourceConfig(name, kind, location, {**FAST, **options})
    report = build(make_settings(root, sources=(source,)), only=[name])
    return report.sources[0]


def lift(bundled_store, root, name, kind, location, **options):
    """Lift one source over the bundled graph, without a build; return the result and a store of its graph."""
    source = SourceConfig(name, kind, location, {**FAST, **options})
    lifted = lift_function(kind)(source, LiftContext(make_settings(root), bundled_store))
    store = Store()
    graph = NamedNode(f"{BASE}/graph/{name}")
    store.extend(Quad(t.subject, t.predicate, t.object, graph) for t in lifted.triples)
    return lifted, store


def select(store, query):
    solutions = store.query(query)
    variables = [variable.value for variable in solutions.variables]
    return [{name: term.value for name, term in zip(variables, row) if term is not None} for row in solutions]


def identifiers(store, name):
    rows = select(store, f"SELECT ?id {{ GRAPH <{BASE}/graph/{name}> {{ ?d a <{DCAT}Dataset> ; <{DCT}identifier> ?id }} }}")
    return {row["id"] for row in rows}


def served(root):
    return open_current(root, read_only=True)


def codes(report):
    return [problem.code for problem in report.problems]


def test_paging_follows_both_hydra_styles(bundled_store, store_root, server):
    report, store = lift(bundled_store, store_root, "paged", "dcat", server.url + "/paged/page1.ttl")
    assert not [p for p in report.problems if p.severity.value == "violation"]
    assert identifiers(store, "paged") == PAGED_IDENTIFIERS
    assert report.records == len(PAGED_IDENTIFIERS)
    assert [p for p in server.paths() if p.startswith("/paged/")][:3] == ["/paged/page1.ttl", "/paged/page2.ttl", "/paged/page3.ttl"]


def test_normalised_dataset(bundled_store, store_root, server):
    _, store = lift(bundled_store, store_root, "normal", "dcat", server.url + "/paged/page1.ttl")
    dataset = f"<{BASE}/id/dataset/normal-stationnement-vannes>"
    rows = select(store, f"""SELECT ?p ?o {{ GRAPH <{BASE}/graph/normal> {{ {dataset} ?p ?o }} }}""")
    values = {}
    for row in rows:
        values.setdefault(row["p"], set()).add(row["o"])
    assert values[DCT + "identifier"] == {"stationnement-vannes"}
    assert values[DCT + "description"] == {"Places de stationnement publiques."}
    assert values[DCT + "spatial"] == {f"{BASE}/id/commune/56260"}
    assert values[DCT + "accrualPeriodicity"] == {"http://publications.europa.eu/resource/authority/frequency/MONTHLY"}
    assert values[DCT + "language"] == {"http://publications.europa.eu/resource/authority/language/FRA"}
    assert values[DCAT + "theme"] == {"http://publications.europa.eu/resource/authority/data-theme/TRAN"}
    assert values[DCAT + "keyword"] == {"stationnement", "mobilité"}
    notation = select(store, f"SELECT ?n {{ GRAPH <{BASE}/graph/normal> {{ {dataset} <http://www.w3.org/ns/adms#identifier>/<http://www.w3.org/2004/02/skos/core#notation> ?n }} }}")
    assert notation == [{"n": server.url + "/datasets/stationnement-vannes"}]
    publisher = select(store, f"SELECT ?name {{ GRAPH <{BASE}/graph/normal> {{ {dataset} <{DCT}publisher>/<http://xmlns.com/foaf/0.1/name> ?name }} }}")
    assert publisher == [{"name": "Ville de Vannes"}]


def test_literal_forms(bundled_store, store_root, server):
    _, store = lift(bundled_store, store_root, "forms", "dcat", server.url + "/paged/page1.ttl")
    dataset = f"<{BASE}/id/dataset/forms-stationnement-vannes>"
    rows = select(store, f"""SELECT (LANG(?title) AS ?lang) (DATATYPE(?issued) AS ?issuedType) (DATATYPE(?modified) AS ?modifiedType) ?start ?end {{
        GRAPH <{BASE}/graph/forms> {{ {dataset} <{DCT}title> ?title ; <{DCT}issued> ?issued ; <{DCT}modified> ?modified ;
          <{DCT}temporal> [ a <{DCT}PeriodOfTime> ; <{DCAT}startDate> ?start ; <{DCAT}endDate> ?end ] }} }}""")
    assert rows == [{
        "lang": "fr",
        "issuedType": "http://www.w3.org/2001/XMLSchema#date",
        "modifiedType": "http://www.w3.org/2001/XMLSchema#dateTime",
        "start": "2021-01-01",
        "end": "2023-12-31",
    }]


def test_distributions_normalised(bundled_store, store_root, server):
    _, store = lift(bundled_store, store_root, "dist", "dcat", server.url + "/paged/page1.ttl")
    rows = select(store, f"""SELECT ?access ?download ?format ?media ?licence {{ GRAPH <{BASE}/graph/dist> {{
        <{BASE}/id/dataset/dist-stationnement-vannes> <{DCAT}distribution> ?d .
        ?d <{DCAT}accessURL> ?access ; <{DCAT}downloadURL> ?download ; <{DCT}format> ?format ; <{DCAT}mediaType> ?media ; <{DCT}license> ?licence }} }}""")
    assert rows == [{
        "access": server.url + "/files/stationnement.csv",
        "download": server.url + "/files/stationnement.csv",
        "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
        "media": "http://www.iana.org/assignments/media-types/text/csv",
        "licence": "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0",
    }]
    odbl = select(store, f"SELECT ?l {{ GRAPH <{BASE}/graph/dist> {{ <{BASE}/id/dataset/dist-arbres-vannes> <{DCAT}distribution>/<{DCT}license> ?l }} }}")
    assert odbl == [{"l": "https://opendatacommons.org/licenses/odbl/1-0/"}]


def test_spatial_linking(bundled_store, store_root, server):
    report, store = lift(bundled_store, store_root, "spatial", "dcat", server.url + "/paged/page1.ttl")
    rows = select(store, f"SELECT ?id ?s {{ GRAPH <{BASE}/graph/spatial> {{ ?d <{DCT}identifier> ?id ; <{DCT}spatial> ?s }} }}")
    spatial = {(row["id"], row["s"]) for row in rows}
    assert spatial == {
        ("stationnement-vannes", f"{BASE}/id/commune/56260"),
        ("arbres-vannes", f"{BASE}/id/commune/56206"),
        ("logement-social-56", f"{BASE}/id/departement/56"),
        ("ehpad-lorient", f"{BASE}/id/commune/56121"),
        ("velos-morbihan", f"{BASE}/id/departement/56"),
        ("ecoles-vannes", f"{BASE}/id/epci/200067932"),
    }
    assert "ambiguous-territory" in codes(report)


def test_max_pages_limit(bundled_store, store_root, server):
    report, store = lift(bundled_store, store_root, "limited", "dcat", server.url + "/paged/page1.ttl", max_pages=2)
    assert "max-pages" in codes(report)
    assert identifiers(store, "limited") == {"stationnement-vannes", "arbres-vannes", "logement-social-56", "ehpad-lorient"}


def test_unchanged_source_not_lifted_again(store_root, server):
    first = harvest(store_root, "cached", "dcat", server.url + "/paged/page1.ttl")
    before = len(server.requests)
    second = harvest(store_root, "cached", "dcat", server.url + "/paged/page1.ttl")
    conditional = [headers for _, headers in server.requests[before:]]
    assert len(conditional) == 3
    assert all("if-none-match" in headers for headers in conditional)
    assert second.status == "built"
    assert second.triples == first.triples
    assert identifiers(served(store_root), "cached") == PAGED_IDENTIFIERS


def test_failed_source_keeps_previous_graph(store_root, server):
    harvest(store_root, "flaky", "dcat", server.url + "/paged/page1.ttl")
    server.routes["/paged/page1.ttl"].failures.extend([500, 500])
    report = harvest(store_root, "flaky", "dcat", server.url + "/paged/page1.ttl")
    assert report.status == "kept"
    assert codes(report) == ["http-failed"]
    assert identifiers(served(store_root), "flaky") == PAGED_IDENTIFIERS


def test_bad_records_reported(bundled_store, store_root, server):
    report, store = lift(bundled_store, store_root, "bad", "dcat", server.url + "/bad-records.rdf")
    found = codes(report)
    for code in ("invalid-language-tag", "invalid-iri", "invalid-date", "incomplete-dataset"):
        assert code in found, code
    assert found.count("incomplete-dataset") == 2
    assert identifiers(store, "bad") == {"langue-invalide", "iri-relative", "date-invalide", "correct"}


def test_bad_records_repaired(bundled_store, store_root, server):
    _, store = lift(bundled_store, store_root, "repaired", "dcat", server.url + "/bad-records.rdf")
    graph = f"<{BASE}/graph/repaired>"
    title = select(store, f"SELECT (LANG(?t) AS ?lang) {{ GRAPH {graph} {{ <{BASE}/id/dataset/repaired-langue-invalide> <{DCT}title> ?t }} }}")
    assert title == [{"lang": "fr"}]
    urls = select(store, f"SELECT ?u {{ GRAPH {graph} {{ <{BASE}/id/dataset/repaired-iri-relative> <{DCAT}distribution>/<{DCAT}accessURL> ?u }} }}")
    assert urls == [{"u": "https://data.example.org/files/valide.csv"}]
    dates = select(store, f"SELECT ?p {{ GRAPH {graph} {{ <{BASE}/id/dataset/repaired-date-invalide> ?p ?o FILTER(?p IN (<{DCT}issued>, <{DCT}modified>)) }} }}")
    assert dates == [{"p": f"{DCT}modified"}]


def test_unfetchable_context_skips_page(bundled_store, store_root, server):
    report, store = lift(bundled_store, store_root, "context", "dcat", server.url + "/context/page1.ttl")
    assert "jsonld-context" in codes(report)
    assert identifiers(store, "context") == {"avant-contexte"}
    assert "/contexts/missing.jsonld" in server.paths()


def test_local_jsonld_with_known_context(bundled_store, store_root):
    location = str(make_settings(store_root).sources[0].location).replace("decoupage-administratif", "catalogues/evian-arcgis-hub.jsonld")
    report, store = lift(bundled_store, store_root, "evian-copy", "dcat", location)
    assert not [p for p in report.problems if p.severity.value == "violation"]
    assert report.records == 8
    assert "jsonld-context" not in codes(report)


def udata_page(datasets, next_page):
    return json.dumps({"data": datasets, "next_page": next_page, "page": 1, "page_size": 1, "total": 2}).encode("utf-8")


def test_udata_envelope_paging(bundled_store, store_root, server):
    dataset = {
        "id": "5f0c", "title": "Bancs publics", "description": "Bancs de Vannes.", "tags": ["mobilier-urbain"],
        "frequency": "annual", "license": "lov2", "created_at": "2020-06-01T08:00:00", "last_modified": "2023-02-01T09:30:00.123000",
        "organization": {"name": "Ville de Vannes", "uri": "https://www.data.gouv.fr/api/1/organizations/vannes/"},
        "spatial": {"zones": ["fr:commune:56260@1943-01-01"]},
        "resources": [{"id": "r-1", "title": "bancs.csv", "url": "https://example.org/bancs.csv", "latest": "https://www.data.gouv.fr/fr/datasets/r/r-1", "format": "csv", "mime": "text/csv", "filesize": 1200}],
    }
    second = {**dataset, "id": "5f0d", "title": "Fontaines", "resources": [], "spatial": {"zones": ["fr:departement:56"]}}
    server.routes["/api/1/datasets/p1"] = Route(body=udata_page([dataset], server.url + "/api/1/datasets/p2"), media_type="application/json")
    server.routes["/api/1/datasets/p2"] = Route(body=udata_page([second], None), media_type="application/json")
    report, store = lift(bundled_store, store_root, "udata-test", "udata", server.url + "/api/1/datasets/p1")
    assert not [p for p in report.problems if p.severity.value == "violation"]
    assert identifiers(store, "udata-test") == {"5f0c", "5f0d"}
    rows = select(store, f"""SELECT ?spatial ?frequency ?licence ?size {{ GRAPH <{BASE}/graph/udata-test> {{
        <{BASE}/id/dataset/udata-test-5f0c> <{DCT}spatial> ?spatial ; <{DCT}accrualPeriodicity> ?frequency ;
          <{DCAT}distribution> [ <{DCT}license> ?licence ; <{DCAT}byteSize> ?size ] }} }}""")
    assert rows == [{
        "spatial": f"{BASE}/id/commune/56260",
        "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "licence": "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0",
        "size": "1200",
    }]


def test_udata_missing_title_reported(bundled_store, store_root, server):
    server.routes["/api/1/datasets/untitled"] = Route(body=udata_page([{"id": "a1"}, {"id": "a2", "title": "Avec titre"}], None), media_type="application/json")
    report, store = lift(bundled_store, store_root, "udata-untitled", "udata", server.url + "/api/1/datasets/untitled")
    assert codes(report).count("incomplete-dataset") == 1
    assert identifiers(store, "udata-untitled") == {"a2"}


def test_register_bundled(bundled_store):
    rows = bundled_store.query(f"SELECT ?id ?s {{ GRAPH <{BASE}/graph/chaire> {{ ?d <{DCT}identifier> ?id ; <{DCT}spatial> ?s }} }}")
    spatial = {(row["id"].value, row["s"].value.rsplit("/", 1)[1]) for row in rows}
    with REGISTER.open(encoding="utf-8", newline="") as text:
        register = list(csv.DictReader(text, delimiter=";"))
    # The register names territories by INSEE code, EPCI SIREN or zone (region:53), and that code ends the territory's IRI.
    expected = {(row["identifiant"], value.strip().rsplit(":", 1)[-1]) for row in register for value in row["territoires"].split(",")}
    assert spatial == expected
