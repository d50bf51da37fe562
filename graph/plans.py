"""The register of policy plans: a CSV written by the Datathèque team.

One row per plan, such as a Programme local de l'habitat or a departmental
scheme. Its columns are the identifier, title, type, authority and
territory (references such as `epci:200067932`), first and last year,
themes of the club theme scheme, and the datasets and indicators that
monitor it. A cell with several values separates them with `|`. A monitoring dataset is linked when the graph has a DCAT dataset
with that `dct:identifier`, and kept as a literal reference otherwise.
"""

from __future__ import annotations

import re

from graph.facade import Record
from graph.i18n import N_
from graph.mapping import load_mapping
from graph.references import UnresolvedReference, resolve_reference
from graph.report import Problem, Severity
from graph.scdl import RecordProblems, drop_duplicates, input_paths, lift_clean_records, read_scdl_records
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, source_kind

HEADER_COLUMNS = ("IDENTIFIANT", "TITRE", "COLLECTIVITE", "TERRITOIRE", "DEBUT", "FIN", "THEMES")
THEMES = ("habitat", "habitat-social", "vieillissement")


@source_kind("policy-plans")
def lift_plans(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift the plans register (CSV, `;` or `,`) at the source's location."""
    result = Lifted()
    mapping = load_mapping("policy-plans")
    for path in input_paths(source):
        clean = []
        for record in read_scdl_records(path, source, HEADER_COLUMNS, result):
            plan = clean_plan(record, source.name, context, result)
            if plan is not None:
                clean.append(plan)
        clean = drop_duplicates(clean, ("id",), source.name, result)
        lift_clean_records(mapping, clean, context.settings.base_uri, source.name, result)
    return result


def clean_plan(record: Record, source: str, context: LiftContext, result: Lifted) -> Record | None:
    """Check one plan row and return the mapping's fields, or None when it is rejected."""
    fields = record.fields
    checks = RecordProblems(record, source)
    clean: dict[str, object] = {}
    for column, key in (("IDENTIFIANT", "id"), ("TITRE", "title")):
        if fields.get(column):
            clean[key] = fields[column]
        else:
            checks.missing(column)
    if "id" in clean and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(clean["id"])):
        checks.invalid("IDENTIFIANT", ValueError(f"{clean['id']!r} is not a slug"), N_("Use lower-case letters, digits and hyphens."))
    for column, key in (("TYPE", "type"), ("DESCRIPTION", "description")):
        if fields.get(column):
            clean[key] = fields[column]

    for column, key in (("COLLECTIVITE", "authority"), ("TERRITOIRE", "territory")):
        if not fields.get(column):
            checks.missing(column)
            continue
        try:
            clean[key] = resolve_reference(fields[column], context.store, context.settings.base_uri)
        except UnresolvedReference as error:
            checks.invalid(column, error, N_("Write a reference such as epci:200067932 or departement:56 that the graph contains."))

    for column, key in (("DEBUT", "start"), ("FIN", "end")):
        year = fields.get(column, "")
        if re.fullmatch(r"\d{4}", year):
            clean[key] = year
        elif year:
            checks.invalid(column, ValueError(f"{year!r} is not a year"), N_("Write the year as four digits."), Severity.WARNING)
    if "start" not in clean or "end" not in clean:
        checks.problems.append(
            Problem(
                "period-missing",
                source,
                N_("%(location)s: the period of the plan is incomplete"),
                location=record.location,
                fix=N_("Fill DEBUT and FIN with the years of the adopting deliberation."),
                severity=Severity.INFO,
                params={"location": record.location},
            )
        )

    themes = [theme for theme in fields.get("THEMES", "").split("|") if theme.strip()]
    unknown = [theme for theme in themes if theme.strip() not in THEMES]
    if unknown:
        checks.invalid("THEMES", ValueError(f"unknown themes {', '.join(unknown)}"), N_("Use the themes habitat, habitat-social or vieillissement."), Severity.WARNING)
    clean["theme"] = [theme.strip() for theme in themes if theme.strip() in THEMES]
    _split_datasets(fields.get("JEUX_DE_DONNEES", ""), context, clean)
    clean["indicator"] = [value.strip() for value in fields.get("INDICATEURS", "").split("|") if value.strip()]

    result.problems.extend(checks.problems)
    if checks.rejected:
        return None
    return Record(clean, record.location, line=record.line, index=record.index)


def _split_datasets(text: str, context: LiftContext, clean: dict[str, object]) -> None:
    linked, literal = [], []
    for identifier in (value.strip() for value in text.split("|")):
        if not identifier:
            continue
        try:
            linked.append(resolve_reference(f"dataset:{identifier}", context.store, context.settings.base_uri))
        except UnresolvedReference:
            literal.append(identifier)
    clean["dataset"] = linked
    clean["datasetReference"] = literal
