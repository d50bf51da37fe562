"""Normalise harvested DCAT (any profile, any source kind) to DCAT-AP 3 under our own IRIs.

Every source kind of datasets (`dcat`, `udata`, `dataset-register`) first
produces raw DCAT triples as the source wrote them, then calls
`normalize_catalog`. For each `dcat:Dataset` it writes:

- `{base}/id/dataset/{source}-{slug}` with the source's `dct:identifier`
  (a literal, kept as is) and the source's own IRI as an `adms:identifier`;
- `dct:title`, `dct:description` (HTML reduced to text) and `dcat:keyword`
  as French literals unless the source tagged another language;
- `dct:issued`/`dct:modified` as `xsd:date` or `xsd:dateTime`, and
  `dct:temporal` as a blank `dct:PeriodOfTime` with `dcat:startDate`/`endDate`;
- frequency, language, themes and file types as EU authority IRIs, licences
  as IRIs with a French label, the publisher as a `foaf:Agent` with a name,
  and `dct:spatial` linked to the territories of the graph;
- `{base}/id/distribution/{dataset slug}-{n}` distributions, each with an
  `dcat:accessURL` (the download URL when the source gave only that).

Bad records are reported as problems, and some are repaired. An invalid
language tag becomes its primary subtag when that is valid (`fr_FR` gives
`fr`), and is dropped otherwise. A missing description becomes the title,
and a missing identifier becomes the dataset's IRI. Values left out (the record goes on):
a date that does not parse, a relative or invalid IRI, an unknown frequency,
format or language. Records left out: a dataset without title, or without
identifier and IRI; a distribution without any valid URL.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph import dcat_vocabularies as vocab
from graph.dcat_spatial import TerritoryIndex
from graph.dcat_distributions import write_distributions
from graph.dcat_values import LANGUAGE_TAG, identifier_slug, parse_date, plain_text, slugify, valid_iri
from graph.i18n import N_
from graph.report import Problem, Severity
from graph.sources import Lifted

log = logging.getLogger(__name__)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ADMS = "http://www.w3.org/ns/adms#"
SCHEMA = "http://schema.org/"
TYPE = NamedNode(RDF + "type")

@dataclass
class NormalizeContext:
    """The source, base URI and territories that normalisation uses besides the raw triples."""

    source: str
    base_uri: str
    territories: TerritoryIndex
    #: Publisher name used when neither the dataset nor its catalogue names one.
    default_publisher: str | None = None


@dataclass
class _Graph:
    """The raw triples, indexed by subject then predicate IRI."""

    index: dict[object, dict[str, list[object]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def add(self, triple: Triple) -> None:
        values = self.index[triple.subject][triple.predicate.value]
        # CONSTRUCT results and merged pages repeat triples; a value is kept once.
        if triple.object not in values:
            values.append(triple.object)

    def values(self, node: object, predicate: str) -> list[object]:
        return self.index.get(node, {}).get(predicate, [])

    def subjects_of_type(self, class_iri: str) -> list[object]:
        target = NamedNode(class_iri)
        return [subject for subject, properties in self.index.items() if target in properties.get(RDF + "type", [])]


class _DatasetWriter:
    """Normalises one dataset, appending triples to `out` and problems to `problems`."""

    def __init__(self, raw: _Graph, context: NormalizeContext, location: str, out: list[Triple], problems: list[Problem]) -> None:
        self.raw = raw
        self.context = context
        self.location = location
        self.out = out
        self.problems = problems

    # -- reporting and small helpers -----------------------------------------------------

    def report(self, code: str, message: str, record: str, fix: str, severity: Severity = Severity.WARNING, **params: str) -> None:
        self.problems.append(
            Problem(code, self.context.source, message, location=record, fix=fix, severity=severity, params={"record": record, **params})
        )

    def emit(self, subject: object, predicate: str, value: object) -> None:
        self.out.append(Triple(subject, NamedNode(predicate), value))

    def texts(self, node: object, predicate: str, record: str) -> list[tuple[str, str | None]]:
        """Return the literal values of a property with valid language tags, repairing invalid ones."""
        values = []
        for term in self.raw.values(node, predicate):
            if not isinstance(term, Literal):
                continue
            language = term.language
            if language and not LANGUAGE_TAG.match(language):
                primary = re.split(r"[-_]", language)[0].lower()
                repaired = primary if re.fullmatch(r"[a-z]{2,3}", primary) else None
                self.report(
                    "invalid-language-tag",
                    N_("%(record)s: %(property)s has the invalid language tag %(tag)s; it is read as %(repaired)s")
                    if repaired
                    else N_("%(record)s: %(property)s has the invalid language tag %(tag)s; the tag is dropped"),
                    record,
                    N_("Write language tags as BCP 47 codes, such as fr or fr-FR."),
                    property=predicate.rsplit("/", 1)[-1],
                    tag=repr(language),
                    repaired=repr(repaired),
                )
                language = repaired
            values.append((term.value, language))
        return values

    def literal(self, text: str, language: str | None) -> Literal:
        return Literal(text, language=(language or "fr").lower())

    def iri_values(self, node: object, predicate: str, record: str) -> list[str]:
        """Return the IRIs of a property (IRIs, or literals holding one); invalid ones are reported."""
        iris = []
        for term in self.raw.values(node, predicate):
            if isinstance(term, BlankNode):
                continue
            value = term.value.strip()
            if valid_iri(value):
                iris.append(value)
            else:
                self.report(
                    "invalid-iri",
                    N_("%(record)s: %(property)s = %(value)s is not an absolute IRI; the value is left out"),
                    record,
                    N_("Write the full address, with its scheme and host (https://…)."),
                    property=predicate.rsplit("/", 1)[-1],
                    value=repr(value),
                )
        return iris

    def dates(self, node: object, subject: object, predicates: tuple[str, ...], target: str, record: str) -> None:
        for predicate in predicates:
            for term in self.raw.values(node, predicate):
                if isinstance(term, BlankNode):
                    continue
                parsed = parse_date(term.value)
                if parsed is None:
                    self.report(
                        "invalid-date",
                        N_("%(record)s: %(property)s = %(value)s is not an ISO 8601 date; the value is left out"),
                        record,
                        N_("Write dates as YYYY-MM-DD or YYYY-MM-DDThh:mm:ss."),
                        property=predicate.rsplit("/", 1)[-1],
                        value=repr(term.value),
                    )
                    continue
                self.emit(subject, target, parsed)
                return

    # -- dataset ---------------------------------------------------------------------------

    def write(self, node: object, slug: str, identifier: str, record: str) -> int:
        """Write one dataset and return its number of distributions."""
        base = self.context.base_uri
        dataset = NamedNode(f"{base}/id/dataset/{slug}")
        self.emit(dataset, RDF + "type", NamedNode(DCAT + "Dataset"))
        self.emit(dataset, DCT + "identifier", Literal(identifier))
        if isinstance(node, NamedNode) and valid_iri(node.value) and node.value != dataset.value:
            other = BlankNode()
            self.emit(dataset, ADMS + "identifier", other)
            self.emit(other, RDF + "type", NamedNode(ADMS + "Identifier"))
            self.emit(other, SKOS + "notation", Literal(node.value, datatype=NamedNode(XSD + "anyURI")))

        titles = self.texts(node, DCT + "title", record)
        title, title_language = titles[0]
        self.emit(dataset, DCT + "title", self.literal(" ".join(title.split()), title_language))
        descriptions = [(plain_text(text), language) for text, language in self.texts(node, DCT + "description", record)]
        descriptions = [(text, language) for text, language in descriptions if text]
        if not descriptions:
            self.report(
                "missing-description",
                N_("%(record)s: the dataset has no description; its title is used"),
                record,
                N_("Describe the dataset: what it contains, where it comes from, how it is updated."),
                severity=Severity.INFO,
            )
            descriptions = [(" ".join(title.split()), title_language)]
        self.emit(dataset, DCT + "description", self.literal(*descriptions[0]))

        for text, language in self.texts(node, DCAT + "keyword", record):
            if text.strip():
                self.emit(dataset, DCAT + "keyword", self.literal(text.strip(), language))
        self.dates(node, dataset, (DCT + "issued", DCT + "created"), DCT + "issued", record)
        self.dates(node, dataset, (DCT + "modified", DCT + "updated"), DCT + "modified", record)
        for page in self.iri_values(node, DCAT + "landingPage", record)[:1]:
            self.emit(dataset, DCAT + "landingPage", NamedNode(page))

        self.write_controlled(node, dataset, record)
        self.write_temporal(node, dataset, record)
        self.write_spatial(node, dataset, record)
        self.write_publisher(node, dataset, record)
        self.write_contact(node, dataset, record)
        return write_distributions(self, node, dataset, slug, record)

    def controlled_values(self, node: object, predicate: str) -> list[str]:
        return [term.value for term in self.raw.values(node, predicate) if not isinstance(term, BlankNode)]

    def write_controlled(self, node: object, dataset: NamedNode, record: str) -> None:
        for value in self.controlled_values(node, DCT + "accrualPeriodicity")[:1]:
            iri = vocab.frequency_for(value)
            if iri:
                self.emit(dataset, DCT + "accrualPeriodicity", NamedNode(iri))
            else:
                self.unknown_term(record, "accrualPeriodicity", value, N_("Use a frequency of the EU table, such as ANNUAL or IRREG."))
        for value in self.controlled_values(node, DCT + "language"):
            iri = vocab.language_for(value)
            if iri:
                self.emit(dataset, DCT + "language", NamedNode(iri))
            else:
                self.unknown_term(record, "language", value, N_("Use an ISO 639 language code, such as fr or fra."))
        themes = set()
        for value in self.controlled_values(node, DCAT + "theme"):
            iri = vocab.theme_for(value)
            if iri:
                themes.add(iri)
            elif value.strip():
                # A theme outside the EU table is kept as a keyword, so no value of the source is lost.
                self.emit(dataset, DCAT + "keyword", Literal(value.strip(), language="fr"))
        for iri in sorted(themes):
            self.emit(dataset, DCAT + "theme", NamedNode(iri))

    def unknown_term(self, record: str, property_name: str, value: str, fix: str) -> None:
        self.report(
            "unknown-term",
            N_("%(record)s: %(property)s = %(value)s is not in the EU authority table; the value is left out"),
            record,
            fix,
            severity=Severity.INFO,
            property=property_name,
            value=repr(value),
        )

    def write_temporal(self, node: object, dataset: NamedNode, record: str) -> None:
        for term in self.raw.values(node, DCT + "temporal")[:1]:
            if isinstance(term, Literal):
                start_text, _, end_text = term.value.partition("/")
                bounds = [parse_date(start_text), parse_date(end_text) if end_text else None]
            else:
                bounds = []
                for names in ((DCAT + "startDate", SCHEMA + "startDate"), (DCAT + "endDate", SCHEMA + "endDate")):
                    values = [v for name in names for v in self.raw.values(term, name)]
                    bounds.append(parse_date(values[0].value) if values else None)
            if not any(bounds):
                self.report(
                    "invalid-date",
                    N_("%(record)s: %(property)s = %(value)s is not an ISO 8601 date; the value is left out"),
                    record,
                    N_("Write dates as YYYY-MM-DD or YYYY-MM-DDThh:mm:ss."),
                    property="temporal",
                    value=repr(term.value) if isinstance(term, Literal) else "[]",
                )
                return
            period = BlankNode()
            self.emit(dataset, DCT + "temporal", period)
            self.emit(period, RDF + "type", NamedNode(DCT + "PeriodOfTime"))
            for name, bound in zip(("startDate", "endDate"), bounds):
                if bound is not None:
                    self.emit(period, DCAT + name, bound)

    def write_spatial(self, node: object, dataset: NamedNode, record: str) -> None:
        linked: set[str] = set()
        for term in self.raw.values(node, DCT + "spatial"):
            texts = [term.value] if not isinstance(term, BlankNode) else [
                value.value for name in (RDFS + "label", SKOS + "prefLabel", DCT + "identifier") for value in self.raw.values(term, name)
            ]
            for text in texts:
                iris, outcome = self.context.territories.link(text)
                linked.update(iris)
                if outcome == "ambiguous":
                    self.report(
                        "ambiguous-territory",
                        N_("%(record)s: spatial %(value)s names several territories; it is not linked"),
                        record,
                        N_("Give the INSEE code of the territory instead of its name."),
                        severity=Severity.INFO,
                        value=repr(text),
                    )
        for iri in sorted(linked):
            self.emit(dataset, DCT + "spatial", NamedNode(iri))

    def agent_name(self, term: object) -> str | None:
        if isinstance(term, Literal):
            return term.value.strip() or None
        for name in (FOAF + "name", VCARD + "fn", VCARD + "organization-name", SKOS + "prefLabel", RDFS + "label"):
            for value in self.raw.values(term, name):
                if isinstance(value, Literal) and value.value.strip():
                    return value.value.strip()
        return None

    def write_publisher(self, node: object, dataset: NamedNode, record: str) -> None:
        candidates = list(self.raw.values(node, DCT + "publisher"))
        for catalog in self.raw.subjects_of_type(DCAT + "Catalog"):
            candidates += self.raw.values(catalog, DCT + "publisher")
        for term in candidates:
            name = self.agent_name(term)
            if name:
                keep = isinstance(term, NamedNode) and valid_iri(term.value) and term.value.startswith(("http://", "https://"))
                agent = NamedNode(term.value if keep else f"{self.context.base_uri}/id/agent/{slugify(name)}")
                break
        else:
            if not self.context.default_publisher:
                return
            name = self.context.default_publisher
            agent = NamedNode(f"{self.context.base_uri}/id/agent/{slugify(name)}")
        self.emit(dataset, DCT + "publisher", agent)
        self.emit(agent, RDF + "type", NamedNode(FOAF + "Agent"))
        self.emit(agent, FOAF + "name", Literal(name))
        self.emit(agent, RDFS + "label", Literal(name, language="fr"))

    def write_contact(self, node: object, dataset: NamedNode, record: str) -> None:
        for term in self.raw.values(node, DCAT + "contactPoint")[:1]:
            name = self.agent_name(term)
            emails = [v.value for v in self.raw.values(term, VCARD + "hasEmail")] if not isinstance(term, Literal) else []
            if not name and not emails:
                continue
            contact = BlankNode()
            self.emit(dataset, DCAT + "contactPoint", contact)
            self.emit(contact, RDF + "type", NamedNode(VCARD + "Kind"))
            if name:
                self.emit(contact, VCARD + "fn", Literal(name))
            for email in emails[:1]:
                address = email if email.startswith("mailto:") else "mailto:" + email
                if valid_iri(address):
                    self.emit(contact, VCARD + "hasEmail", NamedNode(address))

def normalize_catalog(triples: list[Triple], location: str, context: NormalizeContext, result: Lifted) -> None:
    """Normalise the datasets of raw DCAT triples into `result` (triples, problems, record count)."""
    raw = _Graph()
    for triple in triples:
        raw.add(triple)
    writer = _DatasetWriter(raw, context, location, result.triples, result.problems)
    seen: dict[str, str] = {}
    datasets = distributions = 0
    for node in sorted(raw.subjects_of_type(DCAT + "Dataset"), key=lambda term: term.value):
        identifiers = [v.value.strip() for v in raw.values(node, DCT + "identifier") if isinstance(v, Literal) and v.value.strip()]
        if isinstance(node, NamedNode):
            record = f"{location} dataset {node.value}"
        elif identifiers:
            record = f"{location} dataset {identifiers[0]}"
        else:
            record = f"{location} dataset without IRI or identifier"
        if not identifiers and isinstance(node, NamedNode) and valid_iri(node.value):
            writer.report(
                "missing-identifier",
                N_("%(record)s: the dataset has no dct:identifier; its IRI is used"),
                record,
                N_("Give every dataset a stable dct:identifier."),
            )
            identifiers = [node.value]
        titles = [v for v in raw.values(node, DCT + "title") if isinstance(v, Literal) and v.value.strip()]
        if not identifiers or not titles:
            missing = "dct:identifier" if not identifiers else "dct:title"
            writer.report(
                "incomplete-dataset",
                N_("%(record)s: the dataset has no %(field)s; it is left out"),
                record,
                N_("Give every dataset a dct:identifier and a dct:title."),
                severity=Severity.VIOLATION,
                field=missing,
            )
            continue
        identifier = identifiers[0]
        slug = identifier_slug(identifier)
        if not slug.startswith(slugify(context.source, 20) + "-"):
            slug = f"{slugify(context.source, 20)}-{slug}"
        if slug in seen and seen[slug] != identifier:
            slug = f"{slug}-{hashlib.sha1(identifier.encode('utf-8')).hexdigest()[:8]}"
        if slug in seen:
            writer.report(
                "duplicate-dataset",
                N_("%(record)s: another dataset has the identifier %(identifier)s; this one is left out"),
                record,
                N_("Give each dataset its own dct:identifier."),
                identifier=repr(identifier),
            )
            continue
        seen[slug] = identifier
        distributions += writer.write(node, slug, identifier, record)
        datasets += 1
    result.records += datasets
    log.info("%s: normalised %d datasets and %d distributions from %s", context.source, datasets, distributions, location)
