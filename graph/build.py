"""The build: lift every declared source, validate it, load it, record provenance.

Sources are built in the order of the configuration, into a new store
generation that is published only at the end; see graph/store.py.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from pyoxigraph import NamedNode, Quad, Store

from graph import store as store_module
from graph.provenance import provenance_quads
from graph.report import Problem, Severity, SourceError
from graph.dcat_export import store_self_description
from graph.search_index import build_search_index
from graph.metadata_quality import score_catalog
from graph.settings import Settings, SourceConfig
from graph.sources import LiftContext, Lifted, lift_function
from graph.quality import kept_activity_quads, quality_quads, store_quality
from graph.validation import ValidationReport, Validator, load_shapes

log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    """The outcome of one source in a build: status, counts, duration and problems."""

    name: str
    status: str = "pending"  # "built", "flagged" (published with violations), "failed" or "kept"
    triples: int = 0
    records: int = 0
    duration: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "kept")

    def count(self, severity: Severity) -> int:
        return sum(1 for problem in self.problems if problem.severity is severity)


@dataclass
class BuildReport:
    """The reports of every source of a build, and the generation it published."""

    build_id: str
    sources: list[SourceReport] = field(default_factory=list)
    published: bool = False

    @property
    def failed(self) -> bool:
        return any(source.failed for source in self.sources)


ProgressCallback = Callable[[str, SourceReport], None]

#: Functions run on the new generation after every source is loaded and before
#: it is published: `hook(settings, store, generation_path, report)`. Indexes
#: derived from the graph (search, statistics) register here.
POST_BUILD_HOOKS: list[Callable[[Settings, Store, Path, "BuildReport"], None]] = [
    store_self_description,
    build_search_index,
    score_catalog,
]


def build(
    settings: Settings,
    only: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Build the sources (all, or those named in `only`) and publish a new generation.

    Returns the report; a failing source keeps its previous graph and is
    marked failed. Raises SettingsError for an unknown source name.
    """
    selected = [settings.source(name) for name in only] if only else list(settings.sources)
    report = BuildReport(build_id=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6])
    notify = progress or (lambda event, source_report: None)
    log.info("build %s started: %d sources", report.build_id, len(selected))

    with store_module.write_transaction(settings.store) as (path, store):
        validator = Validator(load_shapes(base_uri=settings.base_uri))
        context = LiftContext(settings, store)
        for source in selected:
            source_report = SourceReport(source.name)
            report.sources.append(source_report)
            notify("start", source_report)
            _build_source(source, context, validator, source_report, report.build_id)
            notify("end", source_report)
        for hook in POST_BUILD_HOOKS:
            hook(settings, store, path, report)
        store.optimize()
    report.published = True
    log.info("build %s finished: %d sources, %d failed", report.build_id, len(selected), sum(s.failed for s in report.sources))
    return report


def _build_source(source: SourceConfig, context: LiftContext, validator: Validator, source_report: SourceReport, build_id: str) -> None:
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    graph = NamedNode(context.settings.graph_iri(source.name))
    log.info("source %s (%s) started from %s", source.name, source.kind, source.location)
    try:
        lifted: Lifted = lift_function(source.kind)(source, context)
    except SourceError as error:
        source_report.problems.append(error.problem)
        source_report.status = "kept" if context.store.contains_named_graph(graph) else "failed"
        source_report.duration = time.perf_counter() - started
        log.error("source %s failed, previous graph kept: %s", source.name, error)
        _record_failure(context, source.name, build_id, source_report)
        return
    except KeyError as error:
        source_report.problems.append(Problem("unknown-kind", source.name, str(error.args[0])))
        source_report.status = "failed"
        log.error("source %s: %s", source.name, error.args[0])
        _record_failure(context, source.name, build_id, source_report)
        return

    source_report.problems.extend(lifted.problems)
    source_report.records = lifted.records
    # The new triples replace the graph in the generation being built, where the
    # validator reads them; a strict source with violations gets its old triples back.
    previous = list(context.store.quads_for_pattern(None, None, None, graph)) if source.strict else []
    context.store.clear_graph(graph)
    context.store.bulk_extend(Quad(t.subject, t.predicate, t.object, graph) for t in lifted.triples)
    validation = validator.validate_graph(context.store, graph.value)
    source_report.problems.extend(result.to_problem(source.name) for result in validation.results)
    violations = validation.count(Severity.VIOLATION)
    if violations and source.strict:
        source_report.status = "kept" if previous else "failed"
        quality = quality_quads(context.settings, context.store, source.name, build_id, validation, source_report.status, lifted.problems)
        if previous:
            context.store.clear_graph(graph)
            context.store.bulk_extend(previous)
        else:
            context.store.remove_graph(graph)
        source_report.duration = time.perf_counter() - started
        context.store.extend(kept_activity_quads(context.settings, source.name, build_id, source_report.status))
        store_quality(context.store, quality)
        log.error("strict source %s has %d violations, previous graph kept", source.name, violations)
        return

    source_report.triples = len(set(lifted.triples))
    source_report.duration = time.perf_counter() - started
    source_report.status = "flagged" if violations else "built"
    quality = quality_quads(context.settings, context.store, source.name, build_id, validation, source_report.status, lifted.problems)
    store_quality(context.store, quality)
    context.store.extend(
        provenance_quads(context.settings, source, lifted, source_report, build_id, started_at)
    )
    log.info(
        "source %s finished: %d triples from %d records in %.2f s, %d problems",
        source.name,
        source_report.triples,
        lifted.records,
        source_report.duration,
        len(source_report.problems),
    )


def _record_failure(context: LiftContext, source_name: str, build_id: str, source_report: SourceReport) -> None:
    """Record a source that could not be lifted in the quality graph: no SHACL result, its problems only."""
    graph = context.settings.graph_iri(source_name)
    nothing_checked = ValidationReport(graph)
    quality = quality_quads(context.settings, context.store, source_name, build_id, nothing_checked, source_report.status, source_report.problems)
    context.store.extend(kept_activity_quads(context.settings, source_name, build_id, source_report.status))
    store_quality(context.store, quality)
