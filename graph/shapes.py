"""The SHACL shapes of `shapes/`, parsed once into a small model the validator compiles.

Shapes are read with rdflib (they are small). Each node shape keeps its
targets, its own constraints and its property shapes; each constraint is
one `(component, parameters)` pair in the SHACL Core vocabulary.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.term import Node

from graph.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

SHAPES_DIR = PROJECT_ROOT / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
RDF = rdflib.RDF
RDFS = rdflib.RDFS

#: SHACL Core parameters, by the constraint component they belong to.
#: Components with several parameters (pattern + flags, qualified shapes)
#: are keyed by their main parameter; the others are read beside it.
COMPONENTS = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.equals: "EqualsConstraintComponent",
    SH.disjoint: "DisjointConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH.qualifiedValueShape: "QualifiedValueShapeConstraintComponent",
    SH.closed: "ClosedConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
SEVERITIES = (SH.Violation, SH.Warning, SH.Info)


class ShapesError(ValueError):
    """A shapes file cannot be parsed, or a shape is malformed."""


@dataclass(frozen=True)
class Constraint:
    """One constraint of a shape: its component local name and parameter value.

    `value` is the rdflib term of the main parameter; lists (`sh:in`,
    `sh:languageIn`, `sh:or`…) are expanded into tuples; `flags` is the
    `sh:flags` of a pattern.
    """

    component: str
    value: object
    flags: str = ""
    #: The shapes a value must conform to, for sh:node (one) and sh:or (each alternative).
    members: tuple[Shape, ...] = field(default=(), compare=False, repr=False)


@dataclass
class Shape:
    """A node shape or a property shape, with what the validator needs of it."""

    node: Node
    severity: Node = SH.Violation
    messages: dict[str, str] = field(default_factory=dict)
    path: Node | None = None
    path_sparql: str = ""
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    parent: Shape | None = None
    # Targets (node shapes only).
    target_classes: list[Node] = field(default_factory=list)
    target_nodes: list[Node] = field(default_factory=list)
    target_subjects_of: list[Node] = field(default_factory=list)
    target_objects_of: list[Node] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.target_subjects_of or self.target_objects_of)

    @property
    def key(self) -> str:
        """A stable identifier: the shape IRI, or a digest of its parent, path and constraints for a blank node."""
        if isinstance(self.node, rdflib.URIRef):
            return str(self.node)
        parent = self.parent.key if self.parent else ""
        text = parent + " " + self.path_sparql + " " + " ".join(sorted(f"{c.component}={_stable(c.value)}" for c in self.constraints))
        return "shape-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _stable(value: object) -> str:
    """Write a parameter value without blank node labels, which change each time a file is parsed."""
    if isinstance(value, tuple):
        return "(" + " ".join(_stable(item) for item in value) + ")"
    return "_" if isinstance(value, rdflib.BNode) else repr(value)


@dataclass
class ShapesGraph:
    """The parsed shapes: the rdflib graph (for the pyshacl fallback) and the node shapes that have targets."""

    graph: rdflib.Graph
    shapes: list[Shape]
    files: list[Path]


def load_shapes(paths: Iterable[Path], base_uri: str = "http://127.0.0.1:8000") -> ShapesGraph:
    """Parse shape files and build the shape model.

    Relative IRIs resolve against the base URI, so `<def#x>` means the
    project's vocabulary. Raises ShapesError naming the file that fails.
    """
    files = sorted(paths)
    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle", publicID=base_uri.rstrip("/") + "/")
        except (SyntaxError, ValueError, OSError) as error:  # rdflib's BadSyntax is a SyntaxError
            raise ShapesError(f"{path}: invalid Turtle: {error}") from None
    shapes = parse_shapes(graph)
    log.info("loaded %d node shapes from %d files", len(shapes), len(files))
    return ShapesGraph(graph, shapes, list(files))


def parse_shapes(graph: rdflib.Graph) -> list[Shape]:
    """Return the node shapes of a graph that select focus nodes through a target."""
    candidates: set[Node] = set(graph.subjects(RDF.type, SH.NodeShape))
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        candidates.update(graph.subjects(predicate, None))
    # Implicit class targets: a shape that is also a class targets its instances.
    candidates.update(node for node in graph.subjects(RDF.type, RDFS.Class) if (node, RDF.type, SH.NodeShape) in graph)

    shapes = []
    for node in sorted(candidates, key=str):
        # NOTE: a property shape with its own target (legal SHACL, unused in shapes/) is skipped.
        if _deactivated(graph, node) or (node, SH.path, None) in graph:
            continue
        shape = _read_shape(graph, node, None)
        shape.target_classes = sorted(graph.objects(node, SH.targetClass), key=str)
        if (node, RDF.type, RDFS.Class) in graph:
            shape.target_classes.append(node)
        shape.target_nodes = sorted(graph.objects(node, SH.targetNode), key=str)
        shape.target_subjects_of = sorted(graph.objects(node, SH.targetSubjectsOf), key=str)
        shape.target_objects_of = sorted(graph.objects(node, SH.targetObjectsOf), key=str)
        if shape.has_targets:
            shapes.append(shape)
    return shapes


def _deactivated(graph: rdflib.Graph, node: Node) -> bool:
    value = graph.value(node, SH.deactivated)
    return value is not None and str(value).lower() == "true"


def _read_shape(graph: rdflib.Graph, node: Node, parent: Shape | None, depth: int = 0) -> Shape:
    severity = graph.value(node, SH.severity)
    shape = Shape(node=node, severity=severity if severity in SEVERITIES else SH.Violation, parent=parent)
    for message in graph.objects(node, SH.message):
        language = getattr(message, "language", None) or ""
        shape.messages.setdefault(language, str(message))
    path = graph.value(node, SH.path)
    if path is not None:
        shape.path = path
        shape.path_sparql = path_to_sparql(graph, path)
    for predicate, component in COMPONENTS.items():
        for value in graph.objects(node, predicate):
            shape.constraints.append(_read_constraint(graph, node, predicate, component, value, depth))
    if path is None:
        for property_node in graph.objects(node, SH.property):
            if not _deactivated(graph, property_node):
                shape.properties.append(_read_shape(graph, property_node, shape, depth))
    return shape


#: How deep sh:node and sh:or shapes are read for the SPARQL engine; deeper ones (or cycles) go to pyshacl.
MAX_MEMBER_DEPTH = 3


def _read_constraint(graph: rdflib.Graph, node: Node, predicate: Node, component: str, value: Node, depth: int) -> Constraint:
    if predicate in (SH["or"], SH.node):
        alternatives = tuple(Collection(graph, value)) if predicate == SH["or"] else (value,)
        members = ()
        if depth < MAX_MEMBER_DEPTH:
            members = tuple(_read_shape(graph, member, None, depth + 1) for member in alternatives)
        return Constraint(component, alternatives if predicate == SH["or"] else value, members=members)
    if predicate in (SH["in"], SH.languageIn, SH["and"], SH.xone):
        return Constraint(component, tuple(Collection(graph, value)))
    if predicate == SH.pattern:
        flags = graph.value(node, SH.flags)
        return Constraint(component, value, str(flags) if flags is not None else "")
    return Constraint(component, value)


def path_to_sparql(graph: rdflib.Graph, path: Node) -> str:
    """Write a SHACL property path in SPARQL property path syntax.

    Raises ShapesError for a path node that is not a SHACL path.
    """
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in graph:
        return "(" + "/".join(path_to_sparql(graph, step) for step in Collection(graph, path)) + ")"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_to_sparql(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_to_sparql(graph, step) for step in Collection(graph, alternatives)) + ")"
    for predicate, operator in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return "(" + path_to_sparql(graph, inner) + ")" + operator
    raise ShapesError(f"{path} is not a valid SHACL property path")
