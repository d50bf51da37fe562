"""The territories lifted from the bundled Etalab data."""

import json

from graph.settings import PROJECT_ROOT
from tests.conftest import BASE

BUNDLED = PROJECT_ROOT / "data" / "decoupage-administratif"

PREFIXES = """
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dtq: <http://127.0.0.1:8000/def#>
"""


def select(store, query):
    return [
        {name: term.value for name, term in zip([v.value for v in solutions.variables], row)}
        for solutions in [store.query(PREFIXES + query, use_default_graph_as_union=True)]
        for row in solutions
    ]


def test_morbihan_has_249_communes(bundled_store):
    rows = select(
        bundled_store,
        f"SELECT (COUNT(?c) AS ?n) {{ ?c a igeo:Commune ; igeo:subdivisionDe <{BASE}/id/departement/56> }}",
    )
    assert rows == [{"n": "249"}]


def test_vannes_facts(bundled_store):
    vannes = f"<{BASE}/id/commune/56260>"
    rows = select(
        bundled_store,
        f"""SELECT ?label ?population ?year ?parent ?epci ?insee {{
            {vannes} rdfs:label ?label ; dtq:population ?population ; dtq:anneePopulation ?year ;
              igeo:subdivisionDirecteDe ?parent ; dtq:epci ?epci ; skos:exactMatch ?insee }}""",
    )
    assert len(rows) == 1
    assert rows[0]["label"] == "Vannes"
    assert rows[0]["population"] == "55790"
    assert rows[0]["year"] == "2023"
    assert rows[0]["parent"] == f"{BASE}/id/arrondissement/563"
    assert rows[0]["epci"] == f"{BASE}/id/epci/200067932"
    assert rows[0]["insee"] == "http://id.insee.fr/geo/commune/56260"


def test_every_region_and_departement_bundled(bundled_store):
    for name, kind in (("regions", "Region"), ("departements", "Departement")):
        records = json.loads((BUNDLED / f"{name}.json").read_text("utf-8"))
        rows = select(bundled_store, f"SELECT (COUNT(*) AS ?n) {{ ?r a igeo:{kind} }}")
        assert rows == [{"n": str(len(records))}]


def test_overseas_and_corsica_codes_survive(bundled_store):
    codes = {row["code"] for row in select(bundled_store, "SELECT ?code { ?d a igeo:Departement ; igeo:codeINSEE ?code }")}
    assert {"01", "2A", "2B", "971", "976"} <= codes


def test_deleguee_is_another_resource(bundled_store):
    rows = select(
        bundled_store,
        """SELECT ?deleguee ?commune {
            ?deleguee a igeo:CommuneDeleguee ; igeo:codeINSEE ?code ; igeo:subdivisionDirecteDe ?commune .
            ?commune a igeo:Commune ; igeo:codeINSEE ?code }""",
    )
    assert rows
    for row in rows:
        assert "/id/commune-deleguee/" in row["deleguee"]
        assert "/id/commune/" in row["commune"]
        assert row["deleguee"] != row["commune"]
