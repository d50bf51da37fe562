"""Budget documents in the SCDL format "budget" 0.8.3, as W3C RDF Data Cube observations.

Every `BGT_*` row becomes a `qb:Observation` of the `qb:DataSet` of its
authority, year and stage (mapping `scdl-budget`). Its nature and function
codes become SKOS concepts of the accounting nomenclature that the source
declares (option `nomenclature`: M14, M52, M57…), because the SCDL columns
do not say which nomenclature a file follows.

Real exports are not always strictly valid. A capitalised `BGT_NATDEC` or
an empty chapter or section is reported once per file, and the rows are
kept. A row without a readable SIRET, year, stage, nature or direction is
reported and left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from graph.authorities import AuthorityIndex
from graph.facade import Record
from graph.french_values import parse_french_decimal, siren_of_siret
from graph.i18n import N_
from graph.mapping import load_mapping
from graph.report import Problem, Severity, SourceError
from graph.scdl import RecordProblems, input_paths, lift_clean_records, read_scdl_records
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, source_kind

HEADER_COLUMNS = ("BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NATURE", "BGT_CODRD")

#: SCDL values of BGT_NATDEC (lower case in the schema) → stage code.
STAGES = {
    "budget primitif": "BP",
    "budget supplémentaire": "BS",
    "décision modificative": "DM",
    "compte administratif": "CA",
}

#: Amount columns → facade field read by the mapping.
AMOUNT_COLUMNS = {
    "BGT_MTREAL": "realised",
    "BGT_MTBUDGPREC": "previousBudget",
    "BGT_MTRARPREC": "previousCarryOver",
    "BGT_MTPROPNOUV": "newProposals",
    "BGT_MTPREV": "planned",
    "BGT_CREDOUV": "openCredits",
    "BGT_MTRAR3112": "carryOver",
}

#: Columns that the schema requires but whose absence leaves the line usable;
#: reported once per file with a count.
RECOVERABLE_COLUMNS = ("BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL", "BGT_NATURE_LABEL", "BGT_SECTION", "BGT_OPBUDG")

_CODE = re.compile(r"[0-9A-Z]{1,9}")
_NOMENCLATURE = re.compile(r"M\d{1,2}[A-Z0-9_]*")


@source_kind("scdl-budget")
def lift_budgets(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift SCDL budget CSV files found at the source's location. Raises SourceError without a nomenclature."""
    nomenclature = str(source.options.get("nomenclature", "")).upper()
    if not _NOMENCLATURE.fullmatch(nomenclature):
        raise SourceError(
            Problem(
                "option-missing",
                source.name,
                N_("source %(source)s: the option nomenclature = %(value)s is missing or invalid"),
                location=source.location,
                fix=N_("Add nomenclature = \"M14\" (or M52, M57…) to the source declaration: SCDL budget files do not name it."),
                params={"source": source.name, "value": repr(source.options.get("nomenclature"))},
            )
        )
    result = Lifted()
    mapping = load_mapping("scdl-budget")
    authorities = AuthorityIndex(context.store, context.settings.base_uri)
    for path in input_paths(source):
        reader = BudgetFile(path, source.name, nomenclature, authorities)
        clean = [
            record
            for record in (reader.clean(raw, result) for raw in read_scdl_records(path, source, HEADER_COLUMNS, result))
            if record is not None
        ]
        result.problems.extend(reader.summary())
        lift_clean_records(mapping, clean, context.settings.base_uri, source.name, result)
    return result


