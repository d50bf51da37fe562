"""Validate the named graphs of the store against the SHACL shapes.

The engine compiles the simple SHACL Core constraints to SPARQL, which
pyoxigraph runs on the store itself (`graph/shacl_sparql.py`). Node shapes
with other constraints (`sh:node`, `sh:or`, `sh:closed`…) go to pyshacl, on
an rdflib copy of the source graph made only when such a shape has focus
nodes in it. Both give `ValidationResult`s; a graph conforms when none of
them is a Violation (warnings and infos do not fail a build).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Triple

from graph.i18n import translate
from graph.report import Problem, Severity
from graph.shacl_fallback import run_pyshacl
from graph.shacl_messages import DEFAULT_MESSAGES, GENERIC_MESSAGE
from graph.shacl_sparql import (
    CompiledQuery,
    compile_shape,
    is_compilable,
    sparql_term,
    target_pattern,
)
from graph.shapes import SH, SHAPES_DIR, Constraint, Shape, ShapesError, ShapesGraph
from graph.shapes import load_shapes as parse_shape_files

log = logging.getLogger(__name__)

#: The official DCAT-AP 3.0.1 shapes run on every source beside `shapes/*.ttl`.
#: `range.ttl` and `mdr-vocabularies.shape.ttl` are left out: they need the
#: EU vocabularies and the types of external resources in the data graph.
DCAT_AP_SHAPES = ("dcat-ap/shapes.ttl", "dcat-ap/shapes_recommended.ttl")
SEVERITIES = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SCRATCH_GRAPH = NamedNode("urn:datatheque:validation")

class ValidationSetupError(RuntimeError):
    """The shapes cannot be loaded or compiled: a setup error, not a data problem."""


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result: a focus node breaking one constraint of one shape."""

    focus: NamedNode | BlankNode | Literal
    shape: str
    node_shape: str
    component: str
    severity: Severity
    path: str = ""
    path_iri: str | None = None
    value: NamedNode | BlankNode | Literal | None = None
    shape_messages: tuple[tuple[str, str], ...] = ()
    limit: str = ""

    @property
    def params(self) -> dict[str, str]:
        return {
            "path": compact(self.path_iri) if self.path_iri else (self.path or "-"),
            "value": _display(self.value),
            "limit": self.limit,
            "component": self.component.removesuffix("ConstraintComponent"),
        }

    def message(self, language: str) -> str:
        """Return the result message in a language: the shape's `sh:message`, else the default one."""
        messages = dict(self.shape_messages)
        for key in (language, "", "en", "fr"):
            if messages.get(key):
                return messages[key]
        return translate(DEFAULT_MESSAGES.get(self.component, GENERIC_MESSAGE)[0], language, self.params)

    def fix(self, language: str) -> str:
        """Return how to fix the problem, in a language."""
        return translate(DEFAULT_MESSAGES.get(self.component, GENERIC_MESSAGE)[1], language, self.params)

    def to_problem(self, source: str) -> Problem:
        """Return the result as a build problem; a shape's own message becomes the (French) message."""
        message, fix = DEFAULT_MESSAGES.get(self.component, GENERIC_MESSAGE)
        return Problem(
            "shacl-" + self.component.removesuffix("ConstraintComponent").lower(),
            source,
            self.message("fr") if self.shape_messages else message,
            location=f"{self.focus}" + (f" {self.path}" if self.path else ""),
            fix=fix,
            severity=self.severity,
            params=self.params,
            texts={language: self.message(language) for language in ("fr", "en")},
        )


@dataclass
class ValidationReport:
    """The results of validating one named graph, and what was checked."""

    graph: str
    results: list[ValidationResult] = field(default_factory=list)
    #: Focus nodes checked, with the number of constraints that apply to each.
    checked: dict[str, int] = field(default_factory=dict)
    #: Focus nodes checked, with the number of recommended properties that apply to each:
    #: property shapes of severity Warning or Info with `sh:minCount`.
    recommended: dict[str, int] = field(default_factory=dict)
    compiled_queries: int = 0
    fallback_shapes: int = 0
    duration: float = 0.0

    @property
    def conforms(self) -> bool:
        return not any(result.severity is Severity.VIOLATION for result in self.results)

    def count(self, severity: Severity) -> int:
        return sum(1 for result in self.results if result.severity is severity)


def default_shape_files(directory: Path = SHAPES_DIR) -> list[Path]:
    """Return the shape files of a build: `shapes/*.ttl` and the DCAT-AP core and recommended shapes."""
    files = sorted(directory.glob("*.ttl"))
    files += [directory / name for name in DCAT_AP_SHAPES if (directory / name).exists()]
    return files


