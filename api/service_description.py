"""The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query).

It states the endpoint, the languages and result formats, and the default
dataset. Its default graph is the union of every graph of the store (the
`sd:UnionDefaultGraph` feature) unless a request names graphs with
`default-graph-uri` / `named-graph-uri`. Each named graph is listed with its size.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api.dataset_statistics import DatasetStatistics
from api.sparql_formats import FORMAT_IRIS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DCTERMS_TITLE = NamedNode("http://purl.org/dc/terms/title")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: The definition of a query's default graph, in each language of the project.
DEFAULT_GRAPH_COMMENTS = {
    "fr": "Le graphe par défaut d'une requête est l'union de tous les graphes de la base (les graphes "
    "nommés et le graphe par défaut de la base), sauf si la requête nomme des graphes par "
    "default-graph-uri ou named-graph-uri (ou FROM / FROM NAMED).",
    "en": "The default graph of a query is the union of every graph of the store (the named graphs and "
    "the store's own default graph), unless the request names graphs with default-graph-uri or "
    "named-graph-uri (or FROM / FROM NAMED).",
}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def describe_service(endpoint: str, void_url: str, statistics: DatasetStatistics) -> list[Triple]:
    """Return the triples of the service description of `endpoint`, the endpoint URL under the base URI."""
    service = NamedNode(endpoint + "#service")
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), NamedNode(endpoint)),
        Triple(service, DCTERMS_TITLE, Literal("Datathèque", language="fr")),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    triples += [Triple(service, _sd("resultFormat"), NamedNode(iri)) for iri in FORMAT_IRIS.values()]
    triples += [Triple(service, RDFS_COMMENT, Literal(text, language=lang)) for lang, text in DEFAULT_GRAPH_COMMENTS.items()]

    dataset = BlankNode()
    default_graph = BlankNode()
    triples += [
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"), NamedNode(void_url)),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
        Triple(default_graph, NamedNode(VOID + "triples"), _integer(statistics.triples)),
    ]
    for graph in statistics.graphs:
        named_graph, description = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, _sd("namedGraph"), named_graph),
            Triple(named_graph, RDF_TYPE, _sd("NamedGraph")),
            Triple(named_graph, _sd("name"), NamedNode(graph.iri)),
            Triple(named_graph, _sd("graph"), description),
            Triple(description, RDF_TYPE, _sd("Graph")),
            Triple(description, NamedNode(VOID + "triples"), _integer(graph.triples)),
        ]
    return triples
