"""SCDL budgets as Data Cube observations: the real Crac'h files and a French-number fixture."""

import csv
import io
from decimal import Decimal

import pytest

from graph.build import build
from graph.report import Severity
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.store import open_current
from tests.conftest import BASE, FIXTURES, SHARED, make_settings

POLICY = FIXTURES / "policy"
BUDGETS = PROJECT_ROOT / "data" / "scdl" / "budgets"
CRACH = BUDGETS / "budget-crach-2022-bp.csv"
PREFIXES = """
PREFIX qb:   <http://purl.org/linked-data/cube#>
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX dtq:  <http://127.0.0.1:8000/def#>
"""


def select(store, query):
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [variable.value for variable in solutions.variables]
    return [{name: term.value for name, term in zip(names, row) if term is not None} for row in solutions]


def crach_rows():
    return list(csv.DictReader(io.StringIO(CRACH.read_text("utf-8"))))


@pytest.fixture(scope="module")
def m57_build(tmp_path_factory):
    """The territories, the vocabularies and the M57 fixture, built once."""
    settings = make_settings(
        tmp_path_factory.mktemp("budgets") / "store",
        sources=(
            SourceConfig("geo", "etalab-geo", str(PROJECT_ROOT / "data" / "decoupage-administratif")),
            SourceConfig("policy-vocabularies", "skos-turtle", str(PROJECT_ROOT / "data" / "vocabularies")),
            SourceConfig("m57", "scdl-budget", str(POLICY / "budget-m57.csv"), {"nomenclature": "M57"}),
            SourceConfig("no-nomenclature", "scdl-budget", str(POLICY / "budget-m57.csv")),
            SourceConfig("crach", "scdl-budget", str(BUDGETS), {"nomenclature": "M14"}),
        ),
    )
    report = build(settings)
    return {source.name: source for source in report.sources}, open_current(settings.store, read_only=True)


def test_crach_every_row_kept(bundled_store):
    rows = crach_rows()
    dataset = f"<{BASE}/id/budget/21560046100010-2022-BP>"
    found = select(bundled_store, f"SELECT (COUNT(?o) AS ?n) {{ ?o a qb:Observation ; qb:dataSet {dataset} }}")
    assert found == [{"n": str(len(rows))}]


def test_crach_defects_reported(m57_build):
    reports, _ = m57_build
    budgets = reports["crach"]
    path = str(CRACH)
    empty_section = [row for row in crach_rows() if not row["BGT_SECTION"]]
    problems = {(problem.code, problem.params.get("field")): problem for problem in budgets.problems if problem.params.get("path") == path}
    assert problems[("missing-field", "BGT_SECTION")].params["count"] == str(len(empty_section))
    assert ("stage-spelling", None) in problems
    assert budgets.count(Severity.VIOLATION) == 0


def test_crach_amounts_decimal(bundled_store):
    rows = crach_rows()
    for line, row in ((2, rows[0]), (5, rows[3])):
        found = select(
            bundled_store,
            f"""SELECT ?planned ?previous (DATATYPE(?planned) AS ?type) {{
                <{BASE}/id/budget/21560046100010-2022-BP/ligne/{line}> dtq:montantPrevu ?planned ; dtq:montantBudgetPrecedent ?previous }}""",
        )
        assert len(found) == 1
        assert Decimal(found[0]["planned"]) == Decimal(row["BGT_MTPREV"])
        assert Decimal(found[0]["previous"]) == Decimal(row["BGT_MTBUDGPREC"])
        assert found[0]["type"] == "http://www.w3.org/2001/XMLSchema#decimal"