def load_shapes(paths: Iterable[Path] | None = None, base_uri: str = "http://127.0.0.1:8000") -> ShapesGraph:
    """Load the shapes (default: `default_shape_files()`). Raises ValidationSetupError."""
    try:
        return parse_shape_files(list(paths) if paths is not None else default_shape_files(), base_uri)
    except ShapesError as error:
        raise ValidationSetupError(str(error)) from None


def compact(iri: str) -> str:
    """Write an IRI with a well-known prefix when one applies.

    >>> compact("http://purl.org/dc/terms/title")
    'dct:title'
    """
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return prefix + ":" + iri[len(namespace):]
    return f"<{iri}>"


PREFIXES = {
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "oa": "http://www.w3.org/ns/oa#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "qb": "http://purl.org/linked-data/cube#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def _display(term: object) -> str:
    if term is None:
        return "-"
    if isinstance(term, NamedNode):
        return compact(term.value)
    if isinstance(term, Literal):
        return f"« {term.value} »"
    return str(term)


class Validator:
    """Validates named graphs of a store against one parsed set of shapes.

    Compiled queries depend on the graph IRI and the class hierarchy, so they
    are built per `validate_graph` call; the shape model is parsed once.
    """

    def __init__(self, shapes: ShapesGraph) -> None:
        """Prepare the shapes. Raises ValidationSetupError for a `sh:pattern` that is not a valid regular expression."""
        self.shapes = shapes
        self.fallback: list[Shape] = [shape for shape in shapes.shapes if _needs_fallback(shape)]
        _check_patterns(shapes.shapes)

    def validate_graph(self, store: Store, graph: str) -> ValidationReport:
        """Validate one named graph of a store. Raises ValidationSetupError for an invalid shape."""
        started = time.perf_counter()
        report = ValidationReport(graph)
        subclasses = _SubclassIndex(store)
        targeted: set[str] = set()
        for node_shape in self.shapes.shapes:
            focus_nodes = self._focus_nodes(store, node_shape, graph, subclasses)
            if not focus_nodes:
                continue
            targeted.add(node_shape.key)
            constraint_count = sum(len(shape.constraints) for shape in [node_shape, *node_shape.properties])
            recommended_count = sum(1 for shape in node_shape.properties if is_recommended(shape))
            for focus in focus_nodes:
                report.checked[focus] = report.checked.get(focus, 0) + constraint_count
                report.recommended[focus] = report.recommended.get(focus, 0) + recommended_count
            for shape in [node_shape, *node_shape.properties]:
                for query in compile_shape(node_shape, shape, graph, subclasses):
                    report.results.extend(self._run(store, query, node_shape))
                    report.compiled_queries += 1
        fallback = [shape for shape in self.fallback if shape.key in targeted]
        if fallback:
            report.fallback_shapes = len(fallback)
            try:
                report.results.extend(run_pyshacl(store, graph, self.shapes, fallback, _result_from_pyshacl))
            except ValueError as error:
                raise ValidationSetupError(str(error)) from None
        report.duration = time.perf_counter() - started
        log.info(
            "validated %s in %.2f s: %d focus nodes, %d results (%d violations), %d queries, %d shapes through pyshacl",
            graph,
            report.duration,
            len(report.checked),
            len(report.results),
            report.count(Severity.VIOLATION),
            report.compiled_queries,
            report.fallback_shapes,
        )
        return report

    def _focus_nodes(self, store: Store, shape: Shape, graph: str, subclasses: _SubclassIndex) -> list[str]:
        sparql = "SELECT DISTINCT ?focus WHERE { " + target_pattern(shape, graph, subclasses) + " }"
        return [str(row["focus"]) for row in store.query(sparql)]

    def _run(self, store: Store, query: CompiledQuery, node_shape: Shape) -> list[ValidationResult]:
        try:
            solutions = store.query(query.sparql)
        except SyntaxError as error:
            log.error("shape %s: compiled query is invalid: %s", query.shape.key, error)
            raise ValidationSetupError(f"shape {query.shape.key} cannot be checked: {error}") from None
        results = []
        for row in solutions:
            focus = row["focus"]
            if query.kind == "values":
                for index, constraint in enumerate(query.constraints):
                    if row[f"broken{index}"].value == "true":
                        results.append(_result(query.shape, node_shape, constraint, focus, row["value"]))
            elif query.kind == "counts":
                count = int(row["count"].value)
                for constraint in query.constraints:
                    minimum = constraint.component == "MinCountConstraintComponent"
                    if (minimum and count < int(constraint.value)) or (not minimum and count > int(constraint.value)):
                        results.append(_result(query.shape, node_shape, constraint, focus, None))
            else:
                value = row["value"] if "value" in [v.value for v in solutions.variables] else None
                results.append(_result(query.shape, node_shape, query.constraints[0], focus, value))
        return results


class _SubclassIndex:
    """The subclasses of each class, from the `rdfs:subClassOf` triples of every graph, computed once per class."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[str, list[str]] = {}

    def __call__(self, iri: str) -> list[str]:
        if iri not in self.cache:
            rows = self.store.query(
                f"SELECT DISTINCT ?sub WHERE {{ GRAPH ?g {{ ?sub <{RDFS_SUBCLASS}> ?super }} }}"
                f" VALUES ?super {{ <{iri}> }}"
            )
            found = {iri}
            frontier = [row["sub"].value for row in rows if isinstance(row["sub"], NamedNode)]
            while frontier:
                current = frontier.pop()
                if current in found:
                    continue
                found.add(current)
                frontier += [
                    row["sub"].value
                    for row in self.store.query(f"SELECT DISTINCT ?sub WHERE {{ GRAPH ?g {{ ?sub <{RDFS_SUBCLASS}> <{current}> }} }}")
                    if isinstance(row["sub"], NamedNode)
                ]
            self.cache[iri] = sorted(found)
        return self.cache[iri]


def _check_patterns(node_shapes: list[Shape]) -> None:
    """Compile every `sh:pattern` with pyoxigraph's REGEX, which returns an error for an invalid expression."""
    scratch = Store()
    for node_shape in node_shapes:
        for shape in [node_shape, *node_shape.properties]:
            for constraint in shape.constraints:
                if constraint.component != "PatternConstraintComponent":
                    continue
                pattern = sparql_term(rdflib.Literal(str(constraint.value)))
                flags = sparql_term(rdflib.Literal(constraint.flags))
                (row,) = scratch.query(f'SELECT (REGEX("", {pattern}, {flags}) AS ?valid) {{}}')
                if row["valid"] is None:
                    log.error("shape %s: invalid sh:pattern %r", shape.key, str(constraint.value))
                    raise ValidationSetupError(
                        f"shape {shape.key}: sh:pattern {str(constraint.value)!r} is not a valid regular expression; correct it in shapes/"
                    )


def is_recommended(shape: Shape) -> bool:
    """Tell whether a property shape is about a recommended property: `sh:minCount` below severity Violation."""
    return shape.severity != SH.Violation and any(c.component == "MinCountConstraintComponent" for c in shape.constraints)


def validate_triples(triples: list[Triple], shapes: ShapesGraph, source: str) -> list[Problem]:
    """Validate triples on their own (in a scratch in-memory store) and return one problem per result."""
    store = Store()
    store.bulk_extend(Quad(t.subject, t.predicate, t.object, SCRATCH_GRAPH) for t in triples)
    report = Validator(shapes).validate_graph(store, SCRATCH_GRAPH.value)
    return [result.to_problem(source) for result in report.results]


def _needs_fallback(node_shape: Shape) -> bool:
    return any(not is_compilable(c) for shape in [node_shape, *node_shape.properties] for c in shape.constraints)


def _limit(constraint: Constraint) -> str:
    if isinstance(constraint.value, tuple):
        return ", ".join(compact(str(v)) if isinstance(v, rdflib.URIRef) else str(v) for v in constraint.value)
    if isinstance(constraint.value, rdflib.URIRef):
        return compact(str(constraint.value))
    return str(constraint.value)


def _result(shape: Shape, node_shape: Shape, constraint: Constraint, focus, value) -> ValidationResult:
    return ValidationResult(
        focus=focus,
        shape=shape.key,
        node_shape=node_shape.key,
        component=constraint.component,
        severity=SEVERITIES.get(shape.severity, Severity.VIOLATION),
        path=shape.path_sparql,
        path_iri=str(shape.path) if isinstance(shape.path, rdflib.URIRef) else None,
        value=value if constraint.component not in ("MinCountConstraintComponent", "MaxCountConstraintComponent") else None,
        shape_messages=tuple(sorted(shape.messages.items())),
        limit=_limit(constraint),
    )


def _to_oxigraph(term: rdflib.term.Node | None):
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if term.language:
        return Literal(str(term), language=term.language)
    return Literal(str(term), datatype=NamedNode(str(term.datatype)) if term.datatype else None)


def _result_from_pyshacl(shape: Shape, node_shape: Shape, component: str, focus, value) -> ValidationResult:
    constraint = next((c for c in shape.constraints if c.component == component), Constraint(component, ""))
    return _result(shape, node_shape, constraint, _to_oxigraph(focus), _to_oxigraph(value))

