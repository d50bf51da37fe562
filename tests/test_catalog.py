"""The published DCAT-AP 3 catalogue: syntaxes, Hydra paging, SHACL conformance, round trip, dumps."""

import gzip

import pyoxigraph
import pytest
import rdflib
from pyshacl import validate

from graph.dcat_export import catalog_items, catalog_page, dataset_iris
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.sources import LiftContext, lift_function
from tests.catalog_server import CatalogServer, Route
from tests.conftest import BASE

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
PARSERS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "xml": pyoxigraph.RdfFormat.RDF_XML, "json-ld": pyoxigraph.RdfFormat.JSON_LD}
SYNTAXES = {".ttl": ("text/turtle", "turtle"), ".rdf": ("application/rdf+xml", "xml"), ".jsonld": ("application/ld+json", "json-ld")}


def parse(response, syntax):
    """Parse a response with pyoxigraph (rdflib's JSON-LD parser warns), into an rdflib graph."""
    triples = pyoxigraph.parse(response.content, format=PARSERS[syntax])
    return rdflib.Graph().parse(data=pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")


def all_identifiers(bundled_store):
    identifiers = {"datatheque"}
    for iri in dataset_iris(bundled_store):
        for row in bundled_store.query(f"SELECT ?id {{ GRAPH ?g {{ <{iri}> <{DCT}identifier> ?id }} }}"):
            identifiers.add(row["id"].value)
    return identifiers


@pytest.mark.parametrize("suffix", sorted(SYNTAXES))
def test_catalog_syntaxes_parse(client, suffix):
    media_type, syntax = SYNTAXES[suffix]
    response = client.get(f"/catalog{suffix}?page_size=1000")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    graph = parse(response, syntax)
    catalog = rdflib.URIRef(f"{BASE}/catalog")
    assert (catalog, rdflib.RDF.type, DCAT.Catalog) in graph
    assert len(list(graph.objects(catalog, DCAT.dataset))) == int(graph.value(catalog, HYDRA.totalItems))


@pytest.mark.parametrize("accept,media_type", [("application/ld+json", "application/ld+json"), ("application/rdf+xml;q=0.9, text/turtle;q=0.5", "application/rdf+xml"), (None, "text/turtle")])
def test_catalog_negotiation(client, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/catalog?page_size=5", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert "Accept" in response.headers["vary"]


def test_catalog_not_acceptable(client):
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("path,media_type", [("/catalog", "text/turtle"), ("/catalog.rdf", "application/rdf+xml"), ("/catalog.jsonld", "application/ld+json")])
def test_catalog_head(client, path, media_type):
    response = client.head(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.content == b""


def test_paging_covers_every_dataset_once(client, bundled_store):
    seen = []
    url = "/catalog.ttl?page=1&page_size=7"
    pages = 0
    while url:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 200
        graph = parse(response, "turtle")
        catalog = rdflib.URIRef(f"{BASE}/catalog")
        seen += [str(d) for d in graph.objects(catalog, DCAT.dataset)]
        view = graph.value(catalog, HYDRA.view)
        assert (view, rdflib.RDF.type, HYDRA.PartialCollectionView) in graph
        assert str(graph.value(view, HYDRA.first)).endswith("page=1&page_size=7")
        following = graph.value(view, HYDRA.next)
        assert following is None or str(following).startswith(BASE + "/catalog.ttl?")
        url = str(following) if following is not None else None
        pages += 1
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(catalog_items(bundled_store, BASE))
    assert pages == -(-len(seen) // 7)


def test_page_links(bundled_store):
    page = catalog_page(bundled_store, BASE, "/catalog", 2, 10)
    links = {t.predicate.value.rsplit("#", 1)[1]: t.object.value for t in page.triples if t.predicate.value.startswith(str(HYDRA)) and t.predicate.value != str(HYDRA.view)}
    assert links["previous"] == f"{BASE}/catalog?page=1&page_size=10"
    assert links["totalItems"] == str(page.total)
    assert page.last_page == -(-page.total // 10)


@pytest.mark.parametrize("query", ["page=0", "page=99", "page_size=0", "page_size=5000", "page=x"])
def test_page_out_of_range(client, query):
    assert client.get(f"/catalog?{query}").status_code in (400, 422)


def test_self_description(client):
    graph = parse(client.get("/catalog.ttl?page=1&page_size=1"), "turtle")
    service = rdflib.URIRef(f"{BASE}/sparql")
    assert (service, rdflib.RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == service
    downloads = {str(url) for url in graph.objects(None, DCAT.downloadURL)}
    assert {f"{BASE}/dumps/datatheque.nq.gz", f"{BASE}/dumps/datatheque.ttl.gz"} <= downloads


def test_dumps_served(client, bundled_store):
    quads = gzip.decompress(client.get("/dumps/datatheque.nq.gz").content).decode("utf-8")
    assert len(quads.splitlines()) == len(bundled_store)
    turtle = client.get("/dumps/datatheque.ttl.gz")
    assert turtle.headers["content-type"] == "application/gzip"
    assert len(rdflib.Graph().parse(data=gzip.decompress(turtle.content), format="turtle")) > 0
    assert client.get("/dumps/other.nq.gz").status_code == 404


def test_dataset_fields_for_pages(bundled_store):
    missing = []
    for iri in dataset_iris(bundled_store):
        query = f"""ASK {{ GRAPH ?g {{
            <{iri}> <{DCT}title> ?title ; <{DCT}description> ?description ; <{DCT}identifier> ?id .
            FILTER(LANG(?title) != "" && LANG(?description) != "")
            FILTER NOT EXISTS {{ <{iri}> <{DCAT}distribution> ?d FILTER NOT EXISTS {{ ?d <{DCAT}accessURL> ?u }} }}
        }} }}"""
        if not bundled_store.query(query):
            missing.append(iri)
    assert missing == []
    labels = bundled_store.query(f"""ASK {{ GRAPH ?g {{ ?d <{DCAT}theme> ?theme }}
        FILTER NOT EXISTS {{ GRAPH ?v {{ ?theme <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = "fr") }} }} }}""")
    assert not labels


def shacl_violations(graph):
    shapes = rdflib.Graph()
    for name in ("shapes.ttl", "mdr-vocabularies.shape.ttl", "range.ttl"):
        shapes.parse(PROJECT_ROOT / "shapes" / "dcat-ap" / name, format="turtle")
    _, report, _ = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    return [
        (str(report.value(result, SH.focusNode)), str(report.value(result, SH.resultPath)), str(report.value(result, SH.resultMessage)))
        for top in report.subjects(rdflib.RDF.type, SH.ValidationReport)
        for result in report.objects(top, SH.result)
        if report.value(result, SH.resultSeverity) == SH.Violation
    ]


def test_catalog_conforms_to_dcat_ap(client):
    graph = parse(client.get("/catalog.ttl?page_size=1000"), "turtle")
    assert len(list(graph.subjects(rdflib.RDF.type, DCAT.Dataset))) > 30
    assert shacl_violations(graph) == []


def distributions_by_identifier(graph):
    result = {}
    for dataset in graph.subjects(rdflib.RDF.type, DCAT.Dataset):
        urls = set()
        for distribution in graph.objects(dataset, DCAT.distribution):
            urls.add((str(graph.value(distribution, DCAT.accessURL)), str(graph.value(distribution, DCAT.downloadURL))))
        result[str(graph.value(dataset, DCT.identifier))] = urls
    return result


def test_round_trip(client, bundled_settings, bundled_store, tmp_path):
    exported = client.get("/catalog.ttl?page_size=1000")
    path = tmp_path / "catalog.ttl"
    path.write_bytes(exported.content)
    source = SourceConfig("again", "dcat", str(path), {})
    lifted = lift_function("dcat")(source, LiftContext(bundled_settings, bundled_store))
    assert [p for p in lifted.problems if p.severity.value == "violation"] == []
    harvested = rdflib.Graph().parse(data=pyoxigraph.serialize(lifted.triples, format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
    original = distributions_by_identifier(parse(exported, "turtle"))
    assert set(original) == all_identifiers(bundled_store)
    assert distributions_by_identifier(harvested) == original


def test_round_trip_over_http_paging(client, bundled_settings, bundled_store):
    """Serve the exported pages from a loopback server and harvest them by following hydra:next."""
    with CatalogServer() as server:
        url = "/catalog.ttl?page=1&page_size=10"
        while url:
            body = client.get(url).content.replace(BASE.encode(), server.url.encode())
            server.routes[url] = Route(body=body)
            graph = rdflib.Graph().parse(data=body, format="turtle")
            following = list(graph.objects(None, HYDRA.next))
            url = str(following[0]).removeprefix(server.url) if following else None
        source = SourceConfig("again-paged", "dcat", server.url + "/catalog.ttl?page=1&page_size=10", {"retries": 0})
        lifted = lift_function("dcat")(source, LiftContext(bundled_settings, bundled_store))
    pages = [path for path in server.paths() if path.startswith("/catalog.ttl")]
    assert len(pages) == len(server.routes)
    harvested = rdflib.Graph().parse(data=pyoxigraph.serialize(lifted.triples, format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
    original = distributions_by_identifier(parse(client.get("/catalog.ttl?page_size=1000"), "turtle"))
    assert set(distributions_by_identifier(harvested)) == set(original)
    for identifier, urls in distributions_by_identifier(harvested).items():
        assert len(urls) == len(original[identifier]), identifier
