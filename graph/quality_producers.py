"""The producers of a source build: who published each resource checked, and the key of their quality page.

A resource's producer is its `dct:publisher`, or the publisher of the
dataset it is a distribution of. The other resources belong to the source
itself, and so do the problems found while lifting the source's files.

A producer's key names its page `/qualite/{key}`: a slug of its name
(`foaf:name`, `skos:prefLabel`, `rdfs:label`), else of its IRI. Keys are
unique: the name of a source is kept for the source, and a key already
given to another producer in the quality graph gets a suffix from the
IRI. A producer keeps its key from build to build while its name stays.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from pyoxigraph import Store

from graph.validation import ValidationReport

DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
NAMES = (
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
)


@dataclass
class Producer:
    """The publisher of a set of resources: a `dct:publisher`, or the source itself when none is given."""

    iri: str
    key: str
    focus_nodes: set[str] = field(default_factory=set)


def slug(text: str) -> str:
    """Return a text as a lowercase ASCII slug, or "" when nothing is left.

    >>> slug("Ville de Vanves")
    'ville-de-vanves'
    >>> slug("Évian-les-Bains : Mairie")
    'evian-les-bains-mairie'
    >>> slug("  ")
    ''
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def producer_key(iri: str) -> str:
    """Return the short name of a producer from its IRI alone: the last segment, as a slug.

    >>> producer_key("https://www.data.gouv.fr/organizations/ville-de-vanves/")
    'ville-de-vanves'
    >>> producer_key("http://127.0.0.1:8000/id/organisation/21560046100010")
    '21560046100010'
    >>> producer_key("http://example.org/agent/OSU%20OREME")
    'osu-oreme'
    """
    parts = urlsplit(iri)
    segments = [segment for segment in (parts.fragment or parts.path).split("/") if segment]
    return slug(unquote(segments[-1] if segments else parts.netloc)) or "producer"


def producer_name(store: Store, iri: str) -> str:
    """Return the name of a producer from any graph of the store (French first), or ""."""
    predicates = " ".join(f"<{predicate}>" for predicate in NAMES)
    rows = store.query(
        f"SELECT ?name WHERE {{ VALUES ?predicate {{ {predicates} }} GRAPH ?g {{ <{iri}> ?predicate ?name }} "
        f'FILTER(isLiteral(?name)) }} ORDER BY DESC(LANG(?name) = "fr") ?name LIMIT 1'
    )
    for row in rows:
        return row["name"].value
    return ""


class ProducerKeys:
    """Gives each producer a unique key, from the keys already in the quality graph and the source names."""

    def __init__(self, store: Store, quality_graph: str, key_predicate: str, source_names: set[str]) -> None:
        self.store = store
        self.source_names = source_names
        self.owners: dict[str, str] = {}
        rows = store.query(f"SELECT ?producer ?key WHERE {{ GRAPH <{quality_graph}> {{ ?producer <{key_predicate}> ?key }} }}")
        for row in rows:
            self.owners.setdefault(row["key"].value, row["producer"].value)

    def key(self, iri: str) -> str:
        """Return the key of a producer, a slug of its name, made unique with a suffix from its IRI when taken."""
        key = slug(producer_name(self.store, iri)) or producer_key(iri)
        owner = self.owners.get(key)
        if key in self.source_names or (owner is not None and owner != iri):
            key = f"{key}-{hashlib.sha1(iri.encode('utf-8')).hexdigest()[:6]}"
        self.owners[key] = iri
        return key


def find_producers(store: Store, report: ValidationReport, itself: str, source_name: str, keys: ProducerKeys) -> dict[str, Producer]:
    """Group the focus nodes of a report by producer IRI; `itself` is the IRI of the source as a producer."""
    by_focus: dict[str, str] = {}
    rows = store.query(
        f"SELECT ?focus ?publisher WHERE {{ GRAPH <{report.graph}> {{ "
        f"{{ ?focus <{DCT}publisher> ?publisher }} UNION "
        f"{{ ?dataset <{DCAT}distribution> ?focus . ?dataset <{DCT}publisher> ?publisher }} }} FILTER(isIRI(?publisher)) }}"
    )
    for row in rows:
        by_focus.setdefault(str(row["focus"]), row["publisher"].value)
    producers: dict[str, Producer] = {}
    for focus in report.checked:
        iri = by_focus.get(focus, itself)
        if iri not in producers:
            producers[iri] = Producer(iri, source_name if iri == itself else keys.key(iri))
        producers[iri].focus_nodes.add(focus)
    return producers
