"""Annotations of the clubs as W3C Web Annotations (kind `annotations`).

One row per annotation: identifier, author (pseudonymous member id), club,
target, motivation, text, date, a quality flag, and for an answer the
question it replies to and the saved query that answers it. The target is
an IRI or a short reference (graph/references.py) that the graph built so
far must contain. A remark flagged as about quality whose target is a
dataset (DCAT or Data Cube) is also a `dqv:UserQualityFeedback`.
"""

from __future__ import annotations


from pyoxigraph import NamedNode, Store

from graph.clubs import PSEUDONYM, SLUG, remove_personal_data
from graph.facade import Record
from graph.french_values import parse_french_date
from graph.i18n import N_
from graph.mapping import load_mapping
from graph.references import UnresolvedReference, reference_iri, resolve_reference
from graph.report import Severity
from graph.scdl import RecordProblems, drop_duplicates, input_paths, lift_clean_records, read_scdl_records
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, source_kind

HEADER_COLUMNS = ("IDENTIFIANT", "AUTEUR", "CLUB", "CIBLE", "MOTIVATION", "TEXTE", "DATE")
MOTIVATIONS = ("commenting", "questioning", "assessing", "tagging", "linking", "replying")
DATASET_CLASSES = ("http://www.w3.org/ns/dcat#Dataset", "http://purl.org/linked-data/cube#DataSet")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@source_kind("annotations")
def lift_annotations(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift the club annotation files (CSV or JSON) found at the source's location."""
    result = Lifted()
    mapping = load_mapping("annotations")
    base_uri = context.settings.base_uri
    records = []
    for path in input_paths(source):
        for record in read_scdl_records(path, source, HEADER_COLUMNS, result):
            remove_personal_data(record, source.name, result.problems)
            records.append(record)
    pending = {record.fields.get("IDENTIFIANT", "") for record in records}
    clean = []
    for record in records:
        annotation = clean_annotation(record, source.name, context.store, base_uri, pending, result)
        if annotation is not None:
            clean.append(annotation)
    clean = drop_duplicates(clean, ("id",), source.name, result)
    lift_clean_records(mapping, clean, base_uri, source.name, result)
    return result


def clean_annotation(record: Record, source: str, store: Store, base_uri: str, pending: set[str], result: Lifted) -> Record | None:
    """Check one annotation row and return the mapping's fields, or None when it is rejected."""
    fields = record.fields
    checks = RecordProblems(record, source)
    clean: dict[str, str] = {}

    for column, key, pattern in (("IDENTIFIANT", "id", SLUG), ("AUTEUR", "author", PSEUDONYM), ("CLUB", "club", SLUG)):
        value = fields.get(column, "")
        if not value:
            checks.missing(column)
        elif not pattern.fullmatch(value):
            checks.invalid(column, ValueError(f"{value!r} has an invalid form"), N_("Use lower-case letters, digits and hyphens."))
        else:
            clean[key] = value
    if "club" in clean and not _exists(store, f"{base_uri}/id/club/{clean['club']}"):
        checks.invalid("CLUB", ValueError(f"{clean['club']!r} is not a club of the graph"), N_("Build the clubs source before the annotations, or correct the club."))

    motivation = fields.get("MOTIVATION", "").lower()
    if motivation in MOTIVATIONS:
        clean["motivation"] = motivation
    else:
        checks.invalid("MOTIVATION", ValueError(f"{motivation!r} is not a motivation"), N_("Use commenting, questioning, assessing, tagging, linking or replying."))

    if fields.get("TEXTE"):
        clean["text"] = fields["TEXTE"]
    else:
        checks.missing("TEXTE")
    if fields.get("DATE"):
        try:
            clean["date"] = parse_french_date(fields["DATE"]).isoformat()
        except ValueError as error:
            checks.invalid("DATE", error, N_("Write the date as jj/mm/aaaa (day first) or aaaa-mm-jj."))
    else:
        checks.missing("DATE")

    target = fields.get("CIBLE", "")
    if not target:
        checks.missing("CIBLE")
    else:
        try:
            clean["target"] = resolve_reference(target, store, base_uri)
        except UnresolvedReference as error:
            checks.invalid("CIBLE", error, N_("Write the target as an IRI or a reference such as commune:56260 that the graph contains."))

    _read_reply(fields, clean, checks, base_uri, pending)
    if fields.get("QUALITE", "").lower() in ("oui", "yes", "true", "1") and "target" in clean:
        if _is_dataset(store, clean["target"]):
            clean["quality"] = "true"
        else:
            checks.invalid(
                "QUALITE",
                ValueError(f"the target {clean['target']} is not a dataset"),
                N_("A quality remark targets a dataset; the annotation is kept as a plain comment."),
                Severity.WARNING,
            )

    result.problems.extend(checks.problems)
    return None if checks.rejected else Record(clean, record.location, line=record.line, index=record.index)


def _read_reply(fields: dict[str, str], clean: dict[str, str], checks: RecordProblems, base_uri: str, pending: set[str]) -> None:
    """Read the question an answer replies to (an annotation of the same files) and its saved query."""
    question = fields.get("REPONSE_A", "")
    if question:
        if question in pending:
            clean["inReplyTo"] = question
        else:
            checks.invalid("REPONSE_A", ValueError(f"{question!r} is not an annotation of these files"), N_("Give the identifier of the question this row answers."))
    elif clean.get("motivation") == "replying":
        checks.missing("REPONSE_A")
    query = fields.get("REQUETE", "")
    if query:
        try:
            clean["query"] = reference_iri(query, base_uri)
        except UnresolvedReference as error:
            checks.invalid("REQUETE", error, N_("Write the saved query as an IRI or as query:name."), Severity.WARNING)


def _exists(store: Store, iri: str) -> bool:
    return any(True for _ in store.quads_for_pattern(NamedNode(iri), None, None, None))


def _is_dataset(store: Store, iri: str) -> bool:
    return any(
        True
        for dataset_class in DATASET_CLASSES
        for _ in store.quads_for_pattern(NamedNode(iri), RDF_TYPE, NamedNode(dataset_class), None)
    )


