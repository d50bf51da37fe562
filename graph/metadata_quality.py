"""Metadata quality scores of the datasets and of the catalogue, after data.europa.eu's MQA.

The indicators, their points and the rating bands follow the Metadata
Quality Assessment methodology of data.europa.eu
(https://data.europa.eu/mqa/methodology, as tabulated in the README of
mjanez/ckan-mqa): findability 100 points, accessibility 100,
interoperability 110, reusability 75, contextuality 20, 405 in all;
Excellent from 351, Good from 221, Sufficient from 121, Bad below.

Two indicators differ from data.europa.eu's, as each metric in
ontology/metadata-quality.ttl states. URLs are not requested, so the two
"accessible" indicators score the presence of the URL. DCAT-AP compliance
scores the mandatory DCAT-AP 3 properties of the dataset and its
distributions instead of running SHACL per dataset. As in the MQA,
distribution indicators score the share of distributions that meet them,
except the interoperability ones, which score the best distribution.

After every build, a post-build hook rewrites the graph
`{base}/graph/metadata-quality`: the metric definitions of the ontology,
then one `dqv:QualityMeasurement` per dataset and indicator, per dataset
and dimension, per dataset in total (with its rating) and for the catalogue.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, parse

from graph import dcat_vocabularies as vocab
from graph.dcat_normalize import DCAT, DCT, RDF, XSD
from graph.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from graph.build import BuildReport

log = logging.getLogger(__name__)

DQV = "http://www.w3.org/ns/dqv#"
PROV = "http://www.w3.org/ns/prov#"
ONTOLOGY = PROJECT_ROOT / "ontology" / "metadata-quality.ttl"
GRAPH_NAME = "metadata-quality"
MAX_POINTS = 405
#: Lowest total of each rating, best first.
RATINGS = (("Excellent", 351), ("Good", 221), ("Sufficient", 121), ("Bad", 0))


@dataclass
class DatasetFacts:
    """What the indicators look at: the dataset's properties and those of each distribution."""

    properties: dict[str, list[object]]
    distributions: list[dict[str, list[object]]]


def _share(facts: DatasetFacts, test: Callable[[dict[str, list[object]]], bool]) -> float:
    if not facts.distributions:
        return 0.0
    return sum(1 for d in facts.distributions if test(d)) / len(facts.distributions)


def _best(facts: DatasetFacts, test: Callable[[dict[str, list[object]]], bool]) -> float:
    return 1.0 if any(test(d) for d in facts.distributions) else 0.0


def _has(name: str) -> Callable[[dict[str, list[object]]], bool]:
    return lambda properties: bool(properties.get(name))


def _file_type_codes(distribution: dict[str, list[object]]) -> set[str]:
    return {vocab.file_type_code(v.value) for v in distribution.get(DCT + "format", []) if v.value.startswith(vocab.AUTHORITY)}


def _from_vocabulary(distribution: dict[str, list[object]]) -> bool:
    formats = distribution.get(DCT + "format", []) + distribution.get(DCAT + "mediaType", [])
    return any(v.value in vocab.concepts()["file-type"] or v.value.startswith(vocab.IANA_MEDIA_TYPES) for v in formats)


def _licence_from_vocabulary(distribution: dict[str, list[object]]) -> bool:
    return any(v.value in vocab.concepts()["licence"] for v in distribution.get(DCT + "license", []))


def _compliant(facts: DatasetFacts) -> float:
    mandatory = all(facts.properties.get(DCT + name) for name in ("title", "description", "identifier"))
    return 1.0 if mandatory and all(d.get(DCAT + "accessURL") for d in facts.distributions) else 0.0


#: (metric local name, dimension, points, score from 0 to 1). The metrics are defined in ONTOLOGY.
INDICATORS: tuple[tuple[str, str, int, Callable[[DatasetFacts], float]], ...] = (
    ("mqaKeyword", "findability", 30, lambda f: float(bool(f.properties.get(DCAT + "keyword")))),
    ("mqaTheme", "findability", 30, lambda f: float(bool(f.properties.get(DCAT + "theme")))),
    ("mqaSpatial", "findability", 20, lambda f: float(bool(f.properties.get(DCT + "spatial")))),
    ("mqaTemporal", "findability", 20, lambda f: float(bool(f.properties.get(DCT + "temporal")))),
    ("mqaAccessUrl", "accessibility", 50, lambda f: _share(f, _has(DCAT + "accessURL"))),
    ("mqaDownloadUrl", "accessibility", 20, lambda f: _share(f, _has(DCAT + "downloadURL"))),
    ("mqaDownloadUrlAccessible", "accessibility", 30, lambda f: _share(f, _has(DCAT + "downloadURL"))),
    ("mqaFormat", "interoperability", 20, lambda f: _best(f, _has(DCT + "format"))),
    ("mqaMediaType", "interoperability", 10, lambda f: _best(f, _has(DCAT + "mediaType"))),
    ("mqaFormatVocabulary", "interoperability", 10, lambda f: _best(f, _from_vocabulary)),
    ("mqaNonProprietary", "interoperability", 20, lambda f: _best(f, lambda d: bool(_file_type_codes(d) & vocab.NON_PROPRIETARY))),
    ("mqaMachineReadable", "interoperability", 20, lambda f: _best(f, lambda d: bool(_file_type_codes(d) & vocab.MACHINE_READABLE))),
    ("mqaDcatApCompliance", "interoperability", 30, _compliant),
    ("mqaLicence", "reusability", 20, lambda f: _share(f, _has(DCT + "license"))),
    ("mqaLicenceVocabulary", "reusability", 10, lambda f: _share(f, _licence_from_vocabulary)),
    ("mqaAccessRights", "reusability", 10, lambda f: float(bool(f.properties.get(DCT + "accessRights")))),
    ("mqaAccessRightsVocabulary", "reusability", 5, lambda f: float(any(v.value in vocab.concepts()["access-right"] for v in f.properties.get(DCT + "accessRights", [])))),
    ("mqaContactPoint", "reusability", 20, lambda f: float(bool(f.properties.get(DCAT + "contactPoint")))),
    ("mqaPublisher", "reusability", 10, lambda f: float(bool(f.properties.get(DCT + "publisher")))),
    ("mqaRights", "contextuality", 5, lambda f: _share(f, _has(DCT + "rights"))),
    ("mqaByteSize", "contextuality", 5, lambda f: _share(f, _has(DCAT + "byteSize"))),
    ("mqaIssued", "contextuality", 5, lambda f: float(bool(f.properties.get(DCT + "issued")))),
    ("mqaModified", "contextuality", 5, lambda f: float(bool(f.properties.get(DCT + "modified")))),
)
DIMENSIONS = ("findability", "accessibility", "interoperability", "reusability", "contextuality")