def test_crach_codes_keep_zeros(bundled_store):
    found = select(
        bundled_store,
        f"""SELECT ?code ?label ?chapter {{ <{BASE}/id/budget/21560046100010-2022-BP/ligne/2>
            dtq:nature [ skos:notation ?code ; skos:prefLabel ?label ] ; dtq:chapitre ?chapter }}""",
    )
    row = crach_rows()[0]
    assert found == [{"code": row["BGT_NATURE"], "label": row["BGT_NATURE_LABEL"], "chapter": row["BGT_CONTNAT"]}]
    assert row["BGT_CONTNAT"].startswith("0")


def test_crach_dataset_facts(bundled_store):
    found = select(
        bundled_store,
        f"""SELECT ?authority ?year ?stage ?structure {{ <{BASE}/id/budget/21560046100010-2022-BP> a qb:DataSet ;
            dtq:collectivite ?authority ; dtq:exercice ?year ; dtq:etapeBudgetaire/skos:notation ?stage ; qb:structure ?structure .
            ?structure a qb:DataStructureDefinition }}""",
    )
    assert found == [{"authority": f"{BASE}/id/commune/56046", "year": "2022", "stage": "BP", "structure": f"{BASE}/id/budget/structure"}]


def test_crach_section_inferred(bundled_store):
    rows = crach_rows()
    line = next(index for index, row in enumerate(rows, start=2) if row["BGT_NATURE"] == "752")
    found = select(bundled_store, f"SELECT ?section {{ <{BASE}/id/budget/21560046100010-2022-BP/ligne/{line}> dtq:section ?section }}")
    assert rows[line - 2]["BGT_SECTION"] == ""
    assert found == [{"section": "fonctionnement"}]


def test_crach_copy_unchanged():
    original = SHARED / "data" / "scdl" / "budget-crach-2022-bp.csv"
    if not original.exists():
        pytest.skip("the shared data folder is not available")
    assert CRACH.read_bytes() == original.read_bytes()


def test_french_amounts(m57_build):
    _, store = m57_build
    found = select(
        store,
        f"""SELECT ?realised ?carryOver {{ <{BASE}/id/budget/20006793200018-2023-CA/ligne/2>
            dtq:montantRealise ?realised ; dtq:restesARealiser ?carryOver }}""",
    )
    assert found == [{"realised": "1234567.89", "carryOver": "65432.11"}]
    dotted = select(store, f"SELECT ?realised {{ <{BASE}/id/budget/20006793200018-2023-CA/ligne/3> dtq:montantRealise ?realised }}")
    assert dotted == [{"realised": "45000.5"}]


def test_function_zero_and_theme(m57_build):
    _, store = m57_build
    found = select(store, f"SELECT ?code {{ <{BASE}/id/budget/20006793200018-2023-CA/ligne/3> dtq:fonction/skos:notation ?code }}")
    assert found == [{"code": "020"}]
    housing = select(store, f"SELECT ?theme {{ <{BASE}/id/budget/20006793200018-2023-CA/ligne/2> dtq:fonction/dtq:theme ?theme }}")
    assert housing == [{"theme": f"{BASE}/id/concept/theme/habitat"}]


def test_bad_year_rejected_bad_amount_kept(m57_build):
    reports, store = m57_build
    path = str(POLICY / "budget-m57.csv")
    problems = {(problem.location, problem.params.get("field")): problem.severity.value for problem in reports["m57"].problems}
    assert problems[(f"{path}:4", "BGT_ANNEE")] == "violation"
    assert problems[(f"{path}:5", "BGT_MTREAL")] == "warning"
    assert reports["m57"].records == 3
    line = f"<{BASE}/id/budget/20006793200018-2023-CA/ligne/5>"
    assert select(store, f"SELECT ?planned {{ {line} dtq:montantPrevu ?planned }}") == [{"planned": "12000"}]
    assert select(store, f"SELECT ?realised {{ {line} dtq:montantRealise ?realised }}") == []


def test_nomenclature_required(m57_build):
    reports, _ = m57_build
    assert reports["no-nomenclature"].status == "failed"
    assert [problem.code for problem in reports["no-nomenclature"].problems] == ["option-missing"]
