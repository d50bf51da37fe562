"""The DCAT-AP 3 catalogue of the Datathèque: every dataset of the graph, paged with Hydra.

The catalogue `{base}/catalog` lists the Datathèque itself first (its SPARQL
endpoint as a `dcat:DataService`, its dumps as distributions), then every
`dcat:Dataset` of the named graphs in IRI order. A page without the
Datathèque itself still describes the SPARQL endpoint when one of its
distributions names it as `dcat:accessService`. Each page carries a
`hydra:PartialCollectionView` with absolute `first`/`last`/`next`/`previous`
links and the catalogue's `hydra:totalItems`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Triple

from graph.dcat_distributions import sparql_service_iri
from graph.dcat_normalize import DCAT, DCT, FOAF, RDF, RDFS, SKOS, XSD
from graph.dcat_vocabularies import AUTHORITY, IANA_MEDIA_TYPES
from graph.i18n import LANGUAGES, N_, translate
from graph.settings import Settings

HYDRA = "http://www.w3.org/ns/hydra/core#"
TYPE = NamedNode(RDF + "type")
#: Properties whose objects are described with the dataset (besides blank nodes).
FOLLOWED = frozenset({DCAT + "distribution", DCT + "publisher", DCT + "license", DCAT + "accessService"})
#: The dumps of the whole graph: path under the base URI, media type, EU file type.
DUMPS = (
    ("/dumps/datatheque.nq.gz", "application/n-quads", "RDF_N_QUADS", "N-Quads"),
    ("/dumps/datatheque.ttl.gz", "text/turtle", "RDF_TURTLE", "Turtle"),
)
PUBLISHER_NAME = "Chaire Action publique territoriale"
#: The catalogue's title and description, stated in every language of the interface.
CATALOG_TITLE = N_("Datathèque catalogue")
CATALOG_DESCRIPTION = N_(
    "Datasets about the Morbihan and Brittany produced by the Chaire Action publique territoriale, "
    "and datasets harvested from other open data catalogues, kept as examples; all described in DCAT-AP 3 by the Datathèque."
)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class CatalogPage:
    """One page of the catalogue: its triples and its position."""

    triples: list[Triple]
    page: int
    last_page: int
    total: int


def self_dataset_iri(base_uri: str) -> str:
    return f"{base_uri}/id/dataset/datatheque"


def dataset_iris(store: Store) -> list[str]:
    """Return the IRIs of every dataset in the named graphs, sorted."""
    query = f"SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ ?d a <{DCAT}Dataset> }} FILTER(isIRI(?d)) }} ORDER BY ?d"
    return [row["d"].value for row in store.query(query)]


def catalog_items(store: Store, base_uri: str) -> list[str]:
    """Return the IRIs of the datasets of the catalogue in page order: the Datathèque's own first."""
    own = self_dataset_iri(base_uri)
    return [own] + [iri for iri in dataset_iris(store) if iri != own]


def page_url(base_uri: str, path: str, page: int, page_size: int) -> str:
    """Return the absolute URL of a catalogue page.

    >>> page_url("http://127.0.0.1:8000", "/catalog.ttl", 2, 50)
    'http://127.0.0.1:8000/catalog.ttl?page=2&page_size=50'
    """
    return f"{base_uri}{path}?page={page}&page_size={page_size}"


