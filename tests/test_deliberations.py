"""SCDL deliberations: the exact SCDL CSV layouts, the real Rennes records, the ACTES scheme."""

import csv
import io
import json

import pytest

from graph.build import build
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.store import open_current
from tests.conftest import BASE, FIXTURES, SHARED, make_settings

POLICY = FIXTURES / "policy"
BUNDLED = PROJECT_ROOT / "data" / "scdl" / "deliberations"
PREFIXES = """
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX dtq:  <http://127.0.0.1:8000/def#>
"""


def select(store, query):
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [variable.value for variable in solutions.variables]
    return [{name: term.value for name, term in zip(names, row) if term is not None} for row in solutions]


def source(name, kind, location, **options):
    return SourceConfig(name, kind, str(location), options)


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory):
    """The territories, the vocabularies and the two deliberation fixtures, built once."""
    settings = make_settings(
        tmp_path_factory.mktemp("deliberations") / "store",
        sources=(
            source("geo", "etalab-geo", PROJECT_ROOT / "data" / "decoupage-administratif"),
            source("policy-vocabularies", "skos-turtle", PROJECT_ROOT / "data" / "vocabularies"),
            source("cp1252", "scdl-deliberations", POLICY / "deliberations-cp1252.csv"),
            source("bom", "scdl-deliberations", POLICY / "deliberations-utf8-bom.csv"),
        ),
    )
    report = build(settings)
    return {source.name: source for source in report.sources}, open_current(settings.store, read_only=True)


def rows_of(path, encoding, delimiter):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def test_cp1252_problems_name_file_and_line(fixture_build):
    reports, _ = fixture_build
    problems = {(problem.code, problem.location) for problem in reports["cp1252"].problems}
    path = str(POLICY / "deliberations-cp1252.csv")
    assert ("invalid-field", f"{path}:3") in problems
    assert ("invalid-field", f"{path}:4") in problems
    assert ("missing-field", f"{path}:5") in problems


def test_cp1252_problem_fields(fixture_build):
    reports, _ = fixture_build
    fields_by_line = {problem.location.rsplit(":", 1)[1]: problem.params.get("field") for problem in reports["cp1252"].problems}
    assert fields_by_line["3"] == "COLL_SIRET"
    assert fields_by_line["4"] == "DELIB_DATE"
    assert fields_by_line["5"] == "DELIB_OBJET"


def test_cp1252_good_rows_kept(fixture_build):
    reports, store = fixture_build
    rows = rows_of(POLICY / "deliberations-cp1252.csv", "cp1252", ";")
    good = [rows[0], rows[4]]
    assert reports["cp1252"].records == len(good)
    for row in good:
        siren = row["COLL_SIRET"][:9]
        found = select(store, f'SELECT ?title {{ ?d a dtq:Deliberation ; dct:identifier "{row["DELIB_ID"]}" ; dtq:sirenCollectivite "{siren}" ; dct:title ?title }}')
        assert found == [{"title": row["DELIB_OBJET"]}]


def test_impossible_date_not_shifted(fixture_build):
    _, store = fixture_build
    found = select(store, 'SELECT ?d { ?d dct:identifier "DC-2024-12" }')
    assert found == []
    shifted = select(store, 'SELECT ?d { ?d a dtq:Deliberation ; dct:date "2024-03-02"^^xsd:date }')
    assert shifted == []


def test_day_first_date(fixture_build):
    _, store = fixture_build
    found = select(store, 'SELECT ?date ?pref { ?d dct:identifier "2024-045" ; dct:date ?date ; dtq:dateControleLegalite ?pref }')
    assert found == [{"date": "2024-03-28", "pref": "2024-04-02"}]


def test_authorities_resolved(fixture_build):
    _, store = fixture_build
    found = {row["id"]: row["creator"] for row in select(store, "SELECT ?id ?creator { ?d a dtq:Deliberation ; dct:identifier ?id ; dct:creator ?creator }")}
    assert found["2024-045"] == f"{BASE}/id/commune/56260"
    assert found["CD-2024-0311"] == f"{BASE}/id/departement/56"
    assert found["DC-2024-20"] == f"{BASE}/id/epci/200067932"


