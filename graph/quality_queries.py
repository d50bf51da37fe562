"""Read the quality graph: the latest report of each source, its history, producers and their problems.

Everything here is a SPARQL query over `{base}/graph/quality` (see
`graph/quality.py` for what it holds), so the web pages, the exports and
any SPARQL client see the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Store

from graph.quality import DCT, DQV, PROV, QUALITY_GRAPH, SH
from graph.settings import Settings
from graph.validation import compact

SEVERITY_NAMES = {SH + "Violation": "violation", SH + "Warning": "warning", SH + "Info": "info"}
SEVERITY_ORDER = {"violation": 0, "warning": 1, "info": 2}
LABELS = (
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    DCT + "title",
)


@dataclass
class Measurements:
    """The measurements of one target in one source build, by metric local name."""

    values: dict[str, float] = field(default_factory=dict)
    #: The validation reports of the builds that wrote these measurements (filled by `dataset_measurements` only).
    reports: list[str] = field(default_factory=list)

    def count(self, metric: str) -> int:
        return int(self.values.get(metric, 0))

    @property
    def score(self) -> float | None:
        return self.values.get("qualityScore")

    @property
    def completeness(self) -> float | None:
        return self.values.get("recommendedCompleteness")


@dataclass
class SourceQuality:
    """The quality of one source as its latest build measured it, with the scores of the builds before."""

    source: str
    report: str
    activity: str
    created: str
    status: str
    conforms: bool
    measurements: Measurements
    history: list[HistoryPoint] = field(default_factory=list)


@dataclass
class HistoryPoint:
    """One build of a source in the trend chart."""

    created: str
    score: float
    violations: int
    warnings: int


@dataclass
class ProducerQuality:
    """The quality of what one producer published, over the latest build of each source."""

    key: str
    iri: str
    label: str
    sources: list[str]
    checked: int = 0
    violations: int = 0
    warnings: int = 0
    infos: int = 0
    score: float | None = None
    #: True for a source shown as its own producer: its resources without a publisher, and its file problems.
    source_itself: bool = False


@dataclass
class ProblemRow:
    """One problem, ready to show or export."""

    source: str
    resource: str
    property: str
    value: str
    severity: str
    message: str
    fix: str
    component: str
    shape: str
    #: The problem code: `shacl-…` for a SHACL result, else the code of the lifting problem.
    code: str = ""
    #: Where a lifting problem was found, as the build printed it; its file and line when it is a line of a file.
    location: str = ""
    file: str = ""
    line: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


class QualityQueries:
    """The queries of the quality pages over one store."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.graph = settings.graph_iri(QUALITY_GRAPH)
        self.dtq = settings.base_uri + "/def#"
        self.settings = settings

    def _select(self, body: str):
        return self.store.query(f"SELECT * WHERE {{ GRAPH <{self.graph}> {{ {body} }} }}")

    def sources(self, history: int = 10) -> list[SourceQuality]:
        """Return the latest quality of every source validated, with up to `history` builds of trend."""
        rows = self._select(
            f"?report a <{SH}ValidationReport> ; <{PROV}wasGeneratedBy> ?activity ; <{self.dtq}source> ?source ; "
            f"<{DCT}created> ?created ; <{self.dtq}status> ?status ; <{SH}conforms> ?conforms ."
        )
        by_source: dict[str, list] = defaultdict(list)
        for row in rows:
            by_source[row["source"].value].append(row)
        activities = [row["activity"].value for rows in by_source.values() for row in rows]
        measured = self.measurements(activities)
        result = []
        for source, reports in sorted(by_source.items()):
            reports.sort(key=lambda row: row["created"].value, reverse=True)
            latest = reports[0]
            graph = self.settings.graph_iri(source)
            item = SourceQuality(
                source=source,
                report=latest["report"].value,
                activity=latest["activity"].value,
                created=latest["created"].value,
                status=latest["status"].value,
                conforms=latest["conforms"].value == "true",
                measurements=measured.get((latest["activity"].value, graph), Measurements()),
            )
            for row in reversed(reports[:history]):
                point = measured.get((row["activity"].value, graph), Measurements())
                item.history.append(
                    HistoryPoint(row["created"].value, point.score or 0.0, point.count("violationCount"), point.count("warningCount"))
                )
            result.append(item)
        return result

    def measurements(self, activities: list[str], producers: bool = False) -> dict[tuple[str, str], Measurements]:
        """Return the measurements (other than per shape) of some source builds, by (activity, target).

        With `producers`, return those of the producers only (`dtq:role
        "producer"`), else those of the sources and datasets. Records written
        before producers had a role count for a producer unless it is a source.
        """
        if not activities:
            return {}
        values = " ".join(f"<{activity}>" for activity in set(activities))
        rows = self._select(
            f"VALUES ?activity {{ {values} }} ?measurement a <{DQV}QualityMeasurement> ; <{PROV}wasGeneratedBy> ?activity ; "
            f"<{DQV}computedOn> ?target ; <{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value . "
            f"OPTIONAL {{ ?measurement <{self.dtq}role> ?role }} "
            f"FILTER NOT EXISTS {{ ?measurement <{self.dtq}shape> ?shape }}"
        )
        found: dict[tuple[str, str], Measurements] = defaultdict(Measurements)
        former: dict[tuple[str, str], Measurements] = defaultdict(Measurements)
        for row in rows:
            metric = row["metric"].value.removeprefix(self.dtq)
            key = (row["activity"].value, row["target"].value)
            if row["role"] is None:
                former[key].values[metric] = float(row["value"].value)
            if (row["role"] is not None) == producers:
                found[key].values[metric] = float(row["value"].value)
        if producers:
            graphs = self.settings.base_uri + "/graph/"
            for key, measured in former.items():
                if key not in found and not key[1].startswith(graphs):
                    found[key] = measured
        return found

    def producers(self, sources: list[SourceQuality] | None = None) -> list[ProducerQuality]:
        """Return every producer of the latest builds, with counts summed and scores weighted over its sources."""
        sources = self.sources(history=1) if sources is None else sources
        activities = {item.activity: item.source for item in sources}
        measured = self.measurements(list(activities), producers=True)
        keys = {row["target"].value: row["key"].value for row in self._select(f"?target <{self.dtq}producerKey> ?key .")}
        graphs = self.settings.base_uri + "/graph/"
        producers: dict[str, ProducerQuality] = {}
        weighted: dict[str, float] = defaultdict(float)
        for (activity, target), values in measured.items():
            if target not in keys:
                continue
            if target not in producers:
                producers[target] = ProducerQuality(keys[target], target, self.label(target), [], source_itself=target.startswith(graphs))
            producer = producers[target]
            producer.sources.append(activities[activity])
            checked = values.count("checkedResourceCount")
            producer.checked += checked
            producer.violations += values.count("violationCount")
            producer.warnings += values.count("warningCount")
            producer.infos += values.count("infoCount")
            if values.score is not None:
                weighted[target] += values.score * checked
        for target, producer in producers.items():
            producer.score = weighted[target] / producer.checked if producer.checked else None
            producer.sources.sort()
        return sorted(producers.values(), key=lambda producer: producer.label.lower())

    def producer_history(self, producer: str, limit: int = 10) -> list[HistoryPoint]:
        """Return the last `limit` builds of a producer: score weighted over its sources, counts summed."""
        rows = self._select(
            f"?measurement <{DQV}computedOn> <{producer}> ; <{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value ; "
            f"<{PROV}wasGeneratedBy> ?activity ; <{PROV}generatedAtTime> ?time . "
            f"OPTIONAL {{ ?measurement <{self.dtq}role> ?role }} "
            f"FILTER NOT EXISTS {{ ?measurement <{self.dtq}shape> ?shape }}"
        )
        # A source that is its own producer has measurements of both roles: keep the producer's.
        rows = list(rows)
        with_role = {row["activity"].value for row in rows if row["role"] is not None}
        is_source = producer.startswith(self.settings.base_uri + "/graph/")
        by_activity: dict[str, Measurements] = defaultdict(Measurements)
        times: dict[str, str] = {}
        for row in rows:
            activity = row["activity"].value
            if row["role"] is None and (activity in with_role or is_source):
                continue
            by_activity[activity].values[row["metric"].value.removeprefix(self.dtq)] = float(row["value"].value)
            times[activity] = row["time"].value

        # A build is `{base}/build/{id}`; its source builds are `{base}/build/{id}/{source}`.
        builds: dict[str, list[str]] = defaultdict(list)
        for activity in by_activity:
            builds[activity.rsplit("/", 1)[0]].append(activity)

        points = []
        for activities in builds.values():
            checked = sum(by_activity[a].count("checkedResourceCount") for a in activities)
            weighted = sum((by_activity[a].score or 0.0) * by_activity[a].count("checkedResourceCount") for a in activities)
            points.append(
                HistoryPoint(
                    created=min(times[a] for a in activities),
                    score=weighted / checked if checked else 100.0,
                    violations=sum(by_activity[a].count("violationCount") for a in activities),
                    warnings=sum(by_activity[a].count("warningCount") for a in activities),
                )
            )
        points.sort(key=lambda point: point.created)
        return points[-limit:]

    def label(self, iri: str) -> str:
        """Return the label of a resource from any graph (French first), or its producer key, or the IRI."""
        predicates = " ".join(f"<{p}>" for p in LABELS)
        rows = self.store.query(
            f"SELECT ?label WHERE {{ VALUES ?predicate {{ {predicates} }} GRAPH ?g {{ <{iri}> ?predicate ?label }} "
            f'FILTER(isLiteral(?label)) }} ORDER BY DESC(LANG(?label) = "fr") LIMIT 1'
        )
        for row in rows:
            return row["label"].value
        if iri.startswith(self.settings.base_uri + "/graph/"):
            return iri.rsplit("/", 1)[-1]
        return iri

    def problems(
        self, language: str, producer: str | None = None, dataset: str | None = None, reports: list[str] | None = None
    ) -> list[ProblemRow]:
        """Return the problems of `reports` (default: the latest builds), of one producer or dataset IRI, worst first.

        They are the SHACL results and the problems found while lifting the sources' files.
        """
        if reports is None:
            reports = [item.report for item in self.sources(history=1)]
        reports = " ".join(f"<{report}>" for report in reports)
        if not reports:
            return []
        if producer:
            selection = f"?result <{self.dtq}producer> <{producer}> ."
        elif dataset:
            # dtq:dataset is set on the dataset's own results and on those of its distributions.
            selection = f"?result <{self.dtq}dataset> <{dataset}> ."
        else:
            selection = ""
        language_literal = Literal(language)
        rows = self._select(
            f"VALUES ?report {{ {reports} }} ?report <{SH}result>|<{self.dtq}problem> ?result ; <{self.dtq}source> ?source . "
            f"{selection} ?result <{SH}resultSeverity> ?severity . "
            f"OPTIONAL {{ ?result <{SH}focusNode> ?focus ; <{SH}sourceConstraintComponent> ?component ; <{SH}sourceShape> ?shape }} "
            f"OPTIONAL {{ ?result <{self.dtq}code> ?code }} OPTIONAL {{ ?result <{self.dtq}location> ?location }} "
            f"OPTIONAL {{ ?result <{self.dtq}file> ?file ; <{self.dtq}line> ?line }} "
            f"OPTIONAL {{ ?result <{SH}resultPath> ?path }} OPTIONAL {{ ?result <{self.dtq}pathText> ?pathText }} "
            f"OPTIONAL {{ ?result <{SH}value> ?value }} "
            f"OPTIONAL {{ ?result <{SH}resultMessage> ?message FILTER(LANG(?message) = {language_literal}) }} "
            f"OPTIONAL {{ ?result <{self.dtq}fix> ?fix FILTER(LANG(?fix) = {language_literal}) }}"
        )
        problems = []
        for row in rows:
            path = row["path"]
            component = _text(row["component"]).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
            problems.append(
                ProblemRow(
                    source=row["source"].value,
                    resource=_text(row["focus"]),
                    property=compact(path.value) if isinstance(path, NamedNode) else _text(row["pathText"]),
                    value=_text(row["value"]),
                    severity=SEVERITY_NAMES.get(row["severity"].value, "violation"),
                    message=_text(row["message"]),
                    fix=_text(row["fix"]),
                    component=component,
                    shape=_text(row["shape"]),
                    code=_text(row["code"]) or ("shacl-" + component.lower() if component else ""),
                    location=_text(row["location"]),
                    file=_text(row["file"]),
                    line=_text(row["line"]),
                )
            )
        problems.sort(key=lambda p: (SEVERITY_ORDER[p.severity], p.source, p.resource, p.file, int(p.line or 0), p.location, p.property))
        return problems

    def dataset_measurements(self, dataset: str) -> Measurements:
        """Return the latest measurements computed on a dataset, with the validation report of their build.

        `graph/quality.py` moves the `dqv:hasQualityMeasurement` links of a
        resource to the measurements of each new build, so following them reads
        the latest build only.
        """
        rows = self._select(
            f"<{dataset}> <{DQV}hasQualityMeasurement> ?measurement . "
            f"?measurement <{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value ; <{PROV}wasGeneratedBy> ?activity . "
            f"OPTIONAL {{ ?report a <{SH}ValidationReport> ; <{PROV}wasGeneratedBy> ?activity }}"
        )
        measurements = Measurements()
        for row in rows:
            measurements.values[row["metric"].value.removeprefix(self.dtq)] = float(row["value"].value)
            if row["report"] is not None and row["report"].value not in measurements.reports:
                measurements.reports.append(row["report"].value)
        return measurements


def _text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, (NamedNode, Literal)):
        return term.value
    return str(term)
