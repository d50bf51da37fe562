"""Quality records of each source build, in the quality graph `{base}/graph/quality`.

For every source build this writes the SHACL validation report: one
`sh:ValidationResult` per problem, with French and English messages, the
fix and the producer concerned. It also writes DQV quality measurements on
the source graph, on each producer and on each dataset: violations, warnings
and infos (also per shape), the completeness of recommended properties and
a quality score. Every record is `prov:wasGeneratedBy` the
build activity `{base}/build/{id}/{source}` of `graph/provenance.py`, and
the quality graph is never cleared, so the history of a source stays
queryable across builds.

Quality score of a resource, from 0 to 100: `100 × (1 − (V + W/2) / C)`,
where C is the number of constraints that apply to it, V the number it
breaks with severity Violation and W with severity Warning (infos do not
count). The score of a source or a producer is the mean over its resources.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from pyoxigraph import Literal, NamedNode, Quad, Store

from graph.report import Severity
from graph.settings import Settings
from graph.validation import ValidationReport, ValidationResult

QUALITY_GRAPH = "quality"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SH = "http://www.w3.org/ns/shacl#"
DQV = "http://www.w3.org/ns/dqv#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SEVERITY_IRIS = {Severity.VIOLATION: SH + "Violation", Severity.WARNING: SH + "Warning", Severity.INFO: SH + "Info"}
PENALTIES = {Severity.VIOLATION: 1.0, Severity.WARNING: 0.5, Severity.INFO: 0.0}
COUNT_METRICS = {Severity.VIOLATION: "violationCount", Severity.WARNING: "warningCount", Severity.INFO: "infoCount"}

#: The metrics of the measurements: local name in `dtq:`, dimension, datatype, labels (fr, en).
METRICS = {
    "violationCount": ("conformance", "integer", "Nombre de violations", "Number of violations"),
    "warningCount": ("conformance", "integer", "Nombre d'avertissements", "Number of warnings"),
    "infoCount": ("conformance", "integer", "Nombre d'informations", "Number of infos"),
    "checkedResourceCount": ("conformance", "integer", "Ressources vérifiées", "Resources checked"),
    "qualityScore": ("conformance", "decimal", "Score de qualité (sur 100)", "Quality score (out of 100)"),
    "recommendedCompleteness": (
        "completeness",
        "decimal",
        "Complétude des propriétés recommandées (0 à 1)",
        "Completeness of recommended properties (0 to 1)",
    ),
}
DIMENSIONS = {"conformance": ("Conformité", "Conformance"), "completeness": ("Complétude", "Completeness")}


@dataclass
class Producer:
    """The publisher of a set of resources: a `dct:publisher`, or the source itself when none is given."""

    iri: str
    key: str
    focus_nodes: set[str] = field(default_factory=set)


def quality_graph(settings: Settings) -> NamedNode:
    return NamedNode(settings.graph_iri(QUALITY_GRAPH))


def resource_scores(report: ValidationReport) -> dict[str, float]:
    """Return the quality score of each focus node checked, from 0 to 100."""
    broken: dict[str, dict[tuple[str, str], Severity]] = defaultdict(dict)
    for result in report.results:
        key = (result.shape, result.component)
        previous = broken[str(result.focus)].get(key)
        if previous is None or result.severity is Severity.VIOLATION:
            broken[str(result.focus)][key] = result.severity
    scores = {}
    for focus, constraints in report.checked.items():
        penalties = sum(PENALTIES[severity] for severity in broken.get(focus, {}).values())
        scores[focus] = max(0.0, 100.0 * (1 - penalties / constraints)) if constraints else 100.0
    return scores


def completeness(report: ValidationReport, focus_nodes: set[str] | None = None) -> float | None:
    """Return the share of recommended properties filled, over some focus nodes (default: all), or None."""
    nodes = report.recommended.keys() if focus_nodes is None else focus_nodes
    expected = sum(report.recommended.get(focus, 0) for focus in nodes)
    if not expected:
        return None
    missing = {
        (str(result.focus), result.shape)
        for result in report.results
        if result.component == "MinCountConstraintComponent"
        and result.severity is not Severity.VIOLATION
        and (focus_nodes is None or str(result.focus) in focus_nodes)
    }
    return max(0.0, 1 - len(missing) / expected)


def find_producers(store: Store, report: ValidationReport, source_iri: str, source_name: str) -> dict[str, Producer]:
    """Group the focus nodes of a report by producer, keyed by producer IRI.

    A resource's producer is its `dct:publisher`, or the publisher of the
    dataset it is a distribution of; other resources belong to the source.
    """
    by_focus: dict[str, str] = {}
    rows = store.query(
        f"SELECT ?focus ?publisher WHERE {{ GRAPH <{report.graph}> {{ "
        f"{{ ?focus <{DCT}publisher> ?publisher }} UNION "
        f"{{ ?dataset <{DCAT}distribution> ?focus . ?dataset <{DCT}publisher> ?publisher }} }} FILTER(isIRI(?publisher)) }}"
    )
    for row in rows:
        by_focus.setdefault(str(row["focus"]), row["publisher"].value)
    producers: dict[str, Producer] = {}
    for focus in report.checked:
        iri = by_focus.get(focus, source_iri)
        if iri not in producers:
            producers[iri] = Producer(iri, source_name if iri == source_iri else producer_key(iri))
        producers[iri].focus_nodes.add(focus)
    return producers


def producer_key(iri: str) -> str:
    """Return the short name of a producer in URLs: the last segment of its IRI, as a lowercase slug.

    >>> producer_key("https://www.data.gouv.fr/organizations/ville-de-vanves/")
    'ville-de-vanves'
    >>> producer_key("http://127.0.0.1:8000/id/organisation/21560046100010")
    '21560046100010'
    >>> producer_key("http://example.org/agent/OSU%20OREME")
    'osu-oreme'
    """
    parts = urlsplit(iri)
    segments = [segment for segment in (parts.fragment or parts.path).split("/") if segment]
    # NOTE: two producers whose IRIs end alike share a key; the pages show the first one.
    return re.sub(r"[^a-z0-9]+", "-", unquote(segments[-1] if segments else parts.netloc).lower()).strip("-") or "producer"


def datasets_of(store: Store, graph: str) -> dict[str, str]:
    """Return the dataset each focus node belongs to: a dcat:Dataset itself, or the dataset of a distribution."""
    rows = store.query(
        f"SELECT ?resource ?dataset WHERE {{ GRAPH <{graph}> {{ "
        f"{{ ?dataset a <{DCAT}Dataset> BIND(?dataset AS ?resource) }} UNION "
        f"{{ ?dataset a <{DCAT}Dataset> ; <{DCAT}distribution> ?resource }} }} }}"
    )
    return {str(row["resource"]): row["dataset"].value for row in rows}


class _QuadWriter:
    """Collects the quads of the quality graph of one source build."""

    def __init__(self, graph: NamedNode) -> None:
        self.graph = graph
        self.quads: list[Quad] = []

    def add(self, subject, predicate: str, value) -> None:
        self.quads.append(Quad(subject, NamedNode(predicate), value, self.graph))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def _decimal(value: float) -> Literal:
    return Literal(f"{value:.4f}", datatype=NamedNode(XSD + "decimal"))


def quality_quads(
    settings: Settings,
    store: Store,
    source_name: str,
    build_id: str,
    report: ValidationReport,
    status: str,
) -> list[Quad]:
    """Describe the validation of one source build: the SHACL report and DQV measurements."""
    base = settings.base_uri
    dtq = base + "/def#"
    writer = _QuadWriter(quality_graph(settings))
    activity = NamedNode(f"{base}/build/{build_id}/{source_name}")
    source_graph = NamedNode(settings.graph_iri(source_name))
    now = Literal(datetime.now(UTC).isoformat(timespec="microseconds"), datatype=NamedNode(XSD + "dateTime"))
    producers = find_producers(store, report, source_graph.value, source_name)
    producer_of = {focus: producer.iri for producer in producers.values() for focus in producer.focus_nodes}
    datasets = datasets_of(store, report.graph)

    _declare_metrics(writer, dtq)
    report_node = NamedNode(f"{activity.value}/validation")
    writer.add(report_node, RDF_TYPE, NamedNode(SH + "ValidationReport"))
    writer.add(report_node, SH + "conforms", Literal("true" if report.conforms else "false", datatype=NamedNode(XSD + "boolean")))
    writer.add(report_node, PROV + "wasGeneratedBy", activity)
    writer.add(report_node, DCT + "created", now)
    writer.add(report_node, dtq + "source", Literal(source_name))
    writer.add(report_node, dtq + "status", Literal(status))
    writer.add(report_node, dtq + "validatedGraph", source_graph)
    for index, result in enumerate(report.results, start=1):
        node = NamedNode(f"{report_node.value}/result/{index}")
        writer.add(report_node, SH + "result", node)
        _write_result(writer, node, result, base, dtq)
        producer = producer_of.get(str(result.focus), source_graph.value)
        writer.add(node, dtq + "producer", NamedNode(producer))
        dataset = datasets.get(str(result.focus))
        if dataset:
            writer.add(node, dtq + "dataset", NamedNode(dataset))

    scores = resource_scores(report)
    measure = _Measurer(writer, activity, now, dtq, source_name)
    measure.all(source_graph, report, report.results, scores, set(report.checked), completeness(report))
    for producer in producers.values():
        producer_node = NamedNode(producer.iri)
        writer.add(producer_node, dtq + "producerKey", Literal(producer.key))
        if producer.iri == source_graph.value:
            continue  # the source is its own producer: its measurements are written above
        results = [r for r in report.results if producer_of.get(str(r.focus), source_graph.value) == producer.iri]
        measure.all(producer_node, report, results, scores, producer.focus_nodes, completeness(report, producer.focus_nodes), "producer/" + producer.key)
    for dataset in sorted(set(datasets.values())):
        nodes = {focus for focus, owner in datasets.items() if owner == dataset and focus in report.checked}
        results = [r for r in report.results if datasets.get(str(r.focus)) == dataset]
        label = "dataset/" + hashlib.sha1(dataset.encode("utf-8")).hexdigest()[:12]
        measure.all(NamedNode(dataset), report, results, scores, nodes, completeness(report, nodes), label)
    by_shape: dict[str, list[ValidationResult]] = defaultdict(list)
    for result in report.results:
        by_shape[result.shape].append(result)
    for shape, results in sorted(by_shape.items()):
        measure.counts(source_graph, results, "shape/" + hashlib.sha1(shape.encode("utf-8")).hexdigest()[:12], shape_iri(base, shape))
    return writer.quads


def shape_iri(base: str, key: str) -> NamedNode:
    """Return the IRI of a shape: its own, or one minted under `{base}/shape/` for a blank node."""
    return NamedNode(key if "://" in key else f"{base}/shape/{key}")


def _write_result(writer: _QuadWriter, node: NamedNode, result: ValidationResult, base: str, dtq: str) -> None:
    writer.add(node, RDF_TYPE, NamedNode(SH + "ValidationResult"))
    writer.add(node, SH + "focusNode", result.focus)
    if result.path_iri:
        writer.add(node, SH + "resultPath", NamedNode(result.path_iri))
    if result.path:
        writer.add(node, dtq + "pathText", Literal(result.path))
    if result.value is not None:
        writer.add(node, SH + "value", result.value)
    writer.add(node, SH + "resultSeverity", NamedNode(SEVERITY_IRIS[result.severity]))
    writer.add(node, SH + "sourceConstraintComponent", NamedNode(SH + result.component))
    writer.add(node, SH + "sourceShape", shape_iri(base, result.shape))
    for language in ("fr", "en"):
        writer.add(node, SH + "resultMessage", Literal(result.message(language), language=language))
        writer.add(node, dtq + "fix", Literal(result.fix(language), language=language))


def _declare_metrics(writer: _QuadWriter, dtq: str) -> None:
    for name, (french, english) in DIMENSIONS.items():
        dimension = NamedNode(dtq + name)
        writer.add(dimension, RDF_TYPE, NamedNode(DQV + "Dimension"))
        writer.add(dimension, SKOS + "prefLabel", Literal(french, language="fr"))
        writer.add(dimension, SKOS + "prefLabel", Literal(english, language="en"))
    for name, (dimension, datatype, french, english) in METRICS.items():
        metric = NamedNode(dtq + name)
        writer.add(metric, RDF_TYPE, NamedNode(DQV + "Metric"))
        writer.add(metric, DQV + "inDimension", NamedNode(dtq + dimension))
        writer.add(metric, DQV + "expectedDataType", NamedNode(XSD + datatype))
        writer.add(metric, SKOS + "prefLabel", Literal(french, language="fr"))
        writer.add(metric, SKOS + "prefLabel", Literal(english, language="en"))


class _Measurer:
    """Writes `dqv:QualityMeasurement`s of one source build."""

    def __init__(self, writer: _QuadWriter, activity: NamedNode, now: Literal, dtq: str, source: str) -> None:
        self.writer = writer
        self.activity = activity
        self.now = now
        self.dtq = dtq
        self.source = source

    def measurement(self, target: NamedNode, metric: str, value: Literal, scope: str, shape: NamedNode | None = None) -> None:
        node = NamedNode(f"{self.activity.value}/measurement/{scope + '/' if scope else ''}{metric}")
        add = self.writer.add
        add(node, RDF_TYPE, NamedNode(DQV + "QualityMeasurement"))
        add(node, DQV + "computedOn", target)
        add(node, DQV + "isMeasurementOf", NamedNode(self.dtq + metric))
        add(node, DQV + "value", value)
        add(node, PROV + "wasGeneratedBy", self.activity)
        add(node, PROV + "generatedAtTime", self.now)
        add(node, self.dtq + "source", Literal(self.source))
        if shape is None:
            add(target, DQV + "hasQualityMeasurement", node)
        else:
            # Per-shape counts are found through dtq:shape, so that the measurements
            # linked from the graph are its summary only.
            add(node, self.dtq + "shape", shape)

    def counts(self, target: NamedNode, results: list[ValidationResult], scope: str, shape: NamedNode | None = None) -> None:
        for severity, metric in COUNT_METRICS.items():
            count = sum(1 for result in results if result.severity is severity)
            self.measurement(target, metric, _integer(count), scope, shape)

    def all(
        self,
        target: NamedNode,
        report: ValidationReport,
        results: list[ValidationResult],
        scores: dict[str, float],
        focus_nodes: set[str],
        filled: float | None,
        scope: str = "",
    ) -> None:
        self.counts(target, results, scope)
        self.measurement(target, "checkedResourceCount", _integer(len(focus_nodes)), scope)
        # A graph with no resource to check scores 100: nothing in it is wrong.
        mean = sum(scores.get(focus, 100.0) for focus in focus_nodes) / len(focus_nodes) if focus_nodes else 100.0
        self.measurement(target, "qualityScore", _decimal(mean), scope)
        if filled is not None:
            self.measurement(target, "recommendedCompleteness", _decimal(filled), scope)


def kept_activity_quads(settings: Settings, source_name: str, build_id: str, status: str) -> list[Quad]:
    """Describe a source build whose result was rejected (strict source with violations) in the metadata graph.

    The quality records point to this activity; the source graph keeps its previous `prov:wasGeneratedBy`.
    """
    base = settings.base_uri
    dtq = base + "/def#"
    meta = NamedNode(settings.graph_iri("meta"))
    activity = NamedNode(f"{base}/build/{build_id}/{source_name}")
    return [
        Quad(activity, NamedNode(RDF_TYPE), NamedNode(PROV + "Activity"), meta),
        Quad(activity, NamedNode(RDF_TYPE), NamedNode(dtq + "SourceBuild"), meta),
        Quad(activity, NamedNode(DCT + "isPartOf"), NamedNode(f"{base}/build/{build_id}"), meta),
        Quad(activity, NamedNode(dtq + "source"), Literal(source_name), meta),
        Quad(activity, NamedNode(dtq + "status"), Literal(status), meta),
    ]


def store_quality(store: Store, quads: list[Quad]) -> None:
    """Add the quality records of a source build, moving `dqv:hasQualityMeasurement` to the new measurements.

    Older measurements stay, with `dqv:computedOn` and their time, for the
    history. The `dqv:hasQualityMeasurement` links of a resource point to its
    latest measurements only, so a page can list them as they are.
    """
    link = NamedNode(DQV + "hasQualityMeasurement")
    targets = {quad.subject for quad in quads if quad.predicate == link}
    graph = quads[0].graph_name if quads else None
    for target in targets:
        for old in list(store.quads_for_pattern(target, link, None, graph)):
            store.remove(old)
    store.extend(quads)
