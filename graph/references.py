"""Resolve the short references that club and plan files use for their targets.

A reference is a full http(s) IRI, or `kind:key` with one of the kinds
below, e.g. `commune:56260`, `epci:200067932`, `document:213502388-2023_0461`,
`budget:21560046100010-2022-BP/ligne/12` or `dataset:IDENTIFIER` (a DCAT
dataset found by its `dct:identifier`).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Store

from graph.territories import resolve_commune

#: Reference kind → path under `{base}/id/`.
PATHS = {
    "region": "region",
    "departement": "departement",
    "arrondissement": "arrondissement",
    "commune": "commune",
    "commune-deleguee": "commune-deleguee",
    "commune-associee": "commune-associee",
    "epci": "epci",
    "document": "document",
    "budget": "budget",
    "annotation": "annotation",
    "club": "club",
    "query": "query",
}
DCAT_DATASET = NamedNode("http://www.w3.org/ns/dcat#Dataset")
DCT_IDENTIFIER = NamedNode("http://purl.org/dc/terms/identifier")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_REFERENCE = re.compile(r"([a-z-]+):(\S+)")


class UnresolvedReference(ValueError):
    """A reference that is malformed or names nothing in the graph."""


def reference_iri(text: str, base_uri: str) -> str:
    """Return the IRI a reference names, without checking that it exists.

    >>> reference_iri("commune:56260", "http://127.0.0.1:8000")
    'http://127.0.0.1:8000/id/commune/56260'
    >>> reference_iri("https://example.org/a", "http://127.0.0.1:8000")
    'https://example.org/a'
    """
    value = text.strip()
    if value.startswith(("http://", "https://")):
        return value
    match = _REFERENCE.fullmatch(value)
    if not match or match.group(1) not in PATHS:
        kinds = ", ".join(sorted([*PATHS, "dataset"]))
        raise UnresolvedReference(f"{text!r} is not a reference: expected an http(s) IRI or kind:key with a kind among {kinds}")
    return f"{base_uri.rstrip('/')}/id/{PATHS[match.group(1)]}/{quote(match.group(2), safe='/-_.~')}"


def resolve_reference(text: str, store: Store, base_uri: str) -> str:
    """Return the IRI of a reference that the graph contains.

    Raises UnresolvedReference when the reference is malformed or unknown.
    `dataset:ID` finds the DCAT dataset whose dct:identifier is ID, and
    `commune:CODE` finds today's commune of a current or former INSEE code.
    An IRI outside the base is accepted as it is, since it may name any resource.
    """
    value = text.strip()
    if value.startswith("dataset:"):
        identifier = value.removeprefix("dataset:")
        for quad in store.quads_for_pattern(None, DCT_IDENTIFIER, Literal(identifier), None):
            if any(True for _ in store.quads_for_pattern(quad.subject, RDF_TYPE, DCAT_DATASET, None)):
                return quad.subject.value
        raise UnresolvedReference(f"no DCAT dataset of the graph has the identifier {identifier!r}")
    if value.startswith("commune:"):
        # A former code or the code of a commune déléguée names today's commune.
        commune = resolve_commune(store, value.removeprefix("commune:"), base_uri)
        if commune is None:
            raise UnresolvedReference(f"{text!r}: no commune of the graph has or had the code {value.removeprefix('commune:')!r}")
        return commune
    iri = reference_iri(value, base_uri)
    if not iri.startswith(base_uri.rstrip("/") + "/"):
        return iri
    if not any(True for _ in store.quads_for_pattern(NamedNode(iri), None, None, None)):
        raise UnresolvedReference(f"{text!r} names {iri}, which the graph does not contain")
    return iri
