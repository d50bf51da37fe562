"""The figures of INSEE's comparateur de territoires, lifted over the bundled territories."""

import csv

import pytest
from pyoxigraph import Literal, NamedNode

from graph.settings import PROJECT_ROOT, SourceConfig
from graph.sources import LiftContext
from graph.stats import current_commune_codes, lift_insee_stats
from graph.report import SourceError
from tests.conftest import BASE

CSV = PROJECT_ROOT / "data" / "insee-stats" / "insee-comparateur-2024-communes-bretagne.csv"
DTQ = BASE + "/def#"
SDMX = "http://purl.org/linked-data/sdmx/2009/dimension#"


def csv_rows() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    with CSV.open(encoding="utf-8", newline="") as csv_file:
        for row in csv.DictReader(csv_file):
            rows.setdefault(row["insee_com"], row)
    return rows


@pytest.fixture(scope="module")
def lifted(bundled_settings, bundled_store):
    source = SourceConfig("insee-stats", "insee-stats", str(CSV))
    return lift_insee_stats(source, LiftContext(bundled_settings, bundled_store))


def value(store, subject: str, predicate: str):
    quads = list(store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None, None))
    assert len(quads) == 1, (subject, predicate, quads)
    return quads[0].object


def test_stats_one_row_per_commune(lifted, bundled_store):
    rows = csv_rows()
    current = current_commune_codes(bundled_store)
    assert lifted.records == len([code for code in rows if code in current])
    assert lifted.records < len(CSV.read_text("utf-8").splitlines()) - 1


def test_stats_vannes_figures(bundled_store):
    row = csv_rows()["56260"]
    observation = f"{BASE}/id/cube/insee-comparateur-2024/56260/"
    assert value(bundled_store, observation + "2021", DTQ + "population").value == row["population_2021"]
    assert value(bundled_store, observation + "2021", DTQ + "menages").value == row["menages_2021"]
    assert value(bundled_store, observation + "2021", DTQ + "anneePopulation") == Literal("2021", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))
    assert value(bundled_store, observation + "2015", DTQ + "population").value == row["population_2015"]
    assert value(bundled_store, observation + "2022", DTQ + "naissances").value == row["naissances_2022"]
    assert value(bundled_store, observation + "2022", DTQ + "deces").value == row["deces_2022"]
    assert value(bundled_store, observation + "2022", SDMX + "refArea") == NamedNode(f"{BASE}/id/commune/56260")


def test_stats_former_communes_reported(lifted, bundled_store):
    current = current_commune_codes(bundled_store)
    former = sorted(code for code in csv_rows() if code not in current)
    assert former
    reported = sorted(problem.params["code"] for problem in lifted.problems if problem.code == "former-commune")
    assert reported == former
    for problem in lifted.problems:
        assert problem.location.startswith(f"{CSV}:")
        assert problem.params["commune"].startswith(f"{BASE}/id/commune/")


def test_stats_needs_territories(bundled_settings):
    from pyoxigraph import Store

    source = SourceConfig("insee-stats", "insee-stats", str(CSV))
    with pytest.raises(SourceError) as raised:
        lift_insee_stats(source, LiftContext(bundled_settings, Store()))
    assert raised.value.problem.code == "territories-missing"
