"""The SHACL shapes of documents, budgets, clubs and annotations reject broken data."""

import pytest
from pyoxigraph import RdfFormat, parse

from graph.report import Severity
from graph.validation import load_shapes, validate_triples
from tests.conftest import BASE

PREFIXES = f"""
@base <{BASE}/> .
@prefix dtq:  <def#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix qb:   <http://purl.org/linked-data/cube#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix dqv:  <http://www.w3.org/ns/dqv#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dc:   <http://purl.org/dc/elements/1.1/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""

CASES = {
    "deliberation without date": """
        <id/document/x> a dtq:Deliberation ; dct:title "Objet"@fr ; rdfs:label "Objet"@fr ; dct:identifier "x" ;
          dct:subject <id/concept/actes/8.5> ; dct:creator <id/commune/56260> ; dtq:sirenCollectivite "215602608" .""",
    "deliberation with a subject outside ACTES": """
        <id/document/x> a dtq:Deliberation ; dct:title "Objet"@fr ; rdfs:label "Objet"@fr ; dct:identifier "x" ;
          dct:date "2024-01-01"^^xsd:date ; dct:subject <id/concept/theme/habitat> ; dct:creator <id/commune/56260> ;
          dtq:sirenCollectivite "215602608" .""",
    "budget line with an amount as text": """
        <id/budget/b> a qb:DataSet ; qb:structure <id/budget/structure> ; dct:title "B"@fr ; dtq:nomenclatureComptable "M14" .
        <id/budget/b/ligne/2> a qb:Observation ; qb:dataSet <id/budget/b> ; rdfs:label "L"@fr ; dtq:exercice "2022"^^xsd:gYear ;
          dtq:etapeBudgetaire <id/concept/etape-budgetaire/BP> ; dtq:nature <id/concept/M14/nature/752> ; dtq:sens "recette" ;
          dtq:section "fonctionnement" ; dtq:collectivite <id/commune/56046> ; dtq:montantPrevu "60 000" .
        <id/concept/M14/nature/752> a skos:Concept ; skos:notation "752" ; skos:prefLabel "Revenus des immeubles"@fr .""",
    "budget line with an unknown stage": """
        <id/budget/b> a qb:DataSet ; qb:structure <id/budget/structure> ; dct:title "B"@fr ; dtq:nomenclatureComptable "M14" .
        <id/budget/b/ligne/2> a qb:Observation ; qb:dataSet <id/budget/b> ; rdfs:label "L"@fr ; dtq:exercice "2022"^^xsd:gYear ;
          dtq:etapeBudgetaire <id/concept/etape-budgetaire/XX> ; dtq:nature <id/concept/M14/nature/752> ; dtq:sens "recette" ;
          dtq:section "fonctionnement" ; dtq:collectivite <id/commune/56046> .
        <id/concept/M14/nature/752> a skos:Concept ; skos:notation "752" ; skos:prefLabel "Revenus des immeubles"@fr .""",
    "member with an e-mail": """
        <id/club/membre/m-1> a foaf:Person ; dtq:pseudonyme "m-1" ; rdfs:label "Membre m-1"@fr ; foaf:mbox <mailto:a@example.org> .""",
    "club annotation with an English body": """
        <id/annotation/a> a oa:Annotation ; dtq:club <id/club/habitat> ; rdfs:label "A"@fr ; oa:hasTarget <id/commune/56260> ;
          oa:motivatedBy oa:commenting ; dct:creator <id/club/membre/m-1> ; dct:created "2024-01-01"^^xsd:date ;
          oa:hasBody <id/annotation/a/corps> .
        <id/annotation/a/corps> a oa:TextualBody ; rdf:value "In English"@en ; dc:format "text/plain" .""",
    "quality feedback not attached to its dataset": """
        <id/annotation/a> a oa:Annotation, dqv:UserQualityFeedback ; dtq:club <id/club/habitat> ; rdfs:label "A"@fr ;
          oa:hasTarget <id/budget/b> ; oa:motivatedBy oa:assessing ; dct:creator <id/club/membre/m-1> ;
          dct:created "2024-01-01"^^xsd:date ; oa:hasBody <id/annotation/a/corps> .
        <id/annotation/a/corps> a oa:TextualBody ; rdf:value "Texte"@fr ; dc:format "text/plain" .""",
}


@pytest.fixture(scope="module")
def shapes():
    return load_shapes(base_uri=BASE)


#: Case → the SHACL constraint component that must report it.
EXPECTED_CODES = {
    "deliberation without date": "shacl-mincount",
    "deliberation with a subject outside ACTES": "shacl-pattern",
    "budget line with an amount as text": "shacl-datatype",
    "budget line with an unknown stage": "shacl-in",
    "member with an e-mail": "shacl-maxcount",
    "club annotation with an English body": "shacl-node",
    "quality feedback not attached to its dataset": "shacl-or",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_shapes_reject(shapes, case):
    triples = list(parse((PREFIXES + CASES[case]).encode("utf-8"), format=RdfFormat.TURTLE))
    problems = validate_triples(triples, shapes, "test")
    violations = [problem.code for problem in problems if problem.severity is Severity.VIOLATION]
    assert violations == [EXPECTED_CODES[case]]


def test_shapes_accept_valid_annotation(shapes):
    valid = """
        <id/annotation/a> a oa:Annotation ; dtq:club <id/club/habitat> ; rdfs:label "A"@fr ; oa:hasTarget <id/commune/56260> ;
          oa:motivatedBy oa:commenting ; dct:creator <id/club/membre/m-1> ; dct:created "2024-01-01"^^xsd:date ;
          oa:hasBody <id/annotation/a/corps> .
        <id/annotation/a/corps> a oa:TextualBody ; rdf:value "Texte"@fr ; dc:format "text/plain" ."""
    triples = list(parse((PREFIXES + valid).encode("utf-8"), format=RdfFormat.TURTLE))
    assert validate_triples(triples, shapes, "test") == []