def _describe(store: Store, iri: str) -> list[Triple]:
    """Return a dataset's triples with its distributions, blank nodes, publisher and licences."""
    triples: list[Triple] = []
    seen: set[object] = set()
    pending = [NamedNode(iri)]
    while pending:
        subject = pending.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for quad in store.quads_for_pattern(subject, None, None):
            if quad.graph_name.value.endswith("/graph/quality"):
                continue
            # The Datathèque's own graph describes the SPARQL service that other datasets' distributions
            # name; `_service_if_used` adds that service to their pages without its `dcat:servesDataset`.
            if quad.graph_name.value.endswith("/graph/" + SELF_GRAPH) and not iri.endswith("/id/dataset/" + SELF_GRAPH):
                continue
            value = quad.object
            if quad.predicate.value == DCAT + "byteSize" and isinstance(value, Literal):
                # NOTE: pyoxigraph 0.5.13 stores xsd:nonNegativeInteger literals as xsd:integer;
                # DCAT-AP 3.0.1 requires the former, so the datatype is set again here.
                value = Literal(value.value, datatype=NamedNode(XSD + "nonNegativeInteger"))
            triples.append(Triple(quad.subject, quad.predicate, value))
            if isinstance(quad.object, BlankNode) or quad.predicate.value in FOLLOWED:
                pending.append(quad.object)
    return triples


#: The class DCAT-AP 3 gives the values of a property (range.ttl), stated for harvesters that check ranges.
RANGES = {
    DCT + "accrualPeriodicity": DCT + "Frequency",
    DCT + "language": DCT + "LinguisticSystem",
    DCT + "format": DCT + "MediaTypeOrExtent",
    DCAT + "mediaType": DCT + "MediaType",
    DCAT + "compressFormat": DCT + "MediaType",
    DCAT + "theme": SKOS + "Concept",
    DCAT + "landingPage": FOAF + "Document",
    FOAF + "homepage": FOAF + "Document",
    DCT + "conformsTo": DCT + "Standard",
}


def _concepts(store: Store, triples: list[Triple]) -> list[Triple]:
    """Return the scheme, labels and range classes of the EU concepts, and the types of the territories used."""
    extra: list[Triple] = []
    done: set[tuple[str, str]] = set()
    for triple in triples:
        value = triple.object
        if not isinstance(value, NamedNode) or (value.value, triple.predicate.value) in done:
            continue
        done.add((value.value, triple.predicate.value))
        if triple.predicate.value in RANGES:
            extra.append(Triple(value, TYPE, NamedNode(RANGES[triple.predicate.value])))
        if value.value.startswith(AUTHORITY):
            for quad in store.quads_for_pattern(value, None, None):
                if quad.predicate.value in (SKOS + "inScheme", SKOS + "prefLabel") and (
                    not isinstance(quad.object, Literal) or quad.object.language in ("fr", "en")
                ):
                    extra.append(Triple(quad.subject, quad.predicate, quad.object))
        elif triple.predicate.value == DCT + "spatial":
            extra.append(Triple(value, TYPE, NamedNode(DCT + "Location")))
            for quad in store.quads_for_pattern(value, NamedNode(RDFS + "label"), None):
                extra.append(Triple(value, NamedNode(SKOS + "prefLabel"), quad.object))
    return extra


def _publisher(base_uri: str) -> tuple[NamedNode, list[Triple]]:
    agent = NamedNode(f"{base_uri}/id/agent/chaire-action-publique-territoriale")
    return agent, [
        Triple(agent, TYPE, NamedNode(FOAF + "Agent")),
        Triple(agent, NamedNode(FOAF + "name"), Literal(PUBLISHER_NAME)),
        Triple(agent, NamedNode(RDFS + "label"), Literal(PUBLISHER_NAME, language="fr")),
    ]


