"""Generic RDF facades of tabular and JSON sources, for the SPARQL mappings.

Each CSV row or JSON record becomes a blank node of type `f:Record` with one
property per column or key, `f:{name}` (name percent-encoded), whose values
are plain string literals: nothing is cast here, so `01001` and `2A004`
keep their form. JSON objects become nested blank nodes, and JSON arrays
repeat the property. Every record also carries `f:line` (CSV line number,
header = line 1) or `f:index` (position in the JSON array, from 0).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from graph.i18n import N_
from graph.report import Problem, Severity, SourceError

FACADE = "urn:datatheque:facade:"
RECORD = NamedNode(FACADE + "Record")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LINE = NamedNode(FACADE + "line")
INDEX = NamedNode(FACADE + "index")

ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass
class Record:
    """One row or record of a source: its fields and where it was found."""

    fields: dict[str, Any]
    location: str
    line: int | None = None
    index: int | None = None


def column(name: str) -> NamedNode:
    """Return the facade property of a column or key.

    >>> column("COLL_SIRET").value
    'urn:datatheque:facade:COLL_SIRET'
    >>> column("code postal").value
    'urn:datatheque:facade:code%20postal'
    """
    return NamedNode(FACADE + quote(name, safe=""))


def decode(data: bytes, path: str, source: str, encoding: str | None = None) -> str:
    """Decode bytes as the given encoding, or as UTF-8 then Windows-1252.

    A UTF-8 byte order mark is dropped. Raises SourceError when no encoding fits.
    """
    for candidate in (encoding,) if encoding else ENCODINGS:
        try:
            return data.decode("utf-8-sig" if candidate.lower() in ("utf-8", "utf8") else candidate)
        except (UnicodeDecodeError, LookupError) as error:
            last_error = error
    raise SourceError(
        Problem(
            "encoding",
            source,
            N_("%(path)s cannot be decoded as %(encodings)s: %(error)s"),
            location=path,
            fix=N_("Save the file as UTF-8, or set its `encoding` option in the source declaration."),
            params={"path": path, "encodings": encoding or " or ".join(ENCODINGS), "error": str(last_error)},
        )
    )


def sniff_delimiter(header_line: str) -> str:
    """Return the delimiter of a CSV header: `;`, `,` or a tab, whichever is most used.

    >>> sniff_delimiter("a;b;c")
    ';'
    """
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=counts.__getitem__)


def csv_records(
    text: str,
    path: str,
    source: str,
    delimiter: str | None = None,
    required: Iterable[str] = (),
) -> Iterator[Record]:
    """Yield the rows of a CSV text as records, with their line numbers.

    Raises SourceError when a required column is missing from the header.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = delimiter or sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        header = []
    missing = [name for name in required if name not in header]
    if missing:
        raise SourceError(
            Problem(
                "csv-header",
                source,
                N_("%(path)s line 1: missing columns %(missing)s; the header has %(header)s"),
                location=f"{path}:1",
                fix=N_("Rename the columns as the format requires, or check the delimiter (`delimiter` option)."),
                params={"path": path, "missing": ", ".join(missing), "header": ", ".join(header) or "nothing"},
            )
        )
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        fields = {name: value for name, value in zip(header, row) if name}
        if len(row) != len(header):
            fields["__width__"] = f"{len(row)}/{len(header)}"
        yield Record(fields, f"{path}:{line}", line=line)