def test_votes_subject_and_link(fixture_build):
    _, store = fixture_build
    row = rows_of(POLICY / "deliberations-cp1252.csv", "cp1252", ";")[0]
    found = select(
        store,
        """SELECT ?pour ?contre ?abstention ?effectif ?subjectLabel ?page {
            ?d dct:identifier "2024-045" ; dtq:votePour ?pour ; dtq:voteContre ?contre ; dtq:voteAbstention ?abstention ;
              dtq:voteEffectif ?effectif ; dct:subject/skos:prefLabel ?subjectLabel ; foaf:page ?page }""",
    )
    assert len(found) == 1
    assert found[0]["pour"] == row["VOTE_POUR"]
    assert found[0]["contre"] == row["VOTE_CONTRE"]
    assert found[0]["abstention"] == row["VOTE_ABSTENTION"]
    assert found[0]["effectif"] == row["VOTE_EFFECTIF"]
    assert found[0]["subjectLabel"] == "Politique de la ville, habitat, logement"
    assert found[0]["page"] == row["DELIB_URL"]


def test_bom_comma_file(fixture_build):
    reports, store = fixture_build
    path = POLICY / "deliberations-utf8-bom.csv"
    problems = [(problem.code, problem.severity.value, problem.location) for problem in reports["bom"].problems]
    assert problems == [
        ("unknown-authority", "warning", f"{path}:4"),
        ("duplicate-record", "violation", f"{path}:3"),
        ("shacl-mincount", "warning", f"<{BASE}/id/document/217500016-2024%20DLH%2012> <http://purl.org/dc/terms/creator>"),
    ]
    row = rows_of(path, "utf-8-sig", ",")[0]
    found = select(store, f'SELECT ?title {{ ?d dct:identifier "{row["DELIB_ID"]}" ; dct:title ?title }}')
    assert found == [{"title": row["DELIB_OBJET"]}]


def test_rennes_records_bundled(bundled_store):
    records = json.loads((BUNDLED / "deliberations-rennes-2021-sample.json").read_text("utf-8"))
    for record in records:
        found = select(
            bundled_store,
            f"""SELECT ?creator ?date ?code {{ ?d dct:identifier "{record["delib_id"]}" ; dct:creator ?creator ;
                dct:date ?date ; dct:subject/skos:notation ?code }}""",
        )
        assert found == [{"creator": f"{BASE}/id/commune/35238", "date": record["delib_date"], "code": str(record["delib_matiere_code"])}]


def test_rennes_prefecture_date(bundled_store):
    records = json.loads((BUNDLED / "deliberations-rennes-2021-sample.json").read_text("utf-8"))
    record = records[0]
    found = select(bundled_store, f'SELECT ?pref {{ ?d dct:identifier "{record["delib_id"]}" ; dtq:dateControleLegalite ?pref }}')
    assert found == [{"pref": record["pref_date"][:10]}]


def test_rennes_copy_unchanged():
    original = SHARED / "data" / "scdl" / "deliberations-rennes-2021-sample.json"
    if not original.exists():
        pytest.skip("the shared data folder is not available")
    assert (BUNDLED / original.name).read_bytes() == original.read_bytes()


def test_actes_scheme_levels(bundled_store):
    top = select(bundled_store, "SELECT ?c { ?c skos:topConceptOf ?scheme . FILTER(STRENDS(STR(?scheme), '/id/scheme/actes')) }")
    assert len(top) == 9
    housing = select(bundled_store, f"SELECT ?label {{ <{BASE}/id/concept/actes/8.5> skos:prefLabel ?label ; skos:broader <{BASE}/id/concept/actes/8> }}")
    assert housing == [{"label": "Politique de la ville, habitat, logement"}]


def test_unknown_authority_kept(fixture_build):
    reports, store = fixture_build
    assert reports["bom"].status == "built"
    found = select(store, 'SELECT ?siren ?creator { ?d dct:identifier "2024 DLH 12" ; dtq:sirenCollectivite ?siren OPTIONAL { ?d dct:creator ?creator } }')
    assert found == [{"siren": "217500016"}]