def rating(points: float) -> str:
    """Return the MQA rating of a total.

    >>> rating(405), rating(350.5), rating(121), rating(120.9)
    ('Excellent', 'Good', 'Sufficient', 'Bad')
    """
    for name, lowest in RATINGS:
        if points >= lowest:
            return name
    return "Bad"


def score(facts: DatasetFacts) -> dict[str, float]:
    """Return the points of each indicator, each dimension and the total (key "total")."""
    points = {name: round(weight * test(facts), 2) for name, _, weight, test in INDICATORS}
    for dimension in DIMENSIONS:
        points[dimension] = round(sum(points[name] for name, d, _, _ in INDICATORS if d == dimension), 2)
    points["total"] = round(sum(points[d] for d in DIMENSIONS), 2)
    return points


def _properties(store: Store, subject: NamedNode) -> dict[str, list[object]]:
    properties: dict[str, list[object]] = {}
    for quad in store.quads_for_pattern(subject, None, None):
        properties.setdefault(quad.predicate.value, []).append(quad.object)
    return properties


def dataset_facts(store: Store, dataset: NamedNode) -> DatasetFacts:
    properties = _properties(store, dataset)
    distributions = [_properties(store, d) for d in properties.get(DCAT + "distribution", []) if isinstance(d, NamedNode)]
    return DatasetFacts(properties, distributions)


def _decimal(value: float) -> Literal:
    return Literal(f"{value:.2f}", datatype=NamedNode(XSD + "decimal"))


def measurement_quads(settings: Settings, store: Store, computed: str) -> tuple[list[Quad], int, float]:
    """Return the quads of every measurement, the number of datasets and the catalogue's mean total."""
    base = settings.base_uri
    graph = NamedNode(settings.graph_iri(GRAPH_NAME))
    dtq = base + "/def#"
    generated = Literal(computed, datatype=NamedNode(XSD + "dateTime"))
    quads: list[Quad] = []

    def measure(target: NamedNode, metric: str, value: float) -> BlankNode:
        node = BlankNode()
        quads.extend(
            [
                Quad(node, NamedNode(RDF + "type"), NamedNode(DQV + "QualityMeasurement"), graph),
                Quad(node, NamedNode(DQV + "computedOn"), target, graph),
                Quad(node, NamedNode(DQV + "isMeasurementOf"), NamedNode(dtq + metric), graph),
                Quad(node, NamedNode(DQV + "value"), _decimal(value), graph),
                Quad(node, NamedNode(PROV + "generatedAtTime"), generated, graph),
            ]
        )
        return node

    query = f"SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ ?d a <{DCAT}Dataset> }} FILTER(isIRI(?d) && ?g != <{graph.value}>) }} ORDER BY ?d"
    datasets = [row["d"] for row in store.query(query)]
    totals = []
    for dataset in datasets:
        points = score(dataset_facts(store, dataset))
        for name, _, _, _ in INDICATORS:
            measure(dataset, name, points[name])
        for dimension in DIMENSIONS:
            measure(dataset, "mqa" + dimension.capitalize(), points[dimension])
        total = measure(dataset, "mqaScore", points["total"])
        quads.append(Quad(total, NamedNode(dtq + "mqaRating"), NamedNode(dtq + "mqa" + rating(points["total"])), graph))
        totals.append(points["total"])

    mean = round(sum(totals) / len(totals), 2) if totals else 0.0
    catalog = measure(NamedNode(f"{base}/catalog"), "mqaScore", mean)
    quads.append(Quad(catalog, NamedNode(dtq + "mqaRating"), NamedNode(dtq + "mqa" + rating(mean)), graph))
    return quads, len(datasets), mean


def ontology_quads(settings: Settings, path: Path = ONTOLOGY) -> list[Quad]:
    """Return the metric definitions of the ontology file, in the metadata-quality graph."""
    graph = NamedNode(settings.graph_iri(GRAPH_NAME))
    triples = parse(path=str(path), format=RdfFormat.TURTLE, base_iri=settings.base_uri + "/")
    return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def score_catalog(settings: Settings, store: Store, generation: Path, report: "BuildReport") -> None:
    """Rewrite the metadata-quality graph of a build (a post-build hook)."""
    started = time.perf_counter()
    graph = NamedNode(settings.graph_iri(GRAPH_NAME))
    computed = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    quads, datasets, mean = measurement_quads(settings, store, computed)
    store.clear_graph(graph)
    store.extend(ontology_quads(settings) + quads)
    log.info(
        "metadata quality: %d datasets scored, catalogue %.2f/%d (%s), %d quads in %.2f s",
        datasets, mean, MAX_POINTS, rating(mean), len(quads), time.perf_counter() - started,
    )
