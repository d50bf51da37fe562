"""PROV-O records of each source build, in the metadata graph `{base}/graph/meta`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from graph.settings import PROJECT_ROOT, Settings, SourceConfig

if TYPE_CHECKING:
    from graph.build import SourceReport
    from graph.sources import Lifted

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
META_GRAPH = "meta"


def _datetime(moment: datetime) -> Literal:
    return Literal(moment.isoformat(timespec="seconds"), datatype=NamedNode(XSD + "dateTime"))


def _relative(location: str) -> str:
    """Return a location relative to the project root when it is inside it."""
    try:
        return str(PROJECT_ROOT.joinpath(location).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return location


def provenance_quads(
    settings: Settings,
    source: SourceConfig,
    lifted: "Lifted",
    report: "SourceReport",
    build_id: str,
    started_at: datetime,
) -> list[Quad]:
    """Describe one source build: the activity, what it used and the graph it generated."""
    base = settings.base_uri
    dtq = base + "/def#"
    meta = NamedNode(settings.graph_iri(META_GRAPH))
    graph = NamedNode(settings.graph_iri(source.name))
    activity = NamedNode(f"{base}/build/{build_id}/{source.name}")
    build = NamedNode(f"{base}/build/{build_id}")
    ended_at = datetime.now(timezone.utc)

    def quad(subject, predicate: str, value) -> Quad:
        return Quad(subject, NamedNode(predicate), value, meta)

    quads = [
        quad(build, RDF + "type", NamedNode(PROV + "Activity")),
        quad(build, RDF + "type", NamedNode(dtq + "Build")),
        quad(activity, RDF + "type", NamedNode(PROV + "Activity")),
        quad(activity, RDF + "type", NamedNode(dtq + "SourceBuild")),
        quad(activity, DCT + "isPartOf", build),
        quad(activity, PROV + "startedAtTime", _datetime(started_at)),
        quad(activity, PROV + "endedAtTime", _datetime(ended_at)),
        quad(activity, dtq + "source", Literal(source.name)),
        quad(activity, dtq + "sourceKind", Literal(source.kind)),
        quad(activity, dtq + "duration", Literal(f"{report.duration:.3f}", datatype=NamedNode(XSD + "decimal"))),
        quad(activity, dtq + "tripleCount", Literal(str(report.triples), datatype=NamedNode(XSD + "integer"))),
        quad(activity, dtq + "recordCount", Literal(str(lifted.records), datatype=NamedNode(XSD + "integer"))),
        quad(activity, dtq + "problemCount", Literal(str(len(report.problems)), datatype=NamedNode(XSD + "integer"))),
        quad(activity, dtq + "status", Literal(report.status)),
        quad(graph, RDF + "type", NamedNode(PROV + "Entity")),
        quad(graph, PROV + "wasGeneratedBy", activity),
        quad(graph, VOID + "triples", Literal(str(report.triples), datatype=NamedNode(XSD + "integer"))),
        quad(graph, DCT + "modified", _datetime(ended_at)),
    ]
    for index, input_file in enumerate(lifted.inputs, start=1):
        entity = NamedNode(f"{activity.value}/input/{index}")
        checksum = BlankNode()
        quads += [
            quad(activity, PROV + "used", entity),
            quad(entity, RDF + "type", NamedNode(PROV + "Entity")),
            quad(entity, dtq + "location", Literal(_relative(input_file.location))),
            quad(entity, PROV + "generatedAtTime", _datetime(datetime.fromtimestamp(input_file.retrieved, timezone.utc))),
            quad(entity, dtq + "byteSize", Literal(str(input_file.size), datatype=NamedNode(XSD + "integer"))),
            quad(entity, SPDX + "checksum", checksum),
            quad(checksum, RDF + "type", NamedNode(SPDX + "Checksum")),
            quad(checksum, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256")),
            quad(checksum, SPDX + "checksumValue", Literal(input_file.sha256, datatype=NamedNode(XSD + "hexBinary"))),
            quad(graph, PROV + "wasDerivedFrom", entity),
        ]
    for mapping in lifted.mappings:
        quads.append(quad(activity, dtq + "mapping", Literal(_relative(str(mapping)))))
    return quads
