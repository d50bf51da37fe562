"""Normalise the distributions of a harvested dataset to DCAT-AP 3 (see graph/dcat_normalize.py).

Each distribution gets `{base}/id/distribution/{dataset slug}-{identifier or n}`,
an access URL (the download URL when the source gave only that), its EU file
type and IANA media type, and a licence IRI with a French label (its own, or
the dataset's). A `dcat:accessService` is kept only when it is the
Datathèque's own SPARQL endpoint, because that is the one data service that
the catalogue describes (graph/dcat_export.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, Literal, NamedNode

from graph import dcat_vocabularies as vocab
from graph.dcat_values import plain_text, slugify
from graph.i18n import N_
from graph.report import Severity

if TYPE_CHECKING:
    from graph.dcat_normalize import _DatasetWriter

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SPARQL_PATH = "/sparql"


def sparql_service_iri(base_uri: str) -> str:
    """Return the IRI of the Datathèque's SPARQL endpoint, a `dcat:DataService` of its catalogue.

    >>> sparql_service_iri("http://127.0.0.1:8000")
    'http://127.0.0.1:8000/sparql'
    """
    return base_uri + SPARQL_PATH


def find_licence(writer: "_DatasetWriter", node: object, record: str) -> vocab.Licence | None:
    """Return the licence that a dataset or distribution names in `dct:license` or `dct:rights`."""
    for predicate in (DCT + "license", DCT + "rights"):
        for term in writer.raw.values(node, predicate):
            if isinstance(term, BlankNode):
                texts = [v.value for name in (RDFS + "label", DCT + "title") for v in writer.raw.values(term, name)]
            else:
                texts = [term.value]
            for text in texts:
                licence, assumed = vocab.licence_for(text)
                if licence and assumed:
                    writer.report(
                        "licence-version",
                        N_("%(record)s: the licence %(value)s gives no version; read as %(licence)s"),
                        record,
                        N_("Name the licence with its version, or give its URI."),
                        severity=Severity.INFO,
                        value=repr(text[:80]),
                        licence=licence.label,
                    )
                if licence:
                    return licence
    return None

def write_distributions(writer: "_DatasetWriter", node: object, dataset: NamedNode, slug: str, record: str) -> int:
    """Write the distributions of a dataset and return how many were kept."""
    dataset_licence = find_licence(writer, node, record)
    entries = []
    for term in writer.raw.values(node, DCAT + "distribution"):
        where = f"{record} distribution {term.value if isinstance(term, NamedNode) else '[]'}"
        access = writer.iri_values(term, DCAT + "accessURL", where)
        download = writer.iri_values(term, DCAT + "downloadURL", where)
        if not access and not download:
            writer.report(
                "distribution-without-url",
                N_("%(record)s: the distribution has no valid access or download URL; it is left out"),
                where,
                N_("Give the distribution a dcat:accessURL."),
            )
            continue
        entries.append((download[:1], access[:1] or download[:1], term, where))
    entries.sort(key=lambda entry: (entry[0], entry[1]))

    used: set[str] = set()
    for position, (download, access, term, where) in enumerate(entries, start=1):
        identifiers = [v.value for v in writer.raw.values(term, DCT + "identifier") if isinstance(v, Literal)]
        key = slugify(identifiers[0], 40) if identifiers else str(position)
        if key in used:
            key = f"{key}-{position}"
        used.add(key)
        distribution = NamedNode(f"{writer.context.base_uri}/id/distribution/{slug}-{key}")
        writer.emit(dataset, DCAT + "distribution", distribution)
        writer.emit(distribution, RDF + "type", NamedNode(DCAT + "Distribution"))
        if identifiers:
            writer.emit(distribution, DCT + "identifier", Literal(identifiers[0]))
        writer.emit(distribution, DCAT + "accessURL", NamedNode(access[0]))
        service = sparql_service_iri(writer.context.base_uri)
        if any(value.value == service for value in writer.raw.values(term, DCAT + "accessService")):
            writer.emit(distribution, DCAT + "accessService", NamedNode(service))
        for url in download:
            writer.emit(distribution, DCAT + "downloadURL", NamedNode(url))
        for text, language in writer.texts(term, DCT + "title", where)[:1]:
            writer.emit(distribution, DCT + "title", writer.literal(" ".join(text.split()), language))
        for text, language in writer.texts(term, DCT + "description", where)[:1]:
            if plain_text(text):
                writer.emit(distribution, DCT + "description", writer.literal(plain_text(text), language))
        writer.dates(term, distribution, (DCT + "issued",), DCT + "issued", where)
        writer.dates(term, distribution, (DCT + "modified",), DCT + "modified", where)
        write_format(writer, term, distribution)
        for size in writer.raw.values(term, DCAT + "byteSize")[:1]:
            if size.value.strip().isdigit():
                writer.emit(distribution, DCAT + "byteSize", Literal(size.value.strip(), datatype=NamedNode(XSD + "nonNegativeInteger")))
        licence = find_licence(writer, term, where) or dataset_licence
        if licence:
            writer.emit(distribution, DCT + "license", NamedNode(licence.iri))
            writer.emit(NamedNode(licence.iri), RDF + "type", NamedNode(DCT + "LicenseDocument"))
            writer.emit(NamedNode(licence.iri), RDFS + "label", Literal(licence.label, language="fr"))
    return len(entries)

def write_format(writer: "_DatasetWriter", term: object, distribution: NamedNode) -> None:
    """Write the EU file type and the IANA media type of a distribution, each deduced from the other when missing."""
    media_types = [v.value for v in writer.raw.values(term, DCAT + "mediaType") if not isinstance(v, BlankNode)]
    formats = [v.value for v in writer.raw.values(term, DCT + "format") if not isinstance(v, BlankNode)]
    media_type = next((iri for iri in map(vocab.media_type_iri, media_types) if iri), None)
    file_type = next((iri for iri in map(vocab.file_type_for, formats + media_types) if iri), None)
    if media_type is None and file_type is not None and vocab.file_type_code(file_type) in vocab.MEDIA_TYPES:
        media_type = vocab.IANA_MEDIA_TYPES + vocab.MEDIA_TYPES[vocab.file_type_code(file_type)]
    if media_type:
        writer.emit(distribution, DCAT + "mediaType", NamedNode(media_type))
    if file_type:
        writer.emit(distribution, DCT + "format", NamedNode(file_type))
