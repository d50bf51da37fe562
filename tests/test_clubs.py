"""Clubs, members and annotations: pseudonymous members, Web Annotations, quality feedback."""

import csv
import io

import pytest

from graph.build import build
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.store import open_current
from tests.conftest import BASE, FIXTURES, make_settings

POLICY = FIXTURES / "policy"
CLUBS = PROJECT_ROOT / "data" / "clubs"
PREFIXES = """
PREFIX oa:   <http://www.w3.org/ns/oa#>
PREFIX as:   <https://www.w3.org/ns/activitystreams#>
PREFIX dqv:  <http://www.w3.org/ns/dqv#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dc:   <http://purl.org/dc/elements/1.1/>
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dtq:  <http://127.0.0.1:8000/def#>
"""


def select(store, query):
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [variable.value for variable in solutions.variables]
    return [{name: term.value for name, term in zip(names, row) if term is not None} for row in solutions]


def csv_rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8")), delimiter=";"))


@pytest.fixture(scope="module")
def club_build(tmp_path_factory):
    """The territories, the vocabularies and the club fixtures, built once."""
    settings = make_settings(
        tmp_path_factory.mktemp("clubs") / "store",
        sources=(
            SourceConfig("geo", "etalab-geo", str(PROJECT_ROOT / "data" / "decoupage-administratif")),
            SourceConfig("policy-vocabularies", "skos-turtle", str(PROJECT_ROOT / "data" / "vocabularies")),
            SourceConfig("clubs", "clubs", str(POLICY / "clubs")),
            SourceConfig("deliberations", "scdl-deliberations", str(POLICY / "deliberations-cp1252.csv")),
            SourceConfig("annotations", "annotations", str(POLICY / "annotations.csv")),
            SourceConfig("annotations-json", "annotations", str(POLICY / "annotations.json")),
        ),
    )
    report = build(settings)
    return {source.name: source for source in report.sources}, open_current(settings.store, read_only=True)


def test_email_column_dropped(club_build):
    reports, store = club_build
    dropped = [problem for problem in reports["clubs"].problems if problem.code == "personal-data"]
    with_email = [row for row in csv_rows(POLICY / "clubs" / "membres.csv") if row["COURRIEL"]]
    assert len(dropped) == len(with_email)
    for row in with_email:
        assert select(store, f'SELECT ?p ?o {{ ?s ?p "{row["COURRIEL"]}" }}') == []
    assert select(store, 'SELECT ?s { ?s ?p ?o FILTER(CONTAINS(STR(?o), "@example.org")) }') == []


def test_name_as_member_id_rejected(club_build):
    reports, store = club_build
    rejected = {problem.params.get("field") for problem in reports["clubs"].problems if problem.severity.value == "violation"}
    assert "MEMBRE" in rejected
    assert select(store, 'SELECT ?p { ?p dtq:pseudonyme ?id FILTER(CONTAINS(?id, "Dupont")) }') == []


def test_unknown_theme_rejected(club_build):
    _, store = club_build
    assert select(store, f"SELECT ?t {{ <{BASE}/id/club/inconnu> ?p ?t }}") == []


def test_membership_roles(club_build):
    _, store = club_build
    found = select(
        store,
        f"""SELECT ?member ?role ?name {{ ?m a org:Membership ; org:organization <{BASE}/id/club/habitat> ;
            org:member ?person ; org:role/skos:notation ?role . ?person dtq:pseudonyme ?member OPTIONAL {{ ?person foaf:name ?name }} }}
            ORDER BY ?member""",
    )
    assert found == [
        {"member": "m-0a41", "role": "animation", "name": "Chaire Action publique territoriale"},
        {"member": "m-17c2", "role": "membre"},
    ]


def test_question_and_answer(club_build):
    _, store = club_build
    found = select(
        store,
        f"""SELECT ?motivation ?query ?text ?format {{ <{BASE}/id/annotation/r-1> as:inReplyTo <{BASE}/id/annotation/q-1> ;
            oa:motivatedBy ?motivation ; dct:relation ?query ; oa:hasBody [ rdf:value ?text ; dc:format ?format ] .
            <{BASE}/id/annotation/q-1> oa:motivatedBy oa:questioning ; oa:hasTarget <{BASE}/id/commune/56260> }}""",
    )
    row = next(row for row in csv_rows(POLICY / "annotations.csv") if row["IDENTIFIANT"] == "r-1")
    assert found == [
        {"motivation": "http://www.w3.org/ns/oa#replying", "query": f"{BASE}/id/query/logements-sociaux-vannes", "text": row["TEXTE"], "format": "text/plain"}
    ]


