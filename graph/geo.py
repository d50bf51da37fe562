"""Territories: the Etalab administrative divisions and INSEE's COG files.

Both kinds lift to the same graph (same IRIs, classes and parents), through
the `etalab-*` and `insee-cog-*` mappings.
"""

from __future__ import annotations

import re
from pathlib import Path

from graph.mapping import load_mapping
from graph.i18n import N_
from graph.report import Problem, SourceError
from graph.sources import LiftContext, Lifted, lift_records, read_file, source_kind
from graph.settings import SourceConfig

ETALAB_FILES = ("regions", "departements", "arrondissements", "communes", "epci")
COG_FILES = ("region", "departement", "arrondissement", "commune")


@source_kind("etalab-geo")
def lift_etalab(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift the JSON files of `@etalab/decoupage-administratif` found in a directory."""
    directory = Path(source.location)
    result = Lifted()
    for name in ETALAB_FILES:
        data, input_file = read_file(directory / f"{name}.json", source.name)
        result.inputs.append(input_file)
        lift_records(load_mapping(f"etalab-{name}"), data, input_file.location, source.name, context.settings.base_uri, result)
    return result


def find_cog_file(directory: Path, name: str, source: str) -> Path:
    """Return the newest `v_{name}_AAAA.csv` of a directory. Raises SourceError."""
    pattern = re.compile(rf"v_{name}_(\d{{4}})\.csv$", re.IGNORECASE)
    candidates = sorted(
        (path for path in directory.glob("*.csv") if pattern.search(path.name)),
        key=lambda path: pattern.search(path.name).group(1),  # type: ignore[union-attr]
    )
    if not candidates:
        raise SourceError(
            Problem(
                "input-missing",
                source,
                N_("%(directory)s has no file v_%(name)s_AAAA.csv"),
                location=str(directory),
                fix=N_("Download the COG files from insee.fr into that directory, names unchanged."),
                params={"directory": str(directory), "name": name},
            )
        )
    return candidates[-1]


@source_kind("insee-cog")
def lift_cog(source: SourceConfig, context: LiftContext) -> Lifted:
    """Lift INSEE's COG CSV files (`v_region_AAAA.csv`, …) found in a directory."""
    directory = Path(source.location)
    result = Lifted()
    for name in COG_FILES:
        path = find_cog_file(directory, name, source.name)
        data, input_file = read_file(path, source.name)
        result.inputs.append(input_file)
        lift_records(
            load_mapping(f"insee-cog-{name}"),
            data,
            input_file.location,
            source.name,
            context.settings.base_uri,
            result,
            encoding=source.options.get("encoding"),
        )
    return result
