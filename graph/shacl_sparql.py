"""Compile the simple SHACL Core constraints to SPARQL SELECT queries for pyoxigraph.

Each query returns the `?focus` nodes, and the `?value` nodes when the
constraints are about values, that break constraints of one shape in one
named graph. Terms are compared as RDF terms, so `"x"^^xsd:string` and
`"x"` are the same term, as RDF 1.1 defines. Literals are checked against
their datatype's lexical space by casting them, and `sh:pattern` runs with
the SPARQL `REGEX` function, whose syntax is XPath's (`\\p{L}`, `\\d` as any
Unicode digit), as SHACL specifies.

Constraints that need nested shapes or whole-node comparisons (`sh:node`,
`sh:or`, `sh:closed`, `sh:qualifiedValueShape`…) are left to pyshacl; see
`graph/validation.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import rdflib

from graph.shapes import SH, Constraint, Shape

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

#: Datatypes whose lexical space pyoxigraph checks through its XPath cast functions.
CASTABLE = {
    XSD + name
    for name in ["string", "boolean", "decimal", "integer", "float", "double", "date", "dateTime", "time", "duration", "dayTimeDuration", "yearMonthDuration", "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay"]
}
#: Integer datatypes derived from xsd:integer, with their value range (None: unbounded).
INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    XSD + "nonNegativeInteger": (0, None),
    XSD + "positiveInteger": (1, None),
    XSD + "nonPositiveInteger": (None, 0),
    XSD + "negativeInteger": (None, -1),
    XSD + "long": (-(2**63), 2**63 - 1),
    XSD + "int": (-(2**31), 2**31 - 1),
    XSD + "short": (-(2**15), 2**15 - 1),
    XSD + "byte": (-128, 127),
    XSD + "unsignedLong": (0, 2**64 - 1),
    XSD + "unsignedInt": (0, 2**32 - 1),
    XSD + "unsignedShort": (0, 2**16 - 1),
    XSD + "unsignedByte": (0, 255),
}
NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "!isLiteral(?value)",
    SH.BlankNodeOrLiteral: "!isIRI(?value)",
    SH.IRIOrLiteral: "!isBlank(?value)",
}
COMPARISONS = {
    "MinExclusiveConstraintComponent": ">",
    "MinInclusiveConstraintComponent": ">=",
    "MaxExclusiveConstraintComponent": "<",
    "MaxInclusiveConstraintComponent": "<=",
}


@dataclass(frozen=True)
class CompiledQuery:
    """One SPARQL query that finds the results of some constraints of one shape.

    `kind` is how to read its rows: "focus" (each row is a result of the
    single constraint, with `?value` when the constraint is about values),
    "values" (each row is a value breaking the constraints whose `?broken{i}`
    is true) or "counts" (`?count` values per focus node, for sh:minCount and
    sh:maxCount).
    """

    shape: Shape
    constraints: tuple[Constraint, ...]
    sparql: str
    kind: str


#: Returns the classes whose instances are instances of a class (itself and its subclasses).
SubclassLookup = Callable[[str], list[str]]


def sparql_term(term: object) -> str:
    """Write an rdflib term in SPARQL syntax.

    >>> sparql_term(rdflib.Literal("a\\"b"))
    '"a\\\\"b"'
    >>> sparql_term(rdflib.Literal("chat", lang="fr"))
    '"chat"@fr'
    """
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        text = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^<{term.datatype}>"
        return text
    raise ValueError(f"{term!r} cannot be written in a query: only IRIs and literals can")


def is_compilable(constraint: Constraint) -> bool:
    """Tell whether a constraint compiles to SPARQL (the rest goes to pyshacl)."""
    return value_condition(constraint, "0") is not None or constraint.component in (
        "ClassConstraintComponent",
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "HasValueConstraintComponent",
        "UniqueLangConstraintComponent",
    )


def target_pattern(shape: Shape, graph: str, subclasses: SubclassLookup) -> str:
    """Write the graph pattern that binds `?focus` to each focus node of a node shape in a named graph."""
    parts = []
    for target_class in shape.target_classes:
        classes = " ".join(f"<{iri}>" for iri in subclasses(str(target_class)))
        parts.append(f"VALUES ?focusType {{ {classes} }} GRAPH <{graph}> {{ ?focus {RDF_TYPE} ?focusType }}")
    for node in shape.target_nodes:
        term = sparql_term(node)
        # NOTE: a target node counts only where the graph mentions it, so that it is
        # not reported once per source graph.
        parts.append(f"BIND({term} AS ?focus) FILTER EXISTS {{ GRAPH <{graph}> {{ {{ ?focus ?p ?o }} UNION {{ ?s ?p ?focus }} }} }}")
    for predicate in shape.target_subjects_of:
        parts.append(f"GRAPH <{graph}> {{ ?focus <{predicate}> ?targetObject }}")
    for predicate in shape.target_objects_of:
        parts.append(f"GRAPH <{graph}> {{ ?targetSubject <{predicate}> ?focus }}")
    return " UNION ".join("{ " + part + " }" for part in parts)


def focus_pattern(node_shape: Shape, graph: str, subclasses: SubclassLookup) -> str:
    """Write the pattern that binds each focus node once: the type triple itself for one class without subclasses."""
    only_class = node_shape.target_classes[0] if len(node_shape.target_classes) == 1 else None
    simple = only_class is not None and not (node_shape.target_nodes or node_shape.target_subjects_of or node_shape.target_objects_of)
    if simple and subclasses(str(only_class)) == [str(only_class)]:
        # Inline, so that pyoxigraph chooses the join order; a subquery is evaluated on its own first.
        return f"GRAPH <{graph}> {{ ?focus {RDF_TYPE} <{only_class}> }}"
    return "{ SELECT DISTINCT ?focus WHERE { " + target_pattern(node_shape, graph, subclasses) + " } }"


def compile_shape(node_shape: Shape, shape: Shape, graph: str, subclasses: SubclassLookup) -> list[CompiledQuery]:
    """Compile the compilable constraints of a shape (the node shape itself or one of its property shapes).

    Value constraints share one query and cardinalities another, so each
    path is read from the store once or twice whatever the number of constraints.
    """
    targets = focus_pattern(node_shape, graph, subclasses)
    values = f"GRAPH <{graph}> {{ ?focus {shape.path_sparql} ?value }}" if shape.is_property else "BIND(?focus AS ?value)"
    queries = []
    batched = [c for c in shape.constraints if value_condition(c, "0") is not None]
    if batched:
        binds, flags = [], []
        for index, constraint in enumerate(batched):
            constraint_binds, condition = value_condition(constraint, str(index))
            binds += constraint_binds
            # An expression that raises an error counts as broken, as SHACL defines for comparisons.
            binds.append(f"BIND(COALESCE({condition}, true) AS ?broken{index})")
            flags.append(f"?broken{index}")
        selected = " ".join(flags)
        sparql = f"SELECT ?focus ?value {selected} WHERE {{ {targets} {values} {' '.join(binds)} FILTER({' || '.join(flags)}) }}"
        queries.append(CompiledQuery(shape, tuple(batched), sparql, "values"))

    counts = [c for c in shape.constraints if c.component in ("MinCountConstraintComponent", "MaxCountConstraintComponent")]
    if counts and shape.is_property:
        queries.append(_counts_query(shape, tuple(counts), targets, values))

    for constraint in shape.constraints:
        sparql = _single_query(shape, constraint, targets, values, graph, subclasses)
        if sparql:
            queries.append(CompiledQuery(shape, (constraint,), sparql, "focus"))
    return queries


def _counts_query(shape: Shape, counts: tuple[Constraint, ...], targets: str, values: str) -> CompiledQuery:
    if len(counts) == 1 and counts[0].component == "MinCountConstraintComponent" and int(counts[0].value) == 1:
        # MINUS evaluates the path once for the whole graph. FILTER NOT EXISTS would
        # evaluate it again for each focus node, which is quadratic on long paths in pyoxigraph 0.5.
        sparql = f"SELECT ?focus (0 AS ?count) WHERE {{ {targets} MINUS {{ {values} }} }}"
    else:
        tests = []
        for constraint in counts:
            operator = "<" if constraint.component == "MinCountConstraintComponent" else ">"
            tests.append(f"COUNT(DISTINCT ?value) {operator} {int(constraint.value)}")
        sparql = (
            f"SELECT ?focus (COUNT(DISTINCT ?value) AS ?count) WHERE {{ {targets} OPTIONAL {{ {values} }} }} "
            f"GROUP BY ?focus HAVING ({' || '.join(tests)})"
        )
    return CompiledQuery(shape, counts, sparql, "counts")


def _single_query(shape: Shape, constraint: Constraint, targets: str, values: str, graph: str, subclasses: SubclassLookup) -> str:
    """Write the query of a constraint that is not batched, or "" for a batched one."""
    component = constraint.component
    if component == "ClassConstraintComponent":
        classes = " ".join(f"<{iri}>" for iri in subclasses(str(constraint.value)))
        # Types are looked up in every graph of the store: a resource of one source
        # may point to a resource typed by another (a dataset to its commune).
        return (
            f"SELECT DISTINCT ?focus ?value WHERE {{ {targets} {values} "
            f"MINUS {{ VALUES ?valueType {{ {classes} }} GRAPH ?typeGraph {{ ?value {RDF_TYPE} ?valueType }} }} }}"
        )
    if component == "HasValueConstraintComponent":
        term = sparql_term(constraint.value)
        if shape.is_property:
            return f"SELECT ?focus WHERE {{ {targets} MINUS {{ {values} FILTER(sameTerm(?value, {term})) }} }}"
        return f"SELECT ?focus WHERE {{ {targets} FILTER(!sameTerm(?focus, {term})) }}"
    if component == "UniqueLangConstraintComponent" and shape.is_property and str(constraint.value).lower() == "true":
        other = f"GRAPH <{graph}> {{ ?focus {shape.path_sparql} ?other }}"
        return (
            f"SELECT DISTINCT ?focus (LCASE(LANG(?value)) AS ?language) WHERE {{ {targets} {values} {other} "
            f'FILTER(!sameTerm(?value, ?other) && LANG(?value) != "" && LCASE(LANG(?value)) = LCASE(LANG(?other))) }}'
        )
    return ""


def value_condition(constraint: Constraint, suffix: str) -> tuple[list[str], str] | None:
    """Return the BINDs and the expression true when `?value` breaks a constraint, or None when it needs pyshacl.

    sh:node and sh:or compile when their shapes only hold such value constraints,
    as DCAT-AP's "xsd:date or xsd:dateTime or xsd:gYear" check does.
    """
    if constraint.component in _VALUE_CONDITIONS:
        bind, condition = _VALUE_CONDITIONS[constraint.component](constraint, suffix)
        return ([bind] if bind else []), condition
    if constraint.component not in ("NodeConstraintComponent", "OrConstraintComponent") or not constraint.members:
        return None
    binds, broken_members = [], []
    for position, member in enumerate(constraint.members):
        if member.is_property or member.properties or not member.constraints:
            return None
        parts = []
        for index, inner in enumerate(member.constraints):
            compiled = value_condition(inner, f"{suffix}_{position}_{index}")
            if compiled is None:
                return None
            binds += compiled[0]
            parts.append(f"COALESCE({compiled[1]}, true)")
        broken_members.append("(" + " || ".join(parts) + ")")
    # A value breaks sh:node when it breaks the shape, and sh:or when it breaks every alternative.
    return binds, "(" + " && ".join(broken_members) + ")"


def _datatype_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    datatype = str(constraint.value)
    cast = f"?cast{suffix}"
    mismatch = f"!isLiteral(?value) || DATATYPE(?value) != <{datatype}>"
    if datatype in CASTABLE:
        return f"BIND(<{datatype}>(STR(?value)) AS {cast})", f"({mismatch} || !BOUND({cast}))"
    if datatype in INTEGER_RANGES:
        # pyoxigraph 0.5 stores every integer literal as xsd:integer ("5"^^xsd:int is
        # read back as "5"^^xsd:integer), so an xsd:integer in range is accepted too.
        # NOTE: for the same reason "-5"^^xsd:nonNegativeInteger compares as the integer -5.
        low, high = INTEGER_RANGES[datatype]
        bounds = "".join(f" || {cast} {operator} {limit}" for operator, limit in (("<", low), (">", high)) if limit is not None)
        mismatch = f"!isLiteral(?value) || DATATYPE(?value) NOT IN (<{datatype}>, <{XSD}integer>)"
        return f"BIND(<{XSD}integer>(STR(?value)) AS {cast})", f"({mismatch} || !BOUND({cast}){bounds})"
    # NOTE: other datatypes (xsd:anyURI, rdf:langString…) are checked by datatype IRI only, not by lexical form.
    return "", f"({mismatch})"


def _node_kind_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    return "", f"!({NODE_KINDS[constraint.value]})"


def _in_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    allowed = " || ".join(f"sameTerm(?value, {sparql_term(term)})" for term in constraint.value) or "false"
    return "", f"!({allowed})"


def _pattern_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    pattern = json.dumps(str(constraint.value), ensure_ascii=False)
    flags = json.dumps(constraint.flags)
    return "", f"(isBlank(?value) || !REGEX(STR(?value), {pattern}, {flags}))"


def _language_in_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    ranges = " || ".join(f"langMatches(LANG(?value), {json.dumps(str(tag))})" for tag in constraint.value) or "false"
    return "", f"(!isLiteral(?value) || !({ranges}))"


def _length_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    operator = "<" if constraint.component == "MinLengthConstraintComponent" else ">"
    return "", f"(isBlank(?value) || STRLEN(STR(?value)) {operator} {int(constraint.value)})"


def _comparison_condition(constraint: Constraint, suffix: str) -> tuple[str, str]:
    operator = COMPARISONS[constraint.component]
    # A value that cannot be compared (an IRI, another datatype) breaks the constraint.
    return "", f"!COALESCE(?value {operator} {sparql_term(constraint.value)}, false)"


#: For each batched component: a BIND it needs (or "") and the expression that is true when a value breaks it.
_VALUE_CONDITIONS: dict[str, Callable[[Constraint, str], tuple[str, str]]] = {
    "DatatypeConstraintComponent": _datatype_condition,
    "NodeKindConstraintComponent": _node_kind_condition,
    "InConstraintComponent": _in_condition,
    "PatternConstraintComponent": _pattern_condition,
    "LanguageInConstraintComponent": _language_in_condition,
    "MinLengthConstraintComponent": _length_condition,
    "MaxLengthConstraintComponent": _length_condition,
    **{component: _comparison_condition for component in COMPARISONS},
}
