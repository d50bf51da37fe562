"""Validate lifted triples against the SHACL shapes of `shapes/` with pyshacl."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import rdflib
from pyoxigraph import RdfFormat, Triple, serialize
from pyshacl import validate

from graph.report import Problem, Severity
from graph.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

SHAPES_DIR = PROJECT_ROOT / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
_SEVERITIES = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}


def load_shapes(paths: Iterable[Path] | None = None, base_uri: str = "http://127.0.0.1:8000") -> rdflib.Graph:
    """Parse shape files (default: every `shapes/*.ttl`) into one rdflib graph."""
    shapes = rdflib.Graph()
    for path in sorted(paths or SHAPES_DIR.glob("*.ttl")):
        shapes.parse(path, format="turtle", publicID=base_uri.rstrip("/") + "/")
    return shapes


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """Copy triples into an rdflib graph through N-Triples."""
    graph = rdflib.Graph()
    data = serialize(triples, format=RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def validate_triples(triples: list[Triple], shapes: rdflib.Graph, source: str) -> list[Problem]:
    """Validate triples and return one problem per SHACL result."""
    _, report, _ = validate(to_rdflib(triples), shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    problems = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        messages = list(report.objects(result, SH.resultMessage))
        french = [m for m in messages if getattr(m, "language", None) == "fr"]
        message = str((french or messages or ["SHACL constraint not met"])[0])
        problems.append(
            Problem(
                "shacl",
                source,
                message,
                location=f"<{focus}>" + (f" {path.n3()}" if path is not None else ""),
                severity=_SEVERITIES.get(report.value(result, SH.resultSeverity), Severity.VIOLATION),
                params={},
            )
        )
    log.info("%s: validation found %d problems in %d triples", source, len(problems), len(triples))
    return problems
