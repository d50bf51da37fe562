"""The pyshacl adapter: runs the node shapes that do not compile to SPARQL.

pyshacl works on rdflib graphs, so the source graph is copied once, with the
`rdf:type` of the resources it points to from other graphs (the compiled
`sh:class` checks see every graph too). Only the shapes given run: the
targets of every other shape are removed from a copy of the shapes graph.
Results of constraints that the SPARQL engine already checked are dropped,
so each constraint is reported by one engine only.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import rdflib
from pyoxigraph import NamedNode, RdfFormat, Store, serialize
from pyshacl import validate as pyshacl_validate

from graph.shacl_sparql import is_compilable
from graph.shapes import SH, Shape, ShapesGraph

log = logging.getLogger(__name__)
# pyshacl logs every shape at INFO level; keep its warnings only.
logging.getLogger("pyshacl").setLevel(logging.WARNING)

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
ResultFactory = Callable[[Shape, Shape, str, object, object], object]


def source_graph_for_pyshacl(store: Store, graph: str, target_classes: set[str]) -> rdflib.Graph:
    """Copy a named graph, plus the types its IRI objects have in other graphs, into rdflib.

    Types in `target_classes` are not copied from other graphs, so that the
    resources of another source do not become focus nodes of this one.
    """
    listed = ", ".join(f"<{iri}>" for iri in sorted(target_classes))
    exclusion = f"FILTER(?type NOT IN ({listed}))" if listed else ""
    types = store.query(
        "CONSTRUCT { ?object a ?type } WHERE { "
        f"{{ SELECT DISTINCT ?object WHERE {{ GRAPH <{graph}> {{ ?subject ?predicate ?object }} FILTER(isIRI(?object)) }} }} "
        f"GRAPH ?other {{ ?object a ?type }} {exclusion} }}"
    )
    triples = [quad.triple for quad in store.quads_for_pattern(None, None, None, NamedNode(graph))]
    copy = rdflib.Graph()
    for data in (serialize(triples, format=RdfFormat.N_TRIPLES), types.serialize(format=RdfFormat.N_TRIPLES)):
        if data:
            copy.parse(data=data.decode("utf-8"), format="nt")
    return copy


def shapes_subset(shapes: ShapesGraph, selected: list[Shape]) -> rdflib.Graph:
    """Copy the shapes graph, keeping the targets of the selected node shapes only."""
    keep = {shape.node for shape in selected}
    subset = rdflib.Graph()
    for triple in shapes.graph:
        subject, predicate, _ = triple
        if predicate in TARGETS and subject not in keep:
            continue
        subset.add(triple)
    return subset


def run_pyshacl(store: Store, graph: str, shapes: ShapesGraph, selected: list[Shape], make_result: ResultFactory) -> list:
    """Validate one named graph with pyshacl against the selected node shapes.

    Returns the results of the constraints that do not compile to SPARQL,
    built with `make_result(shape, node_shape, component, focus, value)`.
    Raises ValueError when a shape uses a regular expression Python cannot read.
    """
    started = time.perf_counter()
    owners: dict[object, tuple[Shape, Shape]] = {}
    for node_shape in selected:
        owners[node_shape.node] = (node_shape, node_shape)
        for property_shape in node_shape.properties:
            owners[property_shape.node] = (property_shape, node_shape)

    data = source_graph_for_pyshacl(store, graph, {str(c) for shape in selected for c in shape.target_classes})
    try:
        _, report, _ = pyshacl_validate(
            data, shacl_graph=shapes_subset(shapes, selected), inference="none", advanced=True, allow_warnings=True
        )
    except re.error as error:
        log.error("pyshacl cannot read a pattern of the shapes for %s: %s", graph, error)
        raise ValueError(f"a shape has a regular expression pyshacl cannot read: {error}") from None

    results = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        source_shape = report.value(node, SH.sourceShape)
        component = str(report.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        if source_shape not in owners:
            continue
        shape, node_shape = owners[source_shape]
        constraint = next((c for c in shape.constraints if c.component == component), None)
        if constraint is not None and is_compilable(constraint):
            continue
        results.append(make_result(shape, node_shape, component, report.value(node, SH.focusNode), report.value(node, SH.value)))
    log.info(
        "pyshacl validated %s (%d triples, %d shapes) in %.2f s: %d results",
        graph,
        len(data),
        len(selected),
        time.perf_counter() - started,
        len(results),
    )
    return results