def json_records(text: str, path: str, source: str, pointer: str = "") -> Iterator[Record]:
    """Yield the objects of a JSON array, found at a JSON pointer, as records.

    Raises SourceError when the text is not JSON or the pointer finds no array.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(
            Problem(
                "json-syntax",
                source,
                N_("%(path)s line %(line)s column %(column)s: invalid JSON: %(error)s"),
                location=f"{path}:{error.lineno}",
                fix=N_("The file is truncated or not JSON: download it again."),
                params={"path": path, "line": str(error.lineno), "column": str(error.colno), "error": error.msg},
            )
        ) from None
    for part in [p for p in pointer.split("/") if p]:
        document = document.get(part) if isinstance(document, dict) else None
    if not isinstance(document, list):
        raise SourceError(
            Problem(
                "json-shape",
                source,
                N_("%(path)s: expected a JSON array at %(pointer)s"),
                location=path,
                fix=N_("Check that the file is the one the source declares."),
                params={"path": path, "pointer": pointer or "/"},
            )
        )
    for index, item in enumerate(document):
        if isinstance(item, dict):
            yield Record(item, f"{path}#/{pointer.strip('/') + '/' if pointer.strip('/') else ''}{index}", index=index)


def _literal_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _object_quads(subject: BlankNode, fields: dict[str, Any], out: list[Quad]) -> None:
    for name, value in fields.items():
        predicate = column(name)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, dict):
                child = BlankNode()
                out.append(Quad(subject, predicate, child))
                _object_quads(child, item, out)
            elif isinstance(item, list):
                continue
            else:
                out.append(Quad(subject, predicate, Literal(_literal_text(item))))


_NTRIPLES_ESCAPES = str.maketrans({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"})


def facade_ntriples(records: Iterable[Record]) -> bytes:
    """Return the facade of records as N-Triples, the same graph as `facade_quads`.

    Writing text and letting pyoxigraph parse it costs about half the CPU
    time of creating one Python term object per value, which matters for the
    national files (37,590 communes give 0.5 M facade triples). N-Triples
    strings must escape only `"`, `\\`, LF and CR; a lone surrogate, which
    UTF-8 cannot encode, becomes `?`.

    >>> print(facade_ntriples([Record({"code": "01001", "postcodes": ["01400"]}, "x#/0", index=0)]).decode())
    _:r1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:datatheque:facade:Record> .
    _:r1 <urn:datatheque:facade:index> "0" .
    _:r1 <urn:datatheque:facade:code> "01001" .
    _:r1 <urn:datatheque:facade:postcodes> "01400" .
    <BLANKLINE>
    """
    lines: list[str] = []
    predicates: dict[str, str] = {}
    counter = 0

    def write_fields(node: str, fields: dict[str, Any]) -> None:
        nonlocal counter
        for name, value in fields.items():
            predicate = predicates.get(name)
            if predicate is None:
                predicate = predicates[name] = f"<{column(name).value}>"
            for item in value if isinstance(value, list) else (value,):
                if item is None or isinstance(item, list):
                    continue
                if isinstance(item, dict):
                    counter += 1
                    child = f"_:r{counter}"
                    lines.append(f"{node} {predicate} {child} .")
                    write_fields(child, item)
                else:
                    text = item if type(item) is str else _literal_text(item)
                    lines.append(f'{node} {predicate} "{text.translate(_NTRIPLES_ESCAPES)}" .')

    record_type = f"<{RDF_TYPE.value}> <{RECORD.value}> ."
    for record in records:
        counter += 1
        node = f"_:r{counter}"
        lines.append(f"{node} {record_type}")
        if record.line is not None:
            lines.append(f'{node} <{LINE.value}> "{record.line}" .')
        if record.index is not None:
            lines.append(f'{node} <{INDEX.value}> "{record.index}" .')
        write_fields(node, record.fields)
    lines.append("")
    return "\n".join(lines).encode("utf-8", errors="replace")


def facade_quads(records: Iterable[Record]) -> list[Quad]:
    """Return the facade of records as quads in the default graph."""
    quads: list[Quad] = []
    for record in records:
        node = BlankNode()
        quads.append(Quad(node, RDF_TYPE, RECORD))
        if record.line is not None:
            quads.append(Quad(node, LINE, Literal(str(record.line))))
        if record.index is not None:
            quads.append(Quad(node, INDEX, Literal(str(record.index))))
        _object_quads(node, record.fields, quads)
    return quads


def check_record(record: Record, checks: dict[str, re.Pattern[str]], source: str) -> Problem | None:
    """Return a problem when a field of the record breaks its pattern or is missing."""
    for name, pattern in checks.items():
        value = record.fields.get(name)
        if value is None or value == "":
            return Problem(
                "missing-field",
                source,
                N_("%(location)s: the field %(field)s is missing"),
                location=record.location,
                fix=N_("Fill the field, or remove the record."),
                params={"location": record.location, "field": name},
            )
        if isinstance(value, (str, int)) and not pattern.fullmatch(str(value)):
            return Problem(
                "invalid-field",
                source,
                N_("%(location)s: %(field)s = %(value)s does not match the expected form %(pattern)s"),
                location=record.location,
                fix=N_("Correct the value; codes keep their leading zeros (e.g. 01001, 2A004)."),
                params={"location": record.location, "field": name, "value": repr(value), "pattern": pattern.pattern},
            )
    if "__width__" in record.fields:
        return Problem(
            "csv-width",
            source,
            N_("%(location)s: the row has %(width)s cells for the header's columns"),
            location=record.location,
            fix=N_("Check the quoting of cells that contain the delimiter."),
            severity=Severity.WARNING,
            params={"location": record.location, "width": record.fields["__width__"]},
        )
    return None
