"""Figures of the communes from INSEE's comparateur de territoires, as RDF Data Cube observations.

The file has one row per commune and postcode, so only the first row of each
code is kept. It uses the codes of the COG of its year: a code that is no
longer a commune actuelle is reported with the commune it now belongs to, then
left out. The territories must be built first, by a source declared before this one.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pyoxigraph import Store

from graph.facade import Record, check_record, csv_records, decode
from graph.i18n import N_
from graph.mapping import load_mapping, run_mapping
from graph.report import Problem, Severity, SourceError
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, read_file, source_kind
from graph.territories import commune_index

log = logging.getLogger(__name__)

CURRENT_CODES_QUERY = """
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?code WHERE { ?commune a igeo:Commune ; igeo:codeINSEE ?code }
"""


def current_commune_codes(store: Store) -> set[str]:
    """Return the INSEE codes of the communes actuelles in any graph of the store."""
    return {solution["code"].value for solution in store.query(CURRENT_CODES_QUERY, use_default_graph_as_union=True)}


@source_kind("insee-stats")
def lift_insee_stats(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift the comparateur CSV file at `source.location`. Raises SourceError."""
    path = Path(source.location)
    mapping = load_mapping("insee-stats")
    data, input_file = read_file(path, source.name)
    result = Lifted(inputs=[input_file])

    current = current_commune_codes(context.store)
    if not current:
        raise SourceError(
            Problem(
                "territories-missing",
                source.name,
                N_("%(source)s needs the territories, but the graph has no commune yet"),
                location=str(path),
                fix=N_("Declare the territories source (kind etalab-geo or insee-cog) before this one in the configuration."),
                params={"source": source.name},
            )
        )
    index = commune_index(context.store, context.settings.base_uri)

    text = decode(data, str(path), source.name, source.options.get("encoding") or mapping.encoding)
    communes: list[Record] = []
    seen: set[str] = set()
    for record in csv_records(text, str(path), source.name, mapping.delimiter, mapping.required):
        problem = check_record(record, mapping.checks, source.name)
        if problem is not None:
            result.problems.append(problem)
            if problem.severity is Severity.VIOLATION:
                continue
        code = record.fields["insee_com"]
        if code in seen:
            continue
        seen.add(code)
        if code not in current:
            result.problems.append(_former_code_problem(source.name, record, code, index.get(code)))
            continue
        communes.append(record)

    started = time.perf_counter()
    result.triples.extend(run_mapping(mapping, communes, context.settings.base_uri))
    result.records = len(communes)
    result.mappings.append(mapping.path)
    log.info(
        "%s: %s lifted %d communes (%d distinct codes) in %.2f s",
        source.name,
        mapping.name,
        len(communes),
        len(seen),
        time.perf_counter() - started,
    )
    return result


def _former_code_problem(source: str, record: Record, code: str, commune: str | None) -> Problem:
    if commune is None:
        return Problem(
            "unknown-commune",
            source,
            N_("%(location)s: the code %(code)s is not a commune of the graph; its figures are left out"),
            location=record.location,
            fix=N_("Check the code, or build the territories of its département."),
            severity=Severity.WARNING,
            params={"location": record.location, "code": code},
        )
    return Problem(
        "former-commune",
        source,
        N_("%(location)s: the commune %(code)s no longer exists (now part of %(commune)s); its figures are left out"),
        location=record.location,
        fix=N_("Use figures published for today's communes to count the commune nouvelle."),
        severity=Severity.INFO,
        params={"location": record.location, "code": code, "commune": commune},
    )
