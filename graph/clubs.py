"""The thematic clubs, their members and their annotations.

Clubs (`clubs`) come from a directory with `clubs.csv` (identifier, name,
theme, description) and `membres.csv` (club, pseudonymous member id, role,
and a public name only when the member chose to publish one). Annotations
(`annotations`) come from CSV or JSON files, one annotation per row, and
become W3C Web Annotations; see graph/annotations.py.

Personal data stays out of the graph: a column that contains e-mail addresses
is dropped and reported, and an e-mail address found in any other cell is
replaced by a placeholder and reported.
"""

from __future__ import annotations

import re
from pathlib import Path

from graph.facade import Record
from graph.i18n import N_
from graph.mapping import load_mapping
from graph.report import Problem, Severity
from graph.scdl import RecordProblems, drop_duplicates, lift_clean_records, read_scdl_records
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, source_kind

THEMES = ("habitat", "habitat-social", "vieillissement")
ROLES = ("animation", "expertise", "membre")
EMAIL_COLUMNS = ("EMAIL", "E-MAIL", "E_MAIL", "MAIL", "COURRIEL", "ADRESSE_ELECTRONIQUE")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_PLACEHOLDER = "[adresse électronique retirée]"
PSEUDONYM = re.compile(r"[a-z0-9][a-z0-9-]{2,39}")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def remove_personal_data(record: Record, source: str, problems: list[Problem]) -> None:
    """Drop e-mail columns and mask e-mail addresses in the other cells of a record, reporting each."""
    for name in [name for name in record.fields if name in EMAIL_COLUMNS]:
        if record.fields.pop(name):
            problems.append(
                Problem(
                    "personal-data",
                    source,
                    N_("%(location)s: the column %(field)s holds an e-mail address; it was dropped and is never published"),
                    location=record.location,
                    fix=N_("Remove the e-mail column from the file: members are identified by their pseudonymous id."),
                    severity=Severity.WARNING,
                    params={"location": record.location, "field": name},
                )
            )
    for name, value in record.fields.items():
        if isinstance(value, str) and EMAIL.search(value):
            record.fields[name] = EMAIL.sub(EMAIL_PLACEHOLDER, value)
            problems.append(
                Problem(
                    "personal-data",
                    source,
                    N_("%(location)s: %(field)s contains an e-mail address; it was masked"),
                    location=record.location,
                    fix=N_("Remove e-mail addresses from the text."),
                    severity=Severity.WARNING,
                    params={"location": record.location, "field": name},
                )
            )


@source_kind("clubs")
def lift_clubs(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift `clubs.csv` and `membres.csv` from the source's directory."""
    directory = Path(source.location)
    result = Lifted()
    clubs: list[Record] = []
    for record in read_scdl_records(directory / "clubs.csv", source, ("IDENTIFIANT", "NOM", "THEME"), result):
        remove_personal_data(record, source.name, result.problems)
        club = _clean_club(record, source.name, result)
        if club is not None:
            clubs.append(club)
    known = {str(club.fields["id"]) for club in clubs}
    members: list[Record] = []
    for record in read_scdl_records(directory / "membres.csv", source, ("CLUB", "MEMBRE", "ROLE"), result):
        remove_personal_data(record, source.name, result.problems)
        member = _clean_member(record, source.name, known, result)
        if member is not None:
            members.append(member)
    clubs = drop_duplicates(clubs, ("id",), source.name, result)
    members = drop_duplicates(members, ("club", "member"), source.name, result)
    lift_clean_records(load_mapping("clubs"), clubs, context.settings.base_uri, source.name, result)
    lift_clean_records(load_mapping("club-members"), members, context.settings.base_uri, source.name, result)
    return result


def _clean_club(record: Record, source: str, result: Lifted) -> Record | None:
    fields = record.fields
    checks = RecordProblems(record, source)
    clean: dict[str, str] = {}
    identifier = fields.get("IDENTIFIANT", "")
    if not identifier:
        checks.missing("IDENTIFIANT")
    elif not SLUG.fullmatch(identifier):
        checks.invalid("IDENTIFIANT", ValueError(f"{identifier!r} is not a slug"), N_("Use lower-case letters, digits and hyphens."))
    else:
        clean["id"] = identifier
    if fields.get("NOM"):
        clean["name"] = fields["NOM"]
    else:
        checks.missing("NOM")
    theme = fields.get("THEME", "")
    if theme in THEMES:
        clean["theme"] = theme
    else:
        checks.invalid("THEME", ValueError(f"{theme!r} is not a club theme"), N_("Use the themes habitat, habitat-social or vieillissement."))
    if fields.get("DESCRIPTION"):
        clean["description"] = fields["DESCRIPTION"]
    else:
        checks.missing("DESCRIPTION", Severity.WARNING)
    result.problems.extend(checks.problems)
    return None if checks.rejected else Record(clean, record.location, line=record.line)


def _clean_member(record: Record, source: str, clubs: set[str], result: Lifted) -> Record | None:
    fields = record.fields
    checks = RecordProblems(record, source)
    clean: dict[str, str] = {}
    club = fields.get("CLUB", "")
    if club in clubs:
        clean["club"] = club
    else:
        checks.invalid("CLUB", ValueError(f"{club!r} is not a club of clubs.csv"), N_("Use the identifier of a club listed in clubs.csv."))
    member = fields.get("MEMBRE", "")
    if PSEUDONYM.fullmatch(member):
        clean["member"] = member
    else:
        checks.invalid(
            "MEMBRE",
            ValueError(f"{member!r} is not a pseudonymous id"),
            N_("Give each member a pseudonymous id of 3 to 40 lower-case letters, digits or hyphens, never a name or an e-mail."),
        )
    role = fields.get("ROLE", "").lower()
    if role in ROLES:
        clean["role"] = role
    else:
        checks.invalid("ROLE", ValueError(f"{role!r} is not a role"), N_("Use the roles animation, expertise or membre."))
    if fields.get("NOM_PUBLIC"):
        clean["publicName"] = fields["NOM_PUBLIC"]
    result.problems.extend(checks.problems)
    return None if checks.rejected else Record(clean, record.location, line=record.line)