class BudgetFile:
    """Checks the rows of one budget file and counts its recoverable defects."""

    def __init__(self, path: Path, source: str, nomenclature: str, authorities: AuthorityIndex) -> None:
        self.path = path
        self.source = source
        self.nomenclature = nomenclature
        self.authorities = authorities
        self.empty: dict[str, list[int]] = defaultdict(list)
        self.stage_spellings: dict[str, list[int]] = defaultdict(list)
        self.labels: dict[tuple[str, str], str] = {}
        self.unknown_sirens: dict[str, list[int]] = defaultdict(list)

    def clean(self, record: Record, result: Lifted) -> Record | None:
        """Return the fields the mapping reads, or None when the row is rejected."""
        fields = record.fields
        checks = RecordProblems(record, self.source)
        clean: dict[str, str] = {"nomenclature": self.nomenclature, "line": str(record.line or record.index)}

        self._read_identity(fields, record, checks, clean)
        self._read_codes(fields, record, checks, clean)
        for column, key in AMOUNT_COLUMNS.items():
            if fields.get(column):
                try:
                    clean[key] = str(parse_french_decimal(fields[column]))
                except ValueError as error:
                    checks.invalid(column, error, N_("Write the amount as a number, e.g. 1 234,56 or 1234.56."), Severity.WARNING)

        result.problems.extend(checks.problems)
        if checks.rejected:
            return None
        return Record(clean, record.location, line=record.line, index=record.index)

    def _read_identity(self, fields: dict[str, str], record: Record, checks: RecordProblems, clean: dict[str, str]) -> None:
        siret = fields.get("BGT_SIRET", "")
        if not siret:
            checks.missing("BGT_SIRET")
        else:
            try:
                clean["siren"] = siren_of_siret(siret)
                clean["siret"] = siret
            except ValueError as error:
                checks.invalid("BGT_SIRET", error, N_("Write the 14-digit SIRET of the authority, as in the SIRENE directory."))
        if "siren" in clean:
            authority = self.authorities.resolve(clean["siren"])
            if authority:
                clean["authority"] = authority
            else:
                self.unknown_sirens[clean["siren"]].append(record.line or 0)

        year = fields.get("BGT_ANNEE", "")
        if re.fullmatch(r"\d{4}", year):
            clean["year"] = year
        elif not year:
            checks.missing("BGT_ANNEE")
        else:
            checks.invalid("BGT_ANNEE", ValueError(f"{year!r} is not a year"), N_("Write the year of the budget as four digits."))

        stage_text = fields.get("BGT_NATDEC", "")
        stage = STAGES.get(stage_text.lower()) or (stage_text.upper() if stage_text.upper() in STAGES.values() else None)
        if stage is None:
            if stage_text:
                checks.invalid(
                    "BGT_NATDEC",
                    ValueError(f"{stage_text!r} is not a budget stage"),
                    N_("Write one of: budget primitif, budget supplémentaire, décision modificative, compte administratif."),
                )
            else:
                checks.missing("BGT_NATDEC")
        else:
            clean["stage"] = stage
            if stage_text not in STAGES:
                self.stage_spellings[stage_text].append(record.line or 0)
        if fields.get("BGT_NOM"):
            clean["name"] = fields["BGT_NOM"]

    def _read_codes(self, fields: dict[str, str], record: Record, checks: RecordProblems, clean: dict[str, str]) -> None:
        for axis, column in (("nature", "BGT_NATURE"), ("function", "BGT_FONCTION")):
            code = fields.get(column, "")
            if not code:
                if axis == "nature":
                    checks.missing(column)
                continue
            if not _CODE.fullmatch(code):
                checks.invalid(column, ValueError(f"{code!r} is not an account code"), N_("Write the code as in the nomenclature, leading zeros kept."))
                continue
            clean[axis] = code
            label = fields.get(f"{column}_LABEL", "")
            if label:
                # The first label met for a code names its concept, so a file
                # that spells one code two ways still gives one label.
                clean[f"{axis}Label"] = self.labels.setdefault((axis, code), label)

        direction = fields.get("BGT_CODRD", "").lower()
        if direction in ("recette", "dépense"):
            clean["direction"] = direction
        elif direction:
            checks.invalid("BGT_CODRD", ValueError(f"{direction!r} is neither recette nor dépense"), N_("Write recette or dépense."))
        else:
            checks.missing("BGT_CODRD")

        for column in RECOVERABLE_COLUMNS:
            if not fields.get(column):
                self.empty[column].append(record.line or 0)
        for column, key in (("BGT_CONTNAT", "chapter"), ("BGT_CONTNAT_LABEL", "chapterLabel"), ("BGT_OPERATION", "operation"), ("BGT_ARTSPE", "specialised")):
            if fields.get(column):
                clean[key] = fields[column]
        operation_kind = fields.get("BGT_OPBUDG", "").lower()
        if operation_kind in ("réel", "ordre"):
            clean["operationKind"] = operation_kind
        section = fields.get("BGT_SECTION", "").lower() or infer_section(clean.get("nature", ""))
        if section in ("investissement", "fonctionnement"):
            clean["section"] = section

    def summary(self) -> list[Problem]:
        """Return one warning per recoverable defect of the file, with its count and first line."""
        problems = []
        path = str(self.path)
        for column, lines in self.empty.items():
            problems.append(
                Problem(
                    "missing-field",
                    self.source,
                    N_("%(path)s: %(field)s is empty on %(count)s rows (first at line %(line)s); the rows are kept"),
                    location=f"{path}:{lines[0]}",
                    fix=N_("Fill the column as the SCDL budget schema requires."),
                    severity=Severity.WARNING,
                    params={"path": path, "field": column, "count": str(len(lines)), "line": str(lines[0])},
                )
            )
        for spelling, lines in self.stage_spellings.items():
            problems.append(
                Problem(
                    "stage-spelling",
                    self.source,
                    N_("%(path)s: BGT_NATDEC is written %(value)s on %(count)s rows; the schema expects lower case"),
                    location=f"{path}:{lines[0]}",
                    fix=N_("Write the stage in lower case, e.g. budget primitif."),
                    severity=Severity.INFO,
                    params={"path": path, "value": repr(spelling), "count": str(len(lines))},
                )
            )
        for siren, lines in self.unknown_sirens.items():
            problems.append(
                Problem(
                    "unknown-authority",
                    self.source,
                    N_("%(path)s: no commune, EPCI or département of the graph has the SIREN %(siren)s (%(count)s rows)"),
                    location=f"{path}:{lines[0]}",
                    fix=N_("Check BGT_SIRET, or add the authority's territory to the sources built before this one."),
                    severity=Severity.WARNING,
                    params={"path": path, "siren": siren, "count": str(len(lines))},
                )
            )
        return problems


def infer_section(nature: str) -> str:
    """Return the section of a nature code when the file leaves BGT_SECTION empty.

    Accounts of classes 1 to 5 are investment, and so are the reported
    investment balance 001 and the accounts 020, 021 and 024. Classes 6 and 7
    and the accounts 002, 022 and 023 are operating ("fonctionnement").

    >>> infer_section("752"), infer_section("1323"), infer_section("002"), infer_section("")
    ('fonctionnement', 'investissement', 'fonctionnement', '')
    """
    if nature in ("001", "020", "021", "024") or nature[:1] in ("1", "2", "3", "4", "5"):
        return "investissement"
    if nature in ("002", "022", "023") or nature[:1] in ("6", "7"):
        return "fonctionnement"
    return ""
