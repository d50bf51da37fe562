"""Source kinds: how each kind of declared source is read and lifted.

A kind is a function `lift(source, context) -> Lifted` registered with
`@source_kind("name")`. It raises SourceError when the source cannot be
lifted at all, and reports bad records as problems in the result.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pyoxigraph import Store, Triple

from graph.facade import Record, check_record, csv_records, decode, json_records
from graph.mapping import Mapping, run_mapping
from graph.i18n import N_
from graph.report import Problem, Severity, SourceError
from graph.settings import Settings, SourceConfig

log = logging.getLogger(__name__)

#: Modules that register source kinds; each is imported once, on first use.
KIND_MODULES = ("graph.geo", "graph.stats", "graph.deliberations", "graph.budgets", "graph.skos_schemes", "graph.plans", "graph.clubs", "graph.annotations", "graph.eu_vocabularies", "graph.dcat_harvest", "graph.udata", "graph.register")


@dataclass(frozen=True)
class InputFile:
    """A file or response that a source read, for provenance."""

    location: str
    sha256: str
    retrieved: float
    size: int


@dataclass
class Lifted:
    """The result of lifting one source."""

    triples: list[Triple] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    mappings: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records: int = 0


@dataclass
class LiftContext:
    """Inputs of a lift besides its own source: the settings and the graph built so far."""

    settings: Settings
    store: Store


LiftFunction = Callable[[SourceConfig, LiftContext], Lifted]
_KINDS: dict[str, LiftFunction] = {}


def source_kind(name: str) -> Callable[[LiftFunction], LiftFunction]:
    """Register a lift function under a kind name."""

    def register(function: LiftFunction) -> LiftFunction:
        _KINDS[name] = function
        return function

    return register


def lift_function(kind: str) -> LiftFunction:
    """Return the lift function of a kind. Raises KeyError naming the known kinds."""
    if kind not in _KINDS:
        # A kind module imported on its own (a doctest run, say) fills _KINDS
        # partly, so the modules are imported on any miss, not only when it is empty.
        for module in KIND_MODULES:
            importlib.import_module(module)
    try:
        return _KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown source kind {kind!r}; known kinds: {', '.join(sorted(_KINDS))}") from None


def read_file(path: Path, source: str) -> tuple[bytes, InputFile]:
    """Read a local input file. Raises SourceError when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(
            Problem(
                "input-missing",
                source,
                N_("%(path)s cannot be read: %(error)s"),
                location=str(path),
                fix=N_("Check the `location` of the source in the configuration, or run `datatheque fetch`."),
                params={"path": str(path), "error": error.strerror or str(error)},
            )
        ) from None
    return data, InputFile(str(path), hashlib.sha256(data).hexdigest(), time.time(), len(data))


def lift_records(
    mapping: Mapping,
    data: bytes,
    path: str,
    source: str,
    base_uri: str,
    result: Lifted,
    encoding: str | None = None,
) -> None:
    """Parse a CSV or JSON input with its mapping's dialect, check and lift its records.

    Appends triples and problems to `result`. Records that break a check are
    left out and reported; SourceError is raised when the whole input is unusable.
    """
    text = decode(data, path, source, encoding or mapping.encoding)
    if mapping.format == "csv":
        records = csv_records(text, path, source, mapping.delimiter, mapping.required)
    elif mapping.format == "json":
        records = json_records(text, path, source, mapping.pointer)
    else:
        raise ValueError(f"{mapping.path}: format {mapping.format!r} is not a record format")

    kept: list[Record] = []
    for record in records:
        problem = check_record(record, mapping.checks, source)
        if problem is not None:
            result.problems.append(problem)
            if problem.severity is Severity.VIOLATION:
                continue
        if mapping.format == "json":
            missing = [name for name in mapping.required if name not in record.fields]
            if missing:
                result.problems.append(
                    Problem(
                        "missing-field",
                        source,
                        N_("%(location)s: the field %(field)s is missing"),
                        location=record.location,
                        fix=N_("Fill the field, or remove the record."),
                        params={"location": record.location, "field": ", ".join(missing)},
                    )
                )
                continue
        kept.append(record)

    started = time.perf_counter()
    result.triples.extend(run_mapping(mapping, kept, base_uri))
    result.records += len(kept)
    result.mappings.append(mapping.path)
    log.info("%s: %s lifted %d records in %.2f s", source, mapping.name, len(kept), time.perf_counter() - started)

