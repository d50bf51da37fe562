"""Old codes resolve to today's commune, on the bundled real data."""

import json

import pytest

from graph.settings import PROJECT_ROOT
from graph.territories import commune_index, resolve_commune
from tests.conftest import BASE

COMMUNES = json.loads((PROJECT_ROOT / "data" / "decoupage-administratif" / "communes.json").read_text("utf-8"))


def commune(code: str) -> str:
    return f"{BASE}/id/commune/{code}"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("56260", "56260"),  # Vannes, a commune actuelle
        ("56183", "56033"),  # Quelneuc, commune déléguée of Carentoir
        ("56213", "56213"),  # Saint-Gérand-Croixanvec, not its commune déléguée Saint-Gérand
        ("56049", "56213"),  # Croixanvec, commune déléguée of Saint-Gérand-Croixanvec
        ("29092", "29241"),  # Kernével, commune associée of Rosporden
        ("22142", "22093"),  # a former code of Lamballe-Armor, with no commune déléguée left
    ],
)
def test_resolve_known_cases(bundled_store, code, expected):
    assert resolve_commune(bundled_store, code, BASE) == commune(expected)


def test_resolve_unknown_code(bundled_store):
    assert resolve_commune(bundled_store, "99999", BASE) is None
    assert resolve_commune(bundled_store, "", BASE) is None


def test_resolve_every_former_code(bundled_store):
    current = {record["code"] for record in COMMUNES}
    former = [(old, record["code"]) for record in COMMUNES for old in record.get("anciensCodes", []) if old not in current]
    assert len(former) > 50
    for old, today in former:
        assert resolve_commune(bundled_store, old, BASE) == commune(today), old


def test_resolve_every_deleguee(bundled_store):
    parts = [record for record in COMMUNES if record["type"] in ("commune-deleguee", "commune-associee")]
    actuelles = {record["code"] for record in COMMUNES if record["type"] == "commune-actuelle"}
    for record in parts:
        expected = record["code"] if record["code"] in actuelles else record["chefLieu"]
        assert resolve_commune(bundled_store, record["code"], BASE) == commune(expected), record["code"]


def test_index_matches_resolve(bundled_store):
    index = commune_index(bundled_store, BASE)
    assert len(index) >= len(COMMUNES)
    for code in ("56260", "56183", "56213", "29092", "22142"):
        assert index[code] == resolve_commune(bundled_store, code, BASE)
