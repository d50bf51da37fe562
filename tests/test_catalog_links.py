"""Every dataset the catalogue lists resolves to a page and to RDF."""

import rdflib

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def catalogue_datasets(client) -> list[str]:
    response = client.get("/catalog.ttl", params={"page_size": 1000})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    return sorted(str(dataset) for dataset in graph.objects(None, DCAT.dataset))


def test_catalogue_lists_datatheque_first(client):
    datasets = catalogue_datasets(client)
    assert "http://127.0.0.1:8000/id/dataset/datatheque" in datasets


def test_every_catalogue_dataset_resolves(client):
    for iri in catalogue_datasets(client):
        path = iri.removeprefix("http://127.0.0.1:8000")
        page = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
        assert page.status_code == 200, iri
        data = client.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
        assert data.status_code == 200, iri
        graph = rdflib.Graph().parse(data=data.text, format="turtle")
        assert (rdflib.URIRef(iri), rdflib.RDF.type, DCAT.Dataset) in graph, iri
