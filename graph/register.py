"""The `dataset-register` source kind: a CSV register of datasets kept by hand.

The chair describes its own datasets in one CSV file (see
`mappings/dataset-register.rq` for the columns). Rows are lifted to raw
DCAT by that mapping, then normalised to DCAT-AP 3 like harvested ones.

In the URL cells (`page`, `url`, `sparql`), `{base}` is replaced by the
configured base URI, so a dataset that the Datathèque serves itself is
described at the address where it is served
(`{base}/store?graph={base}/graph/geo`).
"""

from __future__ import annotations

import re
from pathlib import Path

from graph.dcat_harvest import normalize_context
from graph.dcat_normalize import normalize_catalog
from graph.facade import Record, check_record, csv_records, decode
from graph.mapping import load_mapping, run_mapping
from graph.report import Severity
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, read_file, source_kind

#: Columns that hold comma-separated lists.
LIST_COLUMNS = ("mots_cles", "themes", "territoires")
#: Columns that hold URLs, where `{base}` is replaced by the base URI.
URL_COLUMNS = ("page", "url", "sparql")
BASE_PLACEHOLDER = "{base}"


def split_lists(record: Record) -> Record:
    """Return the record with its list cells split into lists of trimmed values.

    >>> split_lists(Record({"themes": "SOCI, REGI", "titre": "a, b"}, "x")).fields
    {'themes': ['SOCI', 'REGI'], 'titre': 'a, b'}
    """
    fields = dict(record.fields)
    for name in LIST_COLUMNS:
        if isinstance(fields.get(name), str):
            fields[name] = [part.strip() for part in re.split(r"[,|]", fields[name]) if part.strip()]
    return Record(fields, record.location, line=record.line, index=record.index)


def expand_base(record: Record, base_uri: str) -> Record:
    """Return the record with `{base}` in its URL cells replaced by the base URI.

    >>> expand_base(Record({"url": "{base}/store?graph={base}/graph/geo", "titre": "{base}"}, "x"), "http://h").fields
    {'url': 'http://h/store?graph=http://h/graph/geo', 'titre': '{base}'}
    """
    fields = dict(record.fields)
    for name in URL_COLUMNS:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].replace(BASE_PLACEHOLDER, base_uri)
    return Record(fields, record.location, line=record.line, index=record.index)


@source_kind("dataset-register")
def lift_register(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift the register's rows as datasets and normalise them to DCAT-AP 3."""
    mapping = load_mapping("dataset-register")
    data, input_file = read_file(Path(source.location), source.name)
    result = Lifted(inputs=[input_file], mappings=[mapping.path])
    text = decode(data, source.location, source.name, source.options.get("encoding") or mapping.encoding)
    records = []
    for record in csv_records(text, source.location, source.name, mapping.delimiter, mapping.required):
        problem = check_record(record, mapping.checks, source.name)
        if problem is not None:
            result.problems.append(problem)
            if problem.severity is Severity.VIOLATION:
                continue
        records.append(split_lists(expand_base(record, context.settings.base_uri)))
    raw = run_mapping(mapping, records, context.settings.base_uri)
    normalize_catalog(raw, source.location, normalize_context(source, context), result)
    return result