def test_body_french(club_build):
    _, store = club_build
    found = select(store, f"SELECT (LANG(?text) AS ?lang) {{ <{BASE}/id/annotation/q-1> oa:hasBody/rdf:value ?text }}")
    assert found == [{"lang": "fr"}]


def test_unknown_target_reported(club_build):
    reports, store = club_build
    path = str(POLICY / "annotations.csv")
    problems = {(problem.location, problem.params.get("field")) for problem in reports["annotations"].problems}
    assert (f"{path}:4", "CIBLE") in problems
    assert select(store, f"SELECT ?p {{ <{BASE}/id/annotation/c-1> ?p ?o }}") == []


def test_email_in_text_masked(club_build):
    reports, store = club_build
    found = select(store, f"SELECT ?text {{ <{BASE}/id/annotation/c-2> oa:hasBody/rdf:value ?text }}")
    assert len(found) == 1
    assert "@" not in found[0]["text"]
    assert "[adresse électronique retirée]" in found[0]["text"]
    assert any(problem.code == "personal-data" for problem in reports["annotations"].problems)


def test_quality_needs_dataset(club_build):
    reports, store = club_build
    assert select(store, f"SELECT ?t {{ <{BASE}/id/annotation/c-3> a dqv:UserQualityFeedback }}") == []
    assert select(store, f"SELECT ?m {{ <{BASE}/id/annotation/c-3> oa:motivatedBy ?m }}") == [{"m": "http://www.w3.org/ns/oa#assessing"}]
    fields = {problem.params.get("field") for problem in reports["annotations"].problems if problem.severity.value == "warning"}
    assert "QUALITE" in fields


def test_bundled_clubs(bundled_store):
    clubs = csv_rows(CLUBS / "clubs.csv")
    found = select(bundled_store, "SELECT ?id ?label ?theme { ?c a dtq:Club ; dct:identifier ?id ; rdfs:label ?label ; dtq:theme/skos:prefLabel ?theme FILTER(LANG(?theme) = 'fr') } ORDER BY ?id")
    assert [row["id"] for row in found] == sorted(club["IDENTIFIANT"] for club in clubs)
    assert {row["theme"] for row in found} == {"Habitat", "Habitat social", "Vieillissement"}


def test_bundled_quality_feedback(bundled_store):
    found = select(bundled_store, "SELECT ?dataset ?annotation { ?dataset dqv:hasQualityAnnotation ?annotation . ?annotation a dqv:UserQualityFeedback }")
    assert found == [{"dataset": f"{BASE}/id/budget/21560046100010-2022-BP", "annotation": f"{BASE}/id/annotation/habitat-2024-002"}]


def test_bundled_annotations_all_lifted(bundled_store):
    rows = csv_rows(CLUBS / "annotations.csv")
    found = select(bundled_store, "SELECT (COUNT(?a) AS ?n) { ?a a oa:Annotation }")
    assert found == [{"n": str(len(rows))}]


def test_open_questions(bundled_store):
    found = select(
        bundled_store,
        "SELECT ?q { ?q oa:motivatedBy oa:questioning FILTER NOT EXISTS { ?answer as:inReplyTo ?q } } ORDER BY ?q",
    )
    assert found == [{"q": f"{BASE}/id/annotation/habitat-social-2024-001"}]


def test_theme_eu_mapping(bundled_store):
    found = select(bundled_store, f"SELECT ?eu {{ <{BASE}/id/concept/theme/habitat> skos:closeMatch ?eu }}")
    assert found == [{"eu": "http://publications.europa.eu/resource/authority/data-theme/REGI"}]


def test_former_commune_code_target(club_build):
    _, store = club_build
    found = select(store, f"SELECT ?target {{ <{BASE}/id/annotation/c-4> oa:hasTarget ?target }}")
    today = select(store, 'SELECT ?c { ?c a <http://rdf.insee.fr/def/geo#Commune> ; dtq:ancienCode "56183" }')
    assert len(today) == 1
    assert found == [{"target": today[0]["c"]}]


def test_json_annotation_on_document(club_build):
    reports, store = club_build
    assert reports["annotations-json"].problems == []
    found = select(store, f"SELECT ?target ?motivation {{ <{BASE}/id/annotation/j-1> oa:hasTarget ?target ; oa:motivatedBy ?motivation }}")
    assert found == [{"target": f"{BASE}/id/document/215602608-2024-045", "motivation": "http://www.w3.org/ns/oa#linking"}]
