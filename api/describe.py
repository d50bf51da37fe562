"""Read the statements about one resource, ready for a page or an RDF document.

Every read is over the union of the named graphs. Outgoing values and
incoming links are grouped by property. A group of more than PAGE_SIZE
values shows one page of them, so the page of a much-linked resource (a
région, a theme used by thousands of datasets) stays small and fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from api.iri import is_local, page_href
from api.literals import format_literal
from api.vocabulary import Vocabulary, capitalized, pick_text
from graph.search_index import normalize

log = logging.getLogger(__name__)

PAGE_SIZE = 50
#: Largest group of linking resources sorted by label in Python; larger ones are sorted by SPARQL.
PYTHON_SORT_LIMIT = 5000

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
IGEO = "http://rdf.insee.fr/def/geo#"
RDF_TYPE = NamedNode(RDF + "type")
#: Schemes of the IRIs that pages turn into links.
WEB_SCHEMES = ("http://", "https://")
#: Namespace of the media type IRIs of DCAT distributions; a media type is shown without it.
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"

#: Predicates of a resource's preferred label, in order of preference.
LABEL_PREDICATES = tuple(
    NamedNode(iri) for iri in (SKOS + "prefLabel", RDFS + "label", DCT + "title", FOAF + "name", IGEO + "nom")
)
DESCRIPTION_PREDICATES = tuple(
    NamedNode(iri) for iri in (DCT + "description", SKOS + "definition", RDFS + "comment", DCT + "abstract")
)

#: Prefixes for compact property keys in URLs and for RDF documents.
PREFIXES = {
    "rdf": RDF, "rdfs": RDFS, "owl": "http://www.w3.org/2002/07/owl#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": SKOS, "dct": DCT, "dcat": "http://www.w3.org/ns/dcat#", "foaf": FOAF, "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#", "oa": "http://www.w3.org/ns/oa#", "dqv": "http://www.w3.org/ns/dqv#",
    "qb": "http://purl.org/linked-data/cube#", "igeo": IGEO,
}

#: Properties shown first, in this order; the others follow sorted by label.
PROPERTY_ORDER = [
    SKOS + "prefLabel", RDFS + "label", DCT + "title", FOAF + "name", IGEO + "nom", RDF + "type",
    DCT + "description", SKOS + "definition", RDFS + "comment", IGEO + "codeINSEE", DCT + "identifier",
    IGEO + "chefLieu", IGEO + "subdivisionDirecteDe", IGEO + "subdivisionDe",
]
_ORDER = {iri: position for position, iri in enumerate(PROPERTY_ORDER)}


@dataclass
class ValueView:
    """One value of a property, as a page shows it."""

    text: str
    href: str | None = None
    iri: str | None = None
    external: bool = False
    language: str | None = None
    note: str | None = None
    children: list["PropertyGroup"] = field(default_factory=list)


@dataclass
class PropertyGroup:
    """The values of one property (outgoing), or the resources linking with it (incoming)."""

    key: str
    predicate: str
    label: str
    inverse: bool
    values: list[ValueView]
    total: int
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def capitalized_view(view: ValueView) -> ValueView:
    """Return the view of a class with its label capitalised, as pages show types."""
    return replace(view, text=capitalized(view.text))


def compact(iri: str) -> str:
    """Return `prefix:name` for an IRI of a known namespace, else the IRI.

    >>> compact("http://rdf.insee.fr/def/geo#subdivisionDe")
    'igeo:subdivisionDe'
    """
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def site_path(iri: str, base_uri: str) -> str | None:
    """Return the path of a URL of this Datathèque (`/sparql`, `/store?graph=…`), or None for another site's.

    >>> site_path("http://127.0.0.1:8000/store?graph=x", "http://127.0.0.1:8000")
    '/store?graph=x'
    >>> site_path("http://127.0.0.1:8000", "http://127.0.0.1:8000")
    '/'
    >>> site_path("http://127.0.0.1:80001/sparql", "http://127.0.0.1:8000") is None
    True
    """
    if iri == base_uri:
        return "/"
    if iri.startswith(base_uri) and iri[len(base_uri)] in "/?#":
        return iri[len(base_uri):]
    return None


def exists(store: Store, node: NamedNode) -> bool:
    """Tell whether the graph states anything about a resource, as subject or as object."""
    return (
        next(store.quads_for_pattern(node, None, None), None) is not None
        or next(store.quads_for_pattern(None, None, node), None) is not None
    )


def outgoing_triples(store: Store, node: NamedNode | BlankNode) -> list[Triple]:
    """Return the triples whose subject is the node, once each, from every named graph."""
    seen: dict[Triple, None] = {}
    for quad in store.quads_for_pattern(node, None, None):
        seen.setdefault(quad.triple, None)
    return list(seen)


def preferred_label(store: Store, node: NamedNode | BlankNode, language: str) -> str | None:
    """Return the label of a resource by LABEL_PREDICATES, in `language`, else French, else untagged, else any."""
    for predicate in LABEL_PREDICATES:
        texts: dict[str, str] = {}
        for quad in store.quads_for_pattern(node, predicate, None):
            if isinstance(quad.object, Literal):
                texts.setdefault(quad.object.language or "", quad.object.value)
        label = pick_text(texts, language)
        if label:
            return label
    return None


def description_of(store: Store, node: NamedNode, language: str) -> str | None:
    """Return the short description of a resource, if it has one."""
    for predicate in DESCRIPTION_PREDICATES:
        texts = {
            quad.object.language or "": quad.object.value
            for quad in store.quads_for_pattern(node, predicate, None)
            if isinstance(quad.object, Literal)
        }
        text = pick_text(texts, language)
        if text:
            return text
    return None


def types_of(store: Store, node: NamedNode) -> list[str]:
    return sorted({quad.object.value for quad in store.quads_for_pattern(node, RDF_TYPE, None)})


class Describer:
    """Turns terms of the store into ValueViews and PropertyGroups for one request."""

    def __init__(
        self,
        store: Store,
        vocabulary: Vocabulary,
        base_uri: str,
        language: str,
        sort_keys: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> None:
        self.store = store
        self.vocabulary = vocabulary
        self.base_uri = base_uri
        self.language = language
        # Normalized labels of IRIs, read from the search index; without it labels are read here.
        self.sort_keys = sort_keys

    def value(self, term, depth: int = 0) -> ValueView:
        """Return the view of a term: a labelled link, a formatted literal or a nested blank node."""
        if isinstance(term, Literal):
            return ValueView(format_literal(term, self.language), language=term.language)
        if isinstance(term, BlankNode):
            children = self.outgoing_groups(term, {}) if depth == 0 else []
            return ValueView(preferred_label(self.store, term, self.language) or "", children=children)
        iri = term.value
        label = preferred_label(self.store, term, self.language)
        if label is None and iri in self.vocabulary.labels:
            label = self.vocabulary.label(iri, self.language)
        if label is None and iri.startswith(IANA_MEDIA_TYPES):
            label = iri[len(IANA_MEDIA_TYPES):]
        if is_local(iri, self.base_uri) or iri.startswith(self.base_uri + "/def"):
            return ValueView(label or iri, page_href(iri, self.base_uri), iri)
        if next(self.store.quads_for_pattern(term, None, None), None) is not None:
            return ValueView(label or iri, page_href(iri, self.base_uri), iri)
        if not iri.startswith(WEB_SCHEMES):
            # Only web IRIs become links: a `javascript:` IRI in the data must not run in the page.
            return ValueView(label or iri, None, iri)
        path = site_path(iri, self.base_uri)
        if path is not None:
            return ValueView(label or iri, path, iri)
        return ValueView(label or iri, iri, iri, external=True)

    def outgoing_groups(self, node: NamedNode | BlankNode, pages: dict[str, int]) -> list[PropertyGroup]:
        """Group the node's outgoing values by property, ordered for people; big groups are paged by value."""
        by_predicate: dict[str, list] = {}
        for triple in outgoing_triples(self.store, node):
            by_predicate.setdefault(triple.predicate.value, []).append(triple.object)
        groups = []
        for predicate, objects in by_predicate.items():
            key = compact(predicate)
            page = _clamp(pages.get(key, 1), len(objects))
            if len(objects) <= PAGE_SIZE:
                values = sorted((self.value(term) for term in objects), key=lambda view: view.text.casefold())
            else:
                # Sorted by IRI or lexical form (codes come out in order), so only one page needs labels.
                shown = sorted(objects, key=lambda term: term.value)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
                values = [self.value(term) for term in shown]
            if predicate == RDF + "type":
                values = [capitalized_view(view) for view in values]
            groups.append(PropertyGroup(key, predicate, self.vocabulary.label(predicate, self.language), False, values, len(objects), page))
        groups.sort(key=lambda group: (_ORDER.get(group.predicate, len(_ORDER)), group.label.casefold()))
        return groups

    def incoming_groups(self, node: NamedNode, pages: dict[str, int]) -> list[PropertyGroup]:
        """Group the resources that link to the node by property, with counts; each group shows one page."""
        counts = self.store.query(
            f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {node} }} GROUP BY ?p",
            use_default_graph_as_union=True,
        )
        groups = []
        for row in counts:
            predicate, total = row["p"].value, int(row["n"].value)
            key = "^" + compact(predicate)
            page = _clamp(pages.get(key, 1), total)
            subjects, _ = self.linking_subjects(node, NamedNode(predicate), page)
            values = [self.value(subject, depth=1) for subject in subjects]
            groups.append(PropertyGroup(key, predicate, self.vocabulary.label(predicate, self.language), True, values, total, page))
        groups.sort(key=lambda group: (-group.total, group.label.casefold()))
        return groups

    def linking_subjects(self, node: NamedNode, predicate: NamedNode, page: int, of_type: str | None = None) -> tuple[list, int]:
        """Return one page of the subjects of `?s predicate node` (optionally of a class) ordered by label, and their count.

        Up to PYTHON_SORT_LIMIT subjects are sorted here by their label in
        the search index, or by their preferred label when it has none.
        Larger groups are sorted by SPARQL, by any of their labels.
        """
        # SPARQL DISTINCT reads these about twice as fast as iterating quads_for_pattern (pyoxigraph 0.5).
        type_pattern = f"?s a <{of_type}> ." if of_type else ""
        rows = self.store.query(
            f"SELECT DISTINCT ?s WHERE {{ ?s {predicate} {node} . {type_pattern} }}", use_default_graph_as_union=True
        )
        subjects = [row[0] for row in rows]
        total = len(subjects)
        page = _clamp(page, total)
        if total <= PYTHON_SORT_LIMIT:
            ranked = sorted(subjects, key=self._sort_key_function(subjects))
            return ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], total
        labels = "|".join(str(p) for p in LABEL_PREDICATES)
        rows = self.store.query(
            f"""SELECT ?s (MIN(LCASE(STR(?l))) AS ?key) WHERE {{
                  ?s {predicate} {node} . {type_pattern} OPTIONAL {{ ?s {labels} ?l }}
                }} GROUP BY ?s ORDER BY ?key ?s LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}""",
            use_default_graph_as_union=True,
        )
        return [row["s"] for row in rows], total

    def _sort_key_function(self, subjects: list) -> Callable[[object], tuple[str, str]]:
        iris = [s.value for s in subjects if isinstance(s, NamedNode)]
        keys = self.sort_keys(iris) if self.sort_keys is not None else {}

        def key(subject) -> tuple[str, str]:
            label = keys.get(subject.value) if isinstance(subject, NamedNode) else None
            if label is None:
                label = normalize(preferred_label(self.store, subject, self.language) or str(subject))
            return label, str(subject)

        return key

    def values_linking(self, node: NamedNode, predicate: str, of_type: str | None, page: int) -> tuple[list[ValueView], int]:
        """Return one page of the subjects of `?s predicate node` (optionally of a class) as values, and their count."""
        subjects, total = self.linking_subjects(node, NamedNode(predicate), page, of_type)
        return [self.value(subject, depth=1) for subject in subjects], total


def _clamp(page: int, total: int) -> int:
    last = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 1), last)


def document_triples(store: Store, node: NamedNode) -> list[Triple]:
    """Return the RDF document of a resource: its triples, those of its blank nodes, and labels of linked resources."""
    triples = outgoing_triples(store, node)
    pending = [t.object for t in triples if isinstance(t.object, BlankNode)]
    seen_blank: set = set()
    while pending:
        blank = pending.pop()
        if blank in seen_blank:
            continue
        seen_blank.add(blank)
        for triple in outgoing_triples(store, blank):
            triples.append(triple)
            if isinstance(triple.object, BlankNode):
                pending.append(triple.object)
    triples.extend(_label_triples(store, {t.object for t in triples if isinstance(t.object, NamedNode)}))
    return list(dict.fromkeys(triples))


def _label_triples(store: Store, nodes: Iterable[NamedNode]) -> list[Triple]:
    label = NamedNode(RDFS + "label")
    found = []
    for node in nodes:
        found.extend(quad.triple for quad in store.quads_for_pattern(node, label, None))
    return found
