"""Declarative mappings: a SPARQL CONSTRUCT over a source facade, with a header.

A mapping file starts with `# key: value` comment lines:

- `mapping`: its name; `source`: what it reads; `format`: csv, json or rdf;
- `encoding`, `delimiter` (csv), `pointer` (json): the dialect, when fixed;
- `graph`: the target named graph, relative to the base URI;
- `required`: comma-separated columns that the header must have;
- `check`: `FIELD REGEX`, repeated; a record whose field is missing or does
  not match is reported and left out.

The query runs with the base IRI `{base_uri}/`, so `<id/commune/>` and
`IRI(CONCAT("id/commune/", ?code))` mint IRIs under the configured base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pyoxigraph import RdfFormat, Store, Triple

from graph.facade import Record, facade_ntriples
from graph.settings import PROJECT_ROOT

MAPPINGS_DIR = PROJECT_ROOT / "mappings"
_HEADER_LINE = re.compile(r"#\s*([a-z-]+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file."""

    path: Path
    name: str
    query: str
    format: str
    source: str = ""
    graph: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    pointer: str = ""
    required: tuple[str, ...] = ()
    checks: dict[str, re.Pattern[str]] = field(default_factory=dict)


def load_mapping(name_or_path: str | Path) -> Mapping:
    """Read a mapping by file name (in `mappings/`) or path.

    Raises ValueError naming the file when its header is incomplete.
    """
    path = Path(name_or_path)
    if not path.is_absolute() and not path.exists():
        path = MAPPINGS_DIR / path
    if path.suffix != ".rq":
        path = path.with_suffix(".rq")
    text = path.read_text("utf-8")

    header: dict[str, str] = {}
    checks: dict[str, re.Pattern[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "check":
            field_name, _, pattern = value.partition(" ")
            checks[field_name] = re.compile(pattern.strip())
        else:
            header[key] = value

    for key in ("mapping", "format", "graph"):
        if key not in header:
            raise ValueError(f"{path}: the header misses `# {key}: …`")
    delimiter = header.get("delimiter")
    return Mapping(
        path=path,
        name=header["mapping"],
        query=text,
        format=header["format"],
        source=header.get("source", ""),
        graph=header["graph"],
        encoding=header.get("encoding") or None,
        delimiter={"tab": "\t", "auto": None}.get(delimiter, delimiter) if delimiter else None,
        pointer=header.get("pointer", ""),
        required=tuple(c.strip() for c in header.get("required", "").split(",") if c.strip()),
        checks=checks,
    )


def run_mapping(mapping: Mapping, records: Iterable[Record], base_uri: str) -> list[Triple]:
    """Lift records through the mapping and return the constructed triples."""
    facade = Store()
    facade.load(facade_ntriples(records), format=RdfFormat.N_TRIPLES)
    return run_query_mapping(mapping, facade, base_uri)


def run_query_mapping(mapping: Mapping, facade: Store, base_uri: str) -> list[Triple]:
    """Run the mapping's CONSTRUCT over a prepared facade store."""
    return list(facade.query(mapping.query, base_iri=base_uri.rstrip("/") + "/"))
