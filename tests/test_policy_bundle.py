"""The bundled policy sources: zero SHACL violations, labels for pages, plans, the README's club question."""

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

from graph.build import build
from graph.report import Severity
from graph.settings import PROJECT_ROOT
from graph.store import open_current
from tests.conftest import BASE, make_settings

POLICY_SOURCES = ("policy-vocabularies", "deliberations", "budgets", "plans", "clubs", "annotations")
PLANS = PROJECT_ROOT / "data" / "plans" / "plans.csv"
PREFIXES = """
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dtq:  <http://127.0.0.1:8000/def#>
"""


def select(store, query):
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [variable.value for variable in solutions.variables]
    return [{name: term.value for name, term in zip(names, row) if term is not None} for row in solutions]


@pytest.fixture(scope="module")
def policy_settings(tmp_path_factory):
    """Settings over a store with the territories and the bundled policy sources, and the source reports."""
    settings = make_settings(tmp_path_factory.mktemp("policy") / "store")
    report = build(settings, only=("geo", *POLICY_SOURCES))
    return settings, {source.name: source for source in report.sources}


@pytest.fixture(scope="module")
def policy_build(policy_settings):
    """The source reports of the policy build and its store, opened read-only."""
    settings, reports = policy_settings
    return reports, open_current(settings.store, read_only=True)


def readme_query(name, heading):
    text = (PROJECT_ROOT / name).read_text("utf-8")
    section = text.split(heading, 1)[1]
    return re.search(r"```sparql\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.parametrize("name", POLICY_SOURCES)
def test_bundled_zero_violations(policy_build, name):
    reports, _ = policy_build
    violations = [problem for problem in reports[name].problems if problem.severity is Severity.VIOLATION]
    assert violations == []
    assert reports[name].status == "built"


def test_minted_resources_labelled(policy_build):
    _, store = policy_build
    unlabelled = select(
        store,
        f"""SELECT DISTINCT ?s {{ ?s ?p ?o FILTER(isIRI(?s) && REGEX(STR(?s), "^{BASE}/id/(document|club|annotation|budget|concept|scheme)/"))
            FILTER NOT EXISTS {{ ?s rdfs:label ?label }} FILTER NOT EXISTS {{ ?s dct:title ?title }} }}""",
    )
    # The bodies of annotations and the periods of plans are parts of a labelled resource.
    assert [row for row in unlabelled if not re.search(r"/(corps|periode)$", row["s"])] == []


def test_plans_register(policy_build):
    _, store = policy_build
    rows = list(csv.DictReader(io.StringIO(PLANS.read_text("utf-8")), delimiter=";"))
    for row in rows:
        found = select(
            store,
            f"""SELECT ?title ?territory {{ <{BASE}/id/document/plan-{row["IDENTIFIANT"]}> dct:title ?title ; dct:spatial ?territory }}""",
        )
        kind, key = row["TERRITOIRE"].split(":")
        assert found == [{"title": row["TITRE"], "territory": f"{BASE}/id/{kind}/{key}"}]


def test_plan_period_and_indicators(policy_build):
    _, store = policy_build
    row = next(csv.DictReader(io.StringIO(PLANS.read_text("utf-8")), delimiter=";"))
    plan = f"<{BASE}/id/document/plan-{row['IDENTIFIANT']}>"
    period = select(store, f"SELECT ?start ?end {{ {plan} dct:temporal [ dcat:startDate ?start ; dcat:endDate ?end ] }}")
    assert period == [{"start": row["DEBUT"], "end": row["FIN"]}]
    indicators = {found["i"] for found in select(store, f"SELECT ?i {{ {plan} dtq:indicateur ?i }}")}
    assert indicators == set(row["INDICATEURS"].split("|"))


def test_plan_dataset_reference_kept(policy_build):
    _, store = policy_build
    row = next(csv.DictReader(io.StringIO(PLANS.read_text("utf-8")), delimiter=";"))
    plan = f"<{BASE}/id/document/plan-{row['IDENTIFIANT']}>"
    linked = select(store, f"SELECT ?d {{ {plan} dtq:jeuDeSuivi ?d }}")
    literal = select(store, f"SELECT ?d {{ {plan} dtq:referenceJeuDeSuivi ?d }}")
    assert len(linked) + len(literal) == len(row["JEUX_DE_DONNEES"].split("|"))


@pytest.mark.parametrize("name, heading", [("README.md", "## A club's question"), ("README.fr.md", "## La question d'un club")])
def test_club_question_returns_rows(policy_build, name, heading):
    """Run the README's query on the store, the way the SPARQL endpoint does (union default graph)."""
    _, store = policy_build
    rows = list(store.query(readme_query(name, heading), use_default_graph_as_union=True))
    assert rows
    variables = [variable.value for variable in store.query(readme_query(name, heading), use_default_graph_as_union=True).variables]
    annotated = [row for row in rows if row[variables.index("annotations")].value]
    assert annotated
    epcis = {row[variables.index("epciName")].value for row in rows}
    assert epcis == {"CC Auray Quiberon Terre Atlantique"}


def test_club_question_over_http(policy_settings):
    """Send the README's query to the app's SPARQL endpoint, with SPARQL JSON results."""
    settings, _ = policy_settings
    with TestClient(create_app(settings), base_url=BASE) as client:
        response = client.post(
            "/sparql",
            data={"query": readme_query("README.md", "## A club's question")},
            headers={"Accept": "application/sparql-results+json"},
        )
    assert response.status_code == 200
    bindings = response.json()["results"]["bindings"]
    assert bindings
    assert {binding["communeName"]["value"] for binding in bindings} == {"Crach"}
