"""The project's vocabulary defines, in French and English, every dtq: term the graph uses."""

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store, parse

from graph.settings import PROJECT_ROOT
from tests.conftest import BASE

ONTOLOGY = PROJECT_ROOT / "ontology" / "datatheque.ttl"
DTQ = BASE + "/def#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DEFINITION = NamedNode("http://www.w3.org/2004/02/skos/core#definition")
DECLARATIONS = {
    "http://www.w3.org/2002/07/owl#Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
    "http://www.w3.org/2000/01/rdf-schema#Class",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2004/02/skos/core#Concept",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme",
}


@pytest.fixture(scope="module")
def ontology() -> Store:
    store = Store()
    store.extend(parse(path=ONTOLOGY, format=RdfFormat.TURTLE, base_iri=BASE + "/"))
    return store


def languages(store: Store, term: NamedNode, *predicates: NamedNode) -> set[str]:
    return {quad.object.language for predicate in predicates for quad in store.quads_for_pattern(term, predicate, None)}


def used_terms(store: Store) -> set[str]:
    terms = set()
    for quad in store.quads_for_pattern(None, None, None):
        if quad.predicate.value.startswith(DTQ):
            terms.add(quad.predicate.value)
        if quad.predicate == RDF_TYPE and isinstance(quad.object, NamedNode) and quad.object.value.startswith(DTQ):
            terms.add(quad.object.value)
    return terms


def test_ontology_defines_used_terms(bundled_store, ontology):
    used = used_terms(bundled_store)
    assert DTQ + "population" in used
    assert DTQ + "SourceBuild" in used
    defined = {quad.subject.value for quad in ontology.quads_for_pattern(None, RDF_TYPE, None) if quad.object.value in DECLARATIONS}
    assert sorted(used - defined) == []


def test_ontology_terms_bilingual(ontology):
    terms = {quad.subject for quad in ontology.quads_for_pattern(None, RDF_TYPE, None) if quad.subject.value.startswith(DTQ)}
    assert len(terms) >= 24
    for term in terms:
        assert {"fr", "en"} <= languages(ontology, term, LABEL), term.value
        assert {"fr", "en"} <= languages(ontology, term, DEFINITION, COMMENT), term.value


def test_ontology_relative_to_base(ontology):
    ontology_iri = NamedNode(BASE + "/def")
    assert list(ontology.quads_for_pattern(ontology_iri, RDF_TYPE, NamedNode("http://www.w3.org/2002/07/owl#Ontology")))
