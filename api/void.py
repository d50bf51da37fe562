"""The VoID description of the dataset, at /.well-known/void (RFC 5785, VoID §7).

It gives the SPARQL endpoint, the triples of the whole dataset and of each
named graph, the vocabularies used, example resources and, for each named
graph, its dump: the Graph Store URL that returns it whole. It comes in
Turtle (the default), N-Triples, JSON-LD or RDF/XML by Accept or `format=`,
and as an HTML page for browsers, whose Accept ranks HTML first, or with
`format=html`.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pyoxigraph import Literal, NamedNode, Triple

from api import http_cache
from api.cors import preflight_response
from api.dataset_statistics import STATISTICS, DatasetStatistics
from api.describe import site_path
from api.protocol_errors import ProtocolError, error_response
from api.rdf_response import description_type, rdf_response, serialize_triples
from api.rendering import render
from api.sparql_formats import HTML_MEDIA_TYPES, choose_media_type
from graph.i18n import N_
from graph.store import StoreNotBuilt

router = APIRouter()

VOID_PATH = "/.well-known/void"
#: Path under the base URI of the resources the dataset describes (the example resources come from there).
URI_SPACE = "/id/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS = "http://purl.org/dc/terms/"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _void(name: str) -> NamedNode:
    return NamedNode(VOID + name)


def dump_url(base_uri: str, graph: str) -> str:
    """Return the Graph Store URL that serves a named graph whole.

    >>> dump_url("http://127.0.0.1:8000", "http://127.0.0.1:8000/graph/geo")
    'http://127.0.0.1:8000/store?graph=http%3A%2F%2F127.0.0.1%3A8000%2Fgraph%2Fgeo'
    """
    return f"{base_uri}/store?graph={quote(graph, safe='')}"


def describe_dataset(base_uri: str, statistics: DatasetStatistics) -> list[Triple]:
    """Return the VoID triples of the dataset served under `base_uri`."""
    document = NamedNode(base_uri + VOID_PATH)
    dataset = NamedNode(base_uri + VOID_PATH + "#dataset")
    triples = [
        Triple(document, RDF_TYPE, _void("DatasetDescription")),
        Triple(document, NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"), dataset),
        Triple(dataset, RDF_TYPE, _void("Dataset")),
        Triple(dataset, NamedNode(DCTERMS + "title"), Literal("Datathèque", language="fr")),
        Triple(
            dataset,
            NamedNode(DCTERMS + "description"),
            Literal("Graphe de connaissances ouvert du territoire : territoires, jeux de données et retours.", language="fr"),
        ),
        Triple(dataset, _void("sparqlEndpoint"), NamedNode(base_uri + "/sparql")),
        Triple(dataset, _void("uriSpace"), Literal(base_uri + URI_SPACE)),
        Triple(dataset, _void("triples"), Literal(str(statistics.triples), datatype=XSD_INTEGER)),
    ]
    triples += [Triple(dataset, _void("vocabulary"), NamedNode(iri)) for iri in statistics.vocabularies]
    triples += [Triple(dataset, _void("subset"), NamedNode(graph.iri)) for graph in statistics.graphs]
    triples += [
        Triple(dataset, _void("exampleResource"), NamedNode(example))
        for graph in statistics.graphs
        for example in graph.examples
    ]
    for graph in statistics.graphs:
        subset = NamedNode(graph.iri)
        triples += [
            Triple(subset, RDF_TYPE, _void("Dataset")),
            Triple(subset, _void("triples"), Literal(str(graph.triples), datatype=XSD_INTEGER)),
            Triple(subset, _void("dataDump"), NamedNode(dump_url(base_uri, graph.iri))),
            Triple(subset, _void("sparqlEndpoint"), NamedNode(base_uri + "/sparql")),
        ]
        triples += [Triple(subset, _void("exampleResource"), NamedNode(example)) for example in graph.examples]
    return triples


#: Names and `format=` values of the RDF versions that the HTML page links to.
ALTERNATES = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdf"))


def _page(request: Request, base_uri: str, statistics: DatasetStatistics) -> Response:
    """Render the VoID description as an HTML page in the request's language."""
    graphs = [
        {
            "iri": graph.iri,
            "triples": graph.triples,
            "dump_href": site_path(dump_url(base_uri, graph.iri), base_uri),
            "examples": [{"iri": example, "href": site_path(example, base_uri) or example} for example in graph.examples],
        }
        for graph in statistics.graphs
    ]
    context = {
        "endpoint": base_uri + "/sparql",
        "endpoint_href": "/sparql",
        "triples": statistics.triples,
        "uri_space": base_uri + URI_SPACE,
        "graphs": graphs,
        "vocabularies": statistics.vocabularies,
        "alternates": [(name, choose_media_type("DESCRIBE", None, value), f"{VOID_PATH}?format={value}") for name, value in ALTERNATES],
    }
    response = render(request, "void.html", context, headers={"Vary": "Accept, Accept-Language, Cookie"})
    return http_cache.for_method(request, response)


@router.api_route(VOID_PATH, methods=["GET", "HEAD"])
def void_description(request: Request) -> Response:
    """Serve the VoID description in Turtle, N-Triples, JSON-LD or RDF/XML, or as an HTML page."""
    try:
        media_type = description_type(request.headers.get("accept"), request.query_params.get("format"))
        settings = request.app.state.settings
        try:
            statistics = STATISTICS.get(request.app.state.store, settings.base_uri + URI_SPACE)
        except StoreNotBuilt:
            raise ProtocolError(503, N_("The store is empty: run `datatheque build` first.")) from None
        if media_type in HTML_MEDIA_TYPES:
            return _page(request, settings.base_uri, statistics)
        body = serialize_triples(describe_dataset(settings.base_uri, statistics), media_type)
        return rdf_response(body, media_type, head=request.method == "HEAD")
    except ProtocolError as error:
        return error_response(request, error)


@router.options(VOID_PATH)
def void_options() -> Response:
    """Respond to OPTIONS and CORS preflight requests."""
    return preflight_response("GET, HEAD, OPTIONS")
