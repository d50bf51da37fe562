"""Council deliberations in the SCDL format "délibérations" 2.1.5, as documents of their authority.

Each row becomes a `dtq:Deliberation` (mapping `scdl-deliberations`) whose
creator is the commune, EPCI or département found from the SIREN part of
`COLL_SIRET` in the graph built so far. A row is reported and left out
when it lacks an identifier, a readable SIRET, a valid date, an ACTES
subject or a title. Other rows are kept, with their defects reported.
"""

from __future__ import annotations

import re

from graph.authorities import AuthorityIndex
from graph.facade import Record
from graph.french_values import parse_french_date, siren_of_siret
from graph.i18n import N_
from graph.mapping import load_mapping
from graph.report import Problem, Severity
from graph.scdl import RecordProblems, drop_duplicates, input_paths, lift_clean_records, read_scdl_records
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, source_kind

#: Columns that every deliberations CSV header must have (SCDL 2.1.5).
HEADER_COLUMNS = ("COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM", "DELIB_OBJET")
VOTE_COLUMNS = ("VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION")
_SUBJECT_CODE = re.compile(r"[1-9]\.\d{1,2}")


@source_kind("scdl-deliberations")
def lift_deliberations(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift SCDL deliberation files (CSV or Opendatasoft JSON) found at the source's location."""
    result = Lifted()
    mapping = load_mapping("scdl-deliberations")
    authorities = AuthorityIndex(context.store, context.settings.base_uri)
    for path in input_paths(source):
        clean = [
            record
            for record in (
                clean_deliberation(raw, source.name, authorities, result)
                for raw in read_scdl_records(path, source, HEADER_COLUMNS, result)
            )
            if record is not None
        ]
        clean = drop_duplicates(clean, ("siren", "id"), source.name, result)
        lift_clean_records(mapping, clean, context.settings.base_uri, source.name, result)
    return result


def clean_deliberation(record: Record, source: str, authorities: AuthorityIndex, result: Lifted) -> Record | None:
    """Check one deliberation row and return the fields the mapping reads, or None when it is rejected."""
    fields = record.fields
    checks = RecordProblems(record, source)
    clean: dict[str, str] = {}

    for column, key in (("DELIB_ID", "id"), ("DELIB_OBJET", "title")):
        if fields.get(column):
            clean[key] = fields[column]
        else:
            checks.missing(column)

    siret = fields.get("COLL_SIRET", "")
    if not siret:
        checks.missing("COLL_SIRET")
    else:
        try:
            clean["siren"] = siren_of_siret(siret)
        except ValueError as error:
            checks.invalid("COLL_SIRET", error, N_("Write the 14-digit SIRET of the authority, as in the SIRENE directory."))

    if not fields.get("DELIB_DATE"):
        checks.missing("DELIB_DATE")
    else:
        try:
            clean["date"] = parse_french_date(fields["DELIB_DATE"]).isoformat()
        except ValueError as error:
            checks.invalid("DELIB_DATE", error, N_("Write the date as jj/mm/aaaa (day first) or aaaa-mm-jj."))

    subject = fields.get("DELIB_MATIERE_CODE", "")
    if not subject:
        checks.missing("DELIB_MATIERE_CODE")
    elif not _SUBJECT_CODE.fullmatch(subject):
        checks.invalid(
            "DELIB_MATIERE_CODE",
            ValueError(f"{subject!r} is not an ACTES code such as 8.5"),
            N_("Write the ACTES subject as two numbers separated by a dot, e.g. 8.5."),
        )
    else:
        clean["subject"] = restore_subject_code(subject, fields.get("DELIB_MATIERE_NOM", ""))

    for column, key in (("COLL_NOM", "authorityName"), ("DELIB_MATIERE_NOM", "subjectName")):
        if fields.get(column):
            clean[key] = fields[column]
        else:
            checks.missing(column, Severity.WARNING)

    _clean_optional(fields, clean, checks)

    if "siren" in clean:
        authority = authorities.resolve(clean["siren"])
        if authority:
            clean["authority"] = authority
        else:
            checks.problems.append(
                Problem(
                    "unknown-authority",
                    source,
                    N_("%(location)s: no commune, EPCI or département of the graph has the SIREN %(siren)s"),
                    location=record.location,
                    fix=N_("Check COLL_SIRET, or add the authority's territory to the sources built before this one."),
                    severity=Severity.WARNING,
                    params={"location": record.location, "siren": clean["siren"]},
                )
            )

    result.problems.extend(checks.problems)
    if checks.rejected:
        return None
    return Record(clean, record.location, line=record.line, index=record.index)


def _clean_optional(fields: dict[str, str], clean: dict[str, str], checks: RecordProblems) -> None:
    """Copy the optional columns that parse; report the others as warnings and leave them out."""
    for column in VOTE_COLUMNS:
        value = fields.get(column, "")
        if not value:
            continue
        if re.fullmatch(r"\d+", value):
            clean[column] = value
        else:
            checks.invalid(
                column,
                ValueError(f"{value!r} is not a whole number of votes"),
                N_("Write the number of votes as a whole number, or leave the cell empty."),
                Severity.WARNING,
            )
    if fields.get("PREF_DATE"):
        try:
            clean["prefDate"] = parse_french_date(fields["PREF_DATE"]).isoformat()
        except ValueError as error:
            checks.invalid("PREF_DATE", error, N_("Write the date as jj/mm/aaaa (day first) or aaaa-mm-jj."), Severity.WARNING)
    url = fields.get("DELIB_URL", "")
    if url:
        if re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", url):
            clean["url"] = url
        else:
            checks.invalid(
                "DELIB_URL",
                ValueError(f"{url!r} is not an http(s) URL"),
                N_("Write the full address of the act, starting with https://."),
                Severity.WARNING,
            )
    for column, key in (("PREF_ID", "prefId"), ("BUDGET_ANNEE", "budgetYear"), ("BUDGET_NOM", "budgetName")):
        if fields.get(column):
            clean[key] = fields[column]


def restore_subject_code(code: str, name: str) -> str:
    """Return the ACTES code, restoring 7.10 where a JSON export wrote it as the number 7.1.

    Opendatasoft exports store DELIB_MATIERE_CODE as a number, so 7.10
    ("Divers") and 7.1 ("Décisions budgétaires") both arrive as 7.1; 7.10 is
    the only two-digit code of level 2, and its name distinguishes the two.

    >>> restore_subject_code("7.1", "Finances locales/Divers")
    '7.10'
    >>> restore_subject_code("7.1", "Finances locales/Decisions budgetaires")
    '7.1'
    """
    if code == "7.1" and name.rsplit("/", 1)[-1].strip().lower().startswith("divers"):
        return "7.10"
    return code

