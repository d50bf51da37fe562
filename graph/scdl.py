"""Shared reading of SCDL files (Socle commun des données locales): deliberations and budgets.

SCDL files come as authorities publish them: CSV in UTF-8 or Windows-1252,
with `,` or `;`, with or without a byte order mark, or as Opendatasoft JSON
exports whose keys are the SCDL column names in lower case. This module
turns either form into records keyed by the upper-case SCDL names, checks
them in Python (dates, numbers, SIRET), and hands clean string fields to
the SPARQL mapping of each kind.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from graph.facade import Record, csv_records, decode, json_records
from graph.i18n import N_
from graph.mapping import Mapping, run_mapping
from graph.report import Problem, Severity, SourceError
from graph.settings import SourceConfig
from graph.sources import Lifted, read_file

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".csv", ".json")


def input_paths(source: SourceConfig) -> list[Path]:
    """Return the files of a source: its location, or the CSV and JSON files of its directory.

    Raises SourceError when the location contains no such file.
    """
    location = Path(source.location)
    if location.is_dir():
        paths = sorted(path for path in location.iterdir() if path.suffix.lower() in DATA_SUFFIXES)
    else:
        paths = [location]
    if not paths:
        raise SourceError(
            Problem(
                "input-missing",
                source.name,
                N_("%(path)s contains no CSV or JSON file"),
                location=str(location),
                fix=N_("Check the `location` of the source in the configuration."),
                params={"path": str(location)},
            )
        )
    return paths


def read_scdl_records(path: Path, source: SourceConfig, required_columns: tuple[str, ...], result: Lifted) -> Iterator[Record]:
    """Yield the records of one SCDL file with upper-case keys and string values.

    CSV files must have `required_columns` in their header (SourceError
    otherwise); JSON files are arrays of objects, found at the `pointer`
    option. JSON numbers become strings and nulls are dropped.
    """
    data, input_file = read_file(path, source.name)
    result.inputs.append(input_file)
    text = decode(data, str(path), source.name, source.options.get("encoding"))
    if path.suffix.lower() == ".json":
        records = json_records(text, str(path), source.name, source.options.get("pointer", ""))
    else:
        records = csv_records(text, str(path), source.name, source.options.get("delimiter"), required_columns)
    for record in records:
        width = record.fields.pop("__width__", None)
        if width is not None:
            result.problems.append(
                Problem(
                    "csv-width",
                    source.name,
                    N_("%(location)s: the row has %(width)s cells for the header's columns"),
                    location=record.location,
                    fix=N_("Check the quoting of cells that contain the delimiter."),
                    severity=Severity.WARNING,
                    params={"location": record.location, "width": width},
                )
            )
        record.fields = {
            name.strip().upper(): _cell_text(value)
            for name, value in record.fields.items()
            if value is not None and not isinstance(value, (dict, list))
        }
        yield record


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


@dataclass
class RecordProblems:
    """The problems of one record: it is kept unless one of them is a violation."""

    record: Record
    source: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(problem.severity is Severity.VIOLATION for problem in self.problems)

    def missing(self, column: str, severity: Severity = Severity.VIOLATION) -> None:
        """Report an empty required cell."""
        self.problems.append(
            Problem(
                "missing-field",
                self.source,
                N_("%(location)s: the field %(field)s is missing"),
                location=self.record.location,
                fix=N_("Fill the field, or remove the record."),
                severity=severity,
                params={"location": self.record.location, "field": column},
            )
        )

    def invalid(self, column: str, error: ValueError, fix: str, severity: Severity = Severity.VIOLATION) -> None:
        """Report a cell whose value cannot be read, with the parser's message."""
        log.info("%s: %s: %s is invalid: %s", self.source, self.record.location, column, error)
        self.problems.append(
            Problem(
                "invalid-field",
                self.source,
                N_("%(location)s: %(field)s is invalid: %(error)s"),
                location=self.record.location,
                fix=fix,
                severity=severity,
                params={"location": self.record.location, "field": column, "error": str(error)},
            )
        )


def drop_duplicates(records: list[Record], keys: tuple[str, ...], source: str, result: Lifted) -> list[Record]:
    """Return the records whose key fields were not seen before, reporting each later duplicate.

    Two records with one key would mint one IRI with two titles, so only the first is kept.
    """
    first_seen: dict[tuple[str, ...], str] = {}
    kept = []
    for record in records:
        key = tuple(str(record.fields.get(name, "")) for name in keys)
        if key in first_seen:
            result.problems.append(
                Problem(
                    "duplicate-record",
                    source,
                    N_("%(location)s: %(key)s was already given at %(first)s; this record is left out"),
                    location=record.location,
                    fix=N_("Give each record its own identifier, or remove the duplicate."),
                    params={"location": record.location, "key": " ".join(key), "first": first_seen[key]},
                )
            )
            continue
        first_seen[key] = record.location
        kept.append(record)
    return kept


def lift_clean_records(mapping: Mapping, clean: list[Record], base_uri: str, source: str, result: Lifted) -> None:
    """Run a mapping over records already checked and normalised, and add the triples to `result`."""
    started = time.perf_counter()
    result.triples.extend(run_mapping(mapping, clean, base_uri))
    result.records += len(clean)
    if mapping.path not in result.mappings:
        result.mappings.append(mapping.path)
    log.info("%s: %s lifted %d records in %.2f s", source, mapping.name, len(clean), time.perf_counter() - started)
