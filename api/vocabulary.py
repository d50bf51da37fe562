"""Labels and definitions of classes and properties, in French and English, for pages.

They come from the project's ontology (`ontology/*.ttl`), the vendored INSEE
geographic ontology (`ontology/vendor/`) and `api/vocabularies/common-labels.ttl`
(labels of common vocabularies: DCAT, DCMI Terms, SKOS, PROV, FOAF, OA, DQV…).
A term without a label gets its local name, split into words.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Store

from graph.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
VOCABULARY_FILES = (
    ONTOLOGY_DIR / "vendor" / "insee-geo.ttl",
    PROJECT_ROOT / "api" / "vocabularies" / "common-labels.ttl",
)
LABEL_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
)
DEFINITION_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://www.w3.org/2000/01/rdf-schema#comment",
)


def local_name(iri: str) -> str:
    """Return the last segment of an IRI, split into words.

    >>> local_name("http://example.org/def#anneePopulation")
    'annee population'
    """
    name = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").lower()


def capitalized(text: str) -> str:
    """Return text with its first letter in upper case, as pages show the name of a class.

    Class labels differ in case between vocabularies ("Commune" in INSEE's,
    "jeu de données" here), so pages capitalise them all.

    >>> capitalized("jeu de données")
    'Jeu de données'
    """
    return text[:1].upper() + text[1:]


@dataclass
class Vocabulary:
    """Labels and definitions of terms by IRI, each a mapping of language tag ("" for none) to text."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    definitions: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, iri: str, language: str) -> str:
        """Return the label of a term in `language`, else French, else any, else its local name."""
        return pick_text(self.labels.get(iri), language) or local_name(iri)

    def definition(self, iri: str, language: str) -> str | None:
        return pick_text(self.definitions.get(iri), language)

    def add_from(self, store: Store) -> None:
        """Add the labels and definitions found in a store (default graph or union)."""
        for predicates, target in ((LABEL_PREDICATES, self.labels), (DEFINITION_PREDICATES, self.definitions)):
            for predicate in predicates:
                for quad in store.quads_for_pattern(None, NamedNode(predicate), None):
                    if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal):
                        texts = target.setdefault(quad.subject.value, {})
                        texts.setdefault(quad.object.language or "", quad.object.value)


def pick_text(texts: dict[str, str] | None, language: str) -> str | None:
    """Return the text in `language`, else French, else untagged, else any; None when there is none."""
    if not texts:
        return None
    for tag in (language, "fr", ""):
        if tag in texts:
            return texts[tag]
    return next(iter(texts.values()))


def ontology_files() -> list[Path]:
    """Return the Turtle files of the project's own vocabulary, in name order."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


def load_ontology(base_uri: str) -> Store:
    """Load the project's own vocabulary into a new in-memory store, relative IRIs resolved against the base.

    A file that does not parse is logged and left out, so pages still show with the other labels.
    """
    store = Store()
    for path in ontology_files():
        try:
            store.load(path=str(path), format=RdfFormat.TURTLE, base_iri=base_uri + "/")
        except SyntaxError as error:
            log.error("%s is invalid Turtle and is left out of the vocabulary: %s", path, error)
    return store


@lru_cache(maxsize=4)
def load_vocabulary(base_uri: str) -> Vocabulary:
    """Read the labels of every known vocabulary once per base URI (the project's own terms win)."""
    vocabulary = Vocabulary()
    vocabulary.add_from(load_ontology(base_uri))
    for path in VOCABULARY_FILES:
        store = Store()
        store.load(path=str(path), format=RdfFormat.TURTLE)
        vocabulary.add_from(store)
    log.info("vocabulary loaded: %d labelled terms", len(vocabulary.labels))
    return vocabulary
