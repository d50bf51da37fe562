"""INSEE's COG CSV files lift to the same territories as the Etalab JSON files."""

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from graph.settings import Settings, SourceConfig
from graph.sources import LiftContext, lift_function
from tests.conftest import BASE, FIXTURES

GEO = FIXTURES / "geo"
IGEO = "http://rdf.insee.fr/def/geo#"
DTQ = BASE + "/def#"


def lift(kind: str, directory: Path):
    context = LiftContext(Settings(base_uri=BASE), Store())
    return lift_function(kind)(SourceConfig("geo", kind, str(directory)), context)


@pytest.fixture(scope="module")
def etalab():
    return lift("etalab-geo", GEO / "etalab")


@pytest.fixture(scope="module")
def cog():
    return lift("insee-cog", GEO / "cog")


def objects(triples, subject: str, predicate: str) -> set[str]:
    return {t.object.value for t in triples if t.subject == NamedNode(subject) and t.predicate == NamedNode(predicate)}


def test_cog_lifts_without_problems(cog):
    assert cog.problems == []
    assert cog.records == 5 + 6 + 6 + 14


def test_cog_triples_all_in_etalab(etalab, cog):
    assert set(cog.triples) - set(etalab.triples) == set()


def test_etalab_extra_triples_are_cog_gaps(etalab, cog):
    """What only Etalab gives: figures, postcodes, SIREN, former codes and the EPCI."""
    extra = set(etalab.triples) - set(cog.triples)
    epci = f"{BASE}/id/epci/"
    unexplained = [t for t in extra if not t.predicate.value.startswith(DTQ) and not t.subject.value.startswith(epci)]
    assert unexplained == []


def test_cog_territory_counts(cog):
    types = {}
    for triple in cog.triples:
        if triple.predicate.value.endswith("#type"):
            types[triple.object.value] = types.get(triple.object.value, 0) + 1
    assert types[IGEO + "Region"] == 5
    assert types[IGEO + "Departement"] == 6
    assert types[IGEO + "Arrondissement"] == 6
    assert types[IGEO + "Commune"] == 9
    assert types[IGEO + "CommuneDeleguee"] == 3
    assert types[IGEO + "CommuneAssociee"] == 1
    assert types[IGEO + "ArrondissementMunicipal"] == 1


def test_cog_deleguee_parents_from_comparent(cog):
    deleguee = f"{BASE}/id/commune-deleguee/56183"
    assert objects(cog.triples, deleguee, IGEO + "subdivisionDirecteDe") == {f"{BASE}/id/commune/56033"}
    assert objects(cog.triples, deleguee, IGEO + "subdivisionDe") == {
        f"{BASE}/id/commune/56033",
        f"{BASE}/id/arrondissement/563",
        f"{BASE}/id/departement/56",
        f"{BASE}/id/region/53",
    }


def test_cog_deleguee_sharing_code(cog):
    deleguee = f"{BASE}/id/commune-deleguee/56213"
    commune = f"{BASE}/id/commune/56213"
    assert objects(cog.triples, deleguee, IGEO + "subdivisionDirecteDe") == {commune}
    assert objects(cog.triples, deleguee, IGEO + "nom") == {"Saint-Gérand"}
    assert objects(cog.triples, commune, IGEO + "nom") == {"Saint-Gérand-Croixanvec"}


def test_cog_label_keeps_article(cog):
    assert objects(cog.triples, f"{BASE}/id/commune/56057", IGEO + "nom") == {"Le Faouët"}


def test_cog_corsica_and_overseas_codes(cog):
    ajaccio = f"{BASE}/id/commune/2A004"
    assert objects(cog.triples, ajaccio, IGEO + "codeINSEE") == {"2A004"}
    assert objects(cog.triples, ajaccio, IGEO + "subdivisionDirecteDe") == {f"{BASE}/id/arrondissement/2A1"}
    basse_terre = f"{BASE}/id/commune/97105"
    assert objects(cog.triples, basse_terre, "http://www.w3.org/2004/02/skos/core#exactMatch") == {
        "http://id.insee.fr/geo/commune/97105"
    }
    assert f"{BASE}/id/region/01" in objects(cog.triples, basse_terre, IGEO + "subdivisionDe")
    assert objects(cog.triples, f"{BASE}/id/region/01", IGEO + "codeINSEE") == {"01"}


def test_cog_newest_file_chosen(tmp_path, cog):
    for path in (GEO / "cog").glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
        older = path.name.replace("2026", "2019")
        (tmp_path / older).write_text("broken", "utf-8")
    lifted = lift("insee-cog", tmp_path)
    assert set(lifted.triples) == set(cog.triples)


@pytest.mark.parametrize("kind", ["cog", "etalab"])
def test_commune_without_arrondissement(kind, cog, etalab):
    """Mayotte has no arrondissement (an empty ARR, or `"arrondissement": ""` for Etalab)."""
    triples = cog.triples if kind == "cog" else etalab.triples
    acoua = f"{BASE}/id/commune/97601"
    assert objects(triples, acoua, IGEO + "subdivisionDirecteDe") == {f"{BASE}/id/departement/976"}
    assert objects(triples, acoua, IGEO + "subdivisionDe") == {f"{BASE}/id/departement/976", f"{BASE}/id/region/06"}
