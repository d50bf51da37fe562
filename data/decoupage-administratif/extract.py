"""Cut the Etalab administrative divisions down to what the bundled build needs.

Usage: python extract.py PACKAGE_DATA_DIR [OUTPUT_DIR]

PACKAGE_DATA_DIR is the `data/` folder of the npm package
`@etalab/decoupage-administratif` (see README.md for how to fetch it).
Keeps every région and département of France; the communes (actuelles,
déléguées, associées) of the Breton départements; every EPCI with at least
one member in those départements, with all its members; and the
arrondissements of every kept commune. JSON records are copied unchanged.
"""

import json
import sys
from pathlib import Path

BRITTANY_DEPARTEMENTS = {"22", "29", "35", "56"}


def extract(source: Path, target: Path) -> dict[str, int]:
    """Write the cut JSON files into `target` and return their record counts."""
    load = lambda name: json.loads((source / f"{name}.json").read_text("utf-8"))  # noqa: E731
    communes = load("communes")
    epcis = [
        epci
        for epci in load("epci")
        if any(member["code"][:2] in BRITTANY_DEPARTEMENTS for member in epci["membres"])
    ]
    member_codes = {member["code"] for epci in epcis for member in epci["membres"]}
    kept_communes = [
        commune
        for commune in communes
        if commune["departement"] in BRITTANY_DEPARTEMENTS
        or (commune["code"] in member_codes and commune["type"] == "commune-actuelle")
    ]
    arrondissement_codes = {c["arrondissement"] for c in kept_communes if "arrondissement" in c}
    arrondissements = [a for a in load("arrondissements") if a["code"] in arrondissement_codes]

    selection = {
        "regions": load("regions"),
        "departements": load("departements"),
        "arrondissements": arrondissements,
        "communes": kept_communes,
        "epci": epcis,
    }
    target.mkdir(parents=True, exist_ok=True)
    for name, records in selection.items():
        text = json.dumps(records, ensure_ascii=False, indent=1)
        (target / f"{name}.json").write_text(text + "\n", "utf-8")
    return {name: len(records) for name, records in selection.items()}


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    output = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent
    for name, count in extract(Path(sys.argv[1]), output).items():
        print(f"{name}.json: {count} records")