def describe_self(base_uri: str) -> list[Triple]:
    """Return the Datathèque's own dataset: its SPARQL endpoint and its dumps."""
    agent, triples = _publisher(base_uri)
    dataset = NamedNode(self_dataset_iri(base_uri))
    service = NamedNode(sparql_service_iri(base_uri))
    licence = NamedNode(AUTHORITY + "licence/ETALAB_2_0")

    def add(subject, predicate: str, value) -> None:
        triples.append(Triple(subject, NamedNode(predicate), value))

    add(dataset, RDF + "type", NamedNode(DCAT + "Dataset"))
    add(dataset, DCT + "identifier", Literal("datatheque"))
    add(dataset, DCT + "title", Literal("Datathèque : graphe de connaissances du territoire", language="fr"))
    add(dataset, DCT + "title", Literal("Datathèque: knowledge graph of the territory", language="en"))
    add(dataset, DCT + "description", Literal(
        "Territoires, jeux de données, délibérations, budgets et retours des clubs thématiques du Morbihan, "
        "reliés en un graphe RDF interrogeable en SPARQL et téléchargeable en entier.", language="fr"))
    add(dataset, DCT + "publisher", agent)
    add(dataset, DCAT + "keyword", Literal("données ouvertes", language="fr"))
    add(dataset, DCAT + "keyword", Literal("graphe de connaissances", language="fr"))
    add(dataset, DCAT + "theme", NamedNode(AUTHORITY + "data-theme/REGI"))
    add(dataset, DCT + "language", NamedNode(AUTHORITY + "language/FRA"))
    add(dataset, DCT + "spatial", NamedNode(f"{base_uri}/id/departement/56"))
    add(dataset, DCAT + "landingPage", NamedNode(f"{base_uri}/"))

    add(service, RDF + "type", NamedNode(DCAT + "DataService"))
    add(service, DCT + "title", Literal("Point d'accès SPARQL de la Datathèque", language="fr"))
    add(service, DCAT + "endpointURL", service)
    add(service, DCAT + "endpointDescription", NamedNode(f"{base_uri}/.well-known/void"))
    add(service, DCT + "conformsTo", NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, DCAT + "servesDataset", dataset)
    add(service, DCT + "publisher", agent)

    add(licence, RDF + "type", NamedNode(DCT + "LicenseDocument"))
    add(licence, RDFS + "label", Literal("Licence Ouverte / Open Licence version 2.0", language="fr"))
    sparql_distribution = NamedNode(f"{base_uri}/id/distribution/datatheque-sparql")
    add(dataset, DCAT + "distribution", sparql_distribution)
    add(sparql_distribution, RDF + "type", NamedNode(DCAT + "Distribution"))
    add(sparql_distribution, DCT + "title", Literal("Point d'accès SPARQL", language="fr"))
    add(sparql_distribution, DCAT + "accessURL", service)
    add(sparql_distribution, DCAT + "accessService", service)
    add(sparql_distribution, DCT + "format", NamedNode(AUTHORITY + "file-type/SPARQLQ"))
    add(sparql_distribution, DCT + "license", licence)
    for path, media_type, file_type, name in DUMPS:
        distribution = NamedNode(f"{base_uri}/id/distribution/datatheque-{file_type.lower().replace('_', '-')}")
        url = NamedNode(base_uri + path)
        add(dataset, DCAT + "distribution", distribution)
        add(distribution, RDF + "type", NamedNode(DCAT + "Distribution"))
        add(distribution, DCT + "identifier", Literal(path.rsplit("/", 1)[1]))
        add(distribution, DCT + "title", Literal(f"Export complet du graphe ({name}, gzip)", language="fr"))
        add(distribution, DCAT + "accessURL", url)
        add(distribution, DCAT + "downloadURL", url)
        add(distribution, DCT + "format", NamedNode(AUTHORITY + f"file-type/{file_type}"))
        add(distribution, DCAT + "mediaType", NamedNode(IANA_MEDIA_TYPES + media_type))
        add(distribution, DCAT + "compressFormat", NamedNode(IANA_MEDIA_TYPES + "application/gzip"))
        add(distribution, DCT + "license", licence)
    return triples


def _service_if_used(base_uri: str, described: list[Triple]) -> list[Triple]:
    """Return the SPARQL endpoint's description when a distribution of `described` names it as its service.

    Its `dcat:servesDataset` (the Datathèque itself) is left out: that dataset is on another page.
    """
    service = NamedNode(sparql_service_iri(base_uri))
    if not any(t.predicate.value == DCAT + "accessService" and t.object == service for t in described):
        return []
    return [t for t in describe_self(base_uri) if t.subject == service and t.predicate.value != DCAT + "servesDataset"]


