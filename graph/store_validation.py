"""`datatheque validate`: validate the source graphs of the served generation and print the reports."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from pyoxigraph import NamedNode, RdfFormat, Store, serialize

from graph.i18n import N_, format_number, ngettext, translate
from graph.quality import quality_quads
from graph.report import Severity, join_fix
from graph.settings import Settings, SettingsError
from graph.store import open_current
from graph.validation import ValidationReport, Validator, load_shapes

log = logging.getLogger(__name__)

FORMATS = ("text", "json", "turtle")
SEVERITY_LABELS = {Severity.VIOLATION: N_("violation"), Severity.WARNING: N_("warning"), Severity.INFO: N_("info")}


def validate_store(settings: Settings, store: Store, sources: list[str] | None = None) -> list[tuple[str, ValidationReport]]:
    """Validate the graph of each source (default: every configured source that has one).

    Raises SettingsError for a requested source without a graph in the store,
    and ValidationSetupError for shapes that cannot be loaded.
    """
    if sources:
        missing = [name for name in sources if not store.contains_named_graph(NamedNode(settings.graph_iri(name)))]
        if missing:
            raise SettingsError(f"no graph in the store for the source(s) {', '.join(missing)}: build them first")
        names = list(sources)
    else:
        names = [s.name for s in settings.sources if store.contains_named_graph(NamedNode(settings.graph_iri(s.name)))]
    validator = Validator(load_shapes(base_uri=settings.base_uri))
    return [(name, validator.validate_graph(store, settings.graph_iri(name))) for name in names]


def open_served_store(settings: Settings) -> Store:
    """Open the served generation read-only. Raises StoreNotBuilt."""
    return open_current(settings.store, read_only=True)


def format_text(reports: list[tuple[str, ValidationReport]], language: str) -> str:
    lines = []
    for name, report in reports:
        checked = len(report.checked)
        violations = report.count(Severity.VIOLATION)
        warnings = report.count(Severity.WARNING)
        infos = report.count(Severity.INFO)
        counts = {
            "checked": ngettext("%(count)s resource checked", "%(count)s resources checked", checked, language, {"count": format_number(checked, language)}),
            "violations": ngettext("%(count)s violation", "%(count)s violations", violations, language, {"count": format_number(violations, language)}),
            "warnings": ngettext("%(count)s warning", "%(count)s warnings", warnings, language, {"count": format_number(warnings, language)}),
            "infos": ngettext("%(count)s info", "%(count)s infos", infos, language, {"count": format_number(infos, language)}),
        }
        lines.append(translate("%(source)s: %(checked)s, %(violations)s, %(warnings)s, %(infos)s", language, {"source": name, **counts}))
        for result in report.results:
            severity = translate(SEVERITY_LABELS[result.severity], language)
            lines.append(f"  [{severity}] {result.focus} {result.path}: {join_fix(result.message(language), result.fix(language), language)}")
    return "\n".join(lines) + "\n"


def format_json(reports: list[tuple[str, ValidationReport]], language: str) -> str:
    document = {
        "conforms": all(report.conforms for _, report in reports),
        "sources": [
            {
                "source": name,
                "graph": report.graph,
                "conforms": report.conforms,
                "checked": len(report.checked),
                "violations": report.count(Severity.VIOLATION),
                "warnings": report.count(Severity.WARNING),
                "infos": report.count(Severity.INFO),
                "results": [
                    {
                        "focus": str(result.focus),
                        "path": result.path,
                        "value": str(result.value) if result.value is not None else None,
                        "severity": result.severity.value,
                        "component": result.component,
                        "shape": result.shape,
                        "message": result.message(language),
                        "fix": result.fix(language),
                    }
                    for result in report.results
                ],
            }
            for name, report in reports
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def format_turtle(settings: Settings, store: Store, reports: list[tuple[str, ValidationReport]]) -> str:
    """Write the SHACL reports and DQV measurements as a build would store them, in Turtle."""
    run_id = "validate-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    triples = []
    for name, report in reports:
        status = "built" if report.conforms else "flagged"
        triples += [quad.triple for quad in quality_quads(settings, store, name, run_id, report, status)]
    prefixes = {"sh": "http://www.w3.org/ns/shacl#", "dqv": "http://www.w3.org/ns/dqv#", "prov": "http://www.w3.org/ns/prov#", "dtq": settings.base_uri + "/def#"}
    return serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
