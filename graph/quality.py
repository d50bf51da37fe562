"""Quality records of each source build, in the quality graph `{base}/graph/quality`.

For every source build this writes the SHACL validation report: one
`sh:ValidationResult` per problem, with French and English messages, the
fix and the producer concerned. The problems found while lifting the
source's files (a field that does not parse, a row of the wrong width…)
go in the same report as `dtq:BuildProblem`s linked by `dtq:problem`, with
the same severity, messages and fix, their code and where they were found
(`dtq:location`, and `dtq:file` and `dtq:line` when it is a line of a
file). Their producer is the source itself, `{base}/graph/{source}#producer`,
which also holds the resources that name no publisher. It also writes DQV quality
measurements on the source graph, on each producer and on each dataset:
violations, warnings and infos (also per shape), the completeness of
recommended properties and a quality score. The counts of a source and of
the source as a producer include the problems found while lifting; the
measurements of a producer carry `dtq:role "producer"`. Every record is `prov:wasGeneratedBy` the
build activity `{base}/build/{id}/{source}` of `graph/provenance.py`, and
the quality graph is never cleared, so the history of a source stays
queryable across builds.

Quality score of a resource, from 0 to 100: `100 × (1 − (V + W/2) / C)`,
where C is the number of constraints that apply to it, V the number it
breaks with severity Violation and W with severity Warning (infos do not
count). The score of a source or a producer is the mean over its resources;
problems found while lifting are counted, not scored.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad, Store

from graph.quality_producers import Producer, ProducerKeys, find_producers, producer_key
from graph.report import Problem, Severity
from graph.settings import PROJECT_ROOT, Settings
from graph.validation import ValidationReport, ValidationResult

QUALITY_GRAPH = "quality"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
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
#: A location "file:line" as the lifting writes it; a URL with a port is not one.
FILE_LINE = re.compile(r"(?P<file>.+):(?P<line>\d+)")

__all__ = ["Producer", "find_producers", "producer_key", "quality_quads", "store_quality"]


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
    problems: Sequence[Problem] = (),
) -> list[Quad]:
    """Describe the validation of one source build: the SHACL report, the lifting `problems` and DQV measurements."""
    base = settings.base_uri
    dtq = base + "/def#"
    writer = _QuadWriter(quality_graph(settings))
    activity = NamedNode(f"{base}/build/{build_id}/{source_name}")
    source_graph = NamedNode(settings.graph_iri(source_name))
    now = Literal(datetime.now(UTC).isoformat(timespec="microseconds"), datatype=NamedNode(XSD + "dateTime"))
    keys = ProducerKeys(store, writer.graph.value, dtq + "producerKey", {source.name for source in settings.sources} | {source_name})
    # What has no publisher, and the problems of the source's files, belong to the source as a producer.
    itself = NamedNode(source_graph.value + "#producer")
    producers = find_producers(store, report, itself.value, source_name, keys)
    if problems:
        producers.setdefault(itself.value, Producer(itself.value, source_name))
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
        producer = producer_of.get(str(result.focus), itself.value)
        writer.add(node, dtq + "producer", NamedNode(producer))
        dataset = datasets.get(str(result.focus))
        if dataset:
            writer.add(node, dtq + "dataset", NamedNode(dataset))
    for index, problem in enumerate(problems, start=1):
        node = NamedNode(f"{report_node.value}/problem/{index}")
        writer.add(report_node, dtq + "problem", node)
        _write_problem(writer, node, problem, dtq)
        writer.add(node, dtq + "producer", itself)

    scores = resource_scores(report)
    lifting = [problem.severity for problem in problems]
    measure = _Measurer(writer, activity, now, dtq, source_name)
    severities = [result.severity for result in report.results] + lifting
    measure.all(source_graph, severities, scores, set(report.checked), completeness(report))
    for producer in producers.values():
        producer_node = NamedNode(producer.iri)
        writer.add(producer_node, dtq + "producerKey", Literal(producer.key))
        severities = [r.severity for r in report.results if producer_of.get(str(r.focus), itself.value) == producer.iri]
        if producer_node == itself:
            severities += lifting
            writer.add(itself, RDFS_LABEL, Literal(source_name))
        filled = completeness(report, producer.focus_nodes)
        measure.all(producer_node, severities, scores, producer.focus_nodes, filled, "producer/" + producer.key, producer=True)
    for dataset in sorted(set(datasets.values())):
        nodes = {focus for focus, owner in datasets.items() if owner == dataset and focus in report.checked}
        severities = [r.severity for r in report.results if datasets.get(str(r.focus)) == dataset]
        label = "dataset/" + hashlib.sha1(dataset.encode("utf-8")).hexdigest()[:12]
        measure.all(NamedNode(dataset), severities, scores, nodes, completeness(report, nodes), label)
    by_shape: dict[str, list[ValidationResult]] = defaultdict(list)
    for result in report.results:
        by_shape[result.shape].append(result)
    for shape, results in sorted(by_shape.items()):
        measure.counts(source_graph, [result.severity for result in results], "shape/" + hashlib.sha1(shape.encode("utf-8")).hexdigest()[:12], shape_iri(base, shape))
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


def _write_problem(writer: _QuadWriter, node: NamedNode, problem: Problem, dtq: str) -> None:
    """Describe a problem found while lifting: severity, messages, fix, code and location."""
    writer.add(node, RDF_TYPE, NamedNode(dtq + "BuildProblem"))
    writer.add(node, SH + "resultSeverity", NamedNode(SEVERITY_IRIS[problem.severity]))
    writer.add(node, dtq + "code", Literal(problem.code))
    for language in ("fr", "en"):
        writer.add(node, SH + "resultMessage", Literal(public_text(problem.text(language)), language=language))
        if problem.fix:
            writer.add(node, dtq + "fix", Literal(public_text(problem.fix_text(language)), language=language))
    if problem.location:
        location = public_text(problem.location)
        writer.add(node, dtq + "location", Literal(location))
        file_line = split_file_line(location)
        if file_line:
            writer.add(node, dtq + "file", Literal(file_line[0]))
            writer.add(node, dtq + "line", _integer(file_line[1]))


def public_text(text: str) -> str:
    """Return a message or location with the project's directory left out of file paths.

    The quality graph is public: it names files relative to the project,
    so it shows neither where the server is installed nor long paths.

    >>> public_text(str(PROJECT_ROOT / "data" / "plans" / "plans.csv") + ":3")
    'data/plans/plans.csv:3'
    """
    return text.replace(str(PROJECT_ROOT) + "/", "")


def split_file_line(location: str) -> tuple[str, int] | None:
    """Return the file and line of a location "file:line", or None for another location.

    >>> split_file_line("data/budgets/vannes-2023.csv:12")
    ('data/budgets/vannes-2023.csv', 12)
    >>> split_file_line("https://example.org/data.csv:3")
    ('https://example.org/data.csv', 3)
    >>> split_file_line("http://127.0.0.1:8000") is None
    True
    """
    found = FILE_LINE.fullmatch(location)
    if found is None:
        return None
    _, separator, rest = found["file"].partition("://")
    if separator and "/" not in rest:
        return None  # a host and its port
    return found["file"], int(found["line"])


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

    def measurement(
        self,
        target: NamedNode,
        metric: str,
        value: Literal,
        scope: str,
        shape: NamedNode | None = None,
        producer: bool = False,
    ) -> None:
        node = NamedNode(f"{self.activity.value}/measurement/{scope + '/' if scope else ''}{metric}")
        add = self.writer.add
        add(node, RDF_TYPE, NamedNode(DQV + "QualityMeasurement"))
        add(node, DQV + "computedOn", target)
        add(node, DQV + "isMeasurementOf", NamedNode(self.dtq + metric))
        add(node, DQV + "value", value)
        add(node, PROV + "wasGeneratedBy", self.activity)
        add(node, PROV + "generatedAtTime", self.now)
        add(node, self.dtq + "source", Literal(self.source))
        if producer:
            add(node, self.dtq + "role", Literal("producer"))
        if shape is None:
            add(target, DQV + "hasQualityMeasurement", node)
        else:
            # Per-shape counts are found through dtq:shape, so that the measurements
            # linked from the graph are its summary only.
            add(node, self.dtq + "shape", shape)

    def counts(self, target: NamedNode, severities: list[Severity], scope: str, shape: NamedNode | None = None, **role) -> None:
        for severity, metric in COUNT_METRICS.items():
            self.measurement(target, metric, _integer(severities.count(severity)), scope, shape, **role)

    def all(
        self,
        target: NamedNode,
        severities: list[Severity],
        scores: dict[str, float],
        focus_nodes: set[str],
        filled: float | None,
        scope: str = "",
        producer: bool = False,
    ) -> None:
        """Write the counts, the resources checked, the score and the completeness of one target."""
        role = {"producer": producer}
        self.counts(target, severities, scope, **role)
        self.measurement(target, "checkedResourceCount", _integer(len(focus_nodes)), scope, **role)
        # A graph with no resource to check scores 100: nothing in it is wrong.
        mean = sum(scores.get(focus, 100.0) for focus in focus_nodes) / len(focus_nodes) if focus_nodes else 100.0
        self.measurement(target, "qualityScore", _decimal(mean), scope, **role)
        if filled is not None:
            self.measurement(target, "recommendedCompleteness", _decimal(filled), scope, **role)


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
    graph = quads[0].graph_name if quads else None
    # A producer has one key, its latest: the key follows its name.
    keys = {quad.predicate for quad in quads if quad.predicate.value.endswith("/def#producerKey")}
    replaced = {(quad.subject, quad.predicate) for quad in quads if quad.predicate == link or quad.predicate in keys}
    for subject, predicate in replaced:
        for old in list(store.quads_for_pattern(subject, predicate, None, graph)):
            store.remove(old)
    store.extend(quads)