class PageOutOfRange(ValueError):
    """The requested page or page size is outside what the catalogue has."""

    def __init__(self, parameter: str, maximum: int) -> None:
        super().__init__(f"{parameter} must be between 1 and {maximum}")
        self.parameter = parameter
        self.maximum = maximum


def catalog_page(store: Store, base_uri: str, path: str, page: int, page_size: int) -> CatalogPage:
    """Return one page of the catalogue, as served at `{base_uri}{path}`.

    Raises PageOutOfRange when the page or the page size is out of range.
    """
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise PageOutOfRange("page_size", MAX_PAGE_SIZE)
    items = catalog_items(store, base_uri)
    last_page = max(1, math.ceil(len(items) / page_size))
    if page < 1 or page > last_page:
        raise PageOutOfRange("page", last_page)

    catalog = NamedNode(f"{base_uri}/catalog")
    view = NamedNode(page_url(base_uri, path, page, page_size))
    agent, triples = _publisher(base_uri)

    def add(subject, predicate: str, value) -> None:
        triples.append(Triple(subject, NamedNode(predicate), value))

    add(catalog, RDF + "type", NamedNode(DCAT + "Catalog"))
    add(catalog, RDF + "type", NamedNode(HYDRA + "Collection"))
    for language in LANGUAGES:
        add(catalog, DCT + "title", Literal(translate(CATALOG_TITLE, language), language=language))
        add(catalog, DCT + "description", Literal(translate(CATALOG_DESCRIPTION, language), language=language))
    add(catalog, DCT + "publisher", agent)
    add(catalog, DCT + "language", NamedNode(AUTHORITY + "language/FRA"))
    add(catalog, FOAF + "homepage", NamedNode(f"{base_uri}/"))
    add(catalog, DCAT + "service", NamedNode(sparql_service_iri(base_uri)))
    add(catalog, HYDRA + "totalItems", Literal(str(len(items)), datatype=NamedNode(XSD + "integer")))
    add(catalog, HYDRA + "view", view)
    add(view, RDF + "type", NamedNode(HYDRA + "PartialCollectionView"))
    add(view, HYDRA + "first", NamedNode(page_url(base_uri, path, 1, page_size)))
    add(view, HYDRA + "last", NamedNode(page_url(base_uri, path, last_page, page_size)))
    if page > 1:
        add(view, HYDRA + "previous", NamedNode(page_url(base_uri, path, page - 1, page_size)))
    if page < last_page:
        add(view, HYDRA + "next", NamedNode(page_url(base_uri, path, page + 1, page_size)))

    described: list[Triple] = []
    page_items = items[(page - 1) * page_size : page * page_size]
    for iri in page_items:
        add(catalog, DCAT + "dataset", NamedNode(iri))
        described += describe_self(base_uri) if iri == self_dataset_iri(base_uri) else _describe(store, iri)
    if self_dataset_iri(base_uri) not in page_items:
        described += _service_if_used(base_uri, described)
    # The catalogue's own values (homepage, language) need their range classes on every page too.
    triples += described + _concepts(store, triples + described)
    return CatalogPage(list(dict.fromkeys(triples)), page, last_page, len(items))


#: Named graph of the Datathèque's own dataset, written by every build.
SELF_GRAPH = "datatheque"


def store_self_description(settings: Settings, store: Store, generation: Path, report: object) -> None:
    """Write the Datathèque's own dataset into `{base}/graph/datatheque` (a post-build hook).

    The catalogue lists it first, so its page, its RDF and the search need it in the store.
    """
    graph = NamedNode(settings.graph_iri(SELF_GRAPH))
    store.clear_graph(graph)
    store.extend(Quad(t.subject, t.predicate, t.object, graph) for t in describe_self(settings.base_uri))
