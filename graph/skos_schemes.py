"""SKOS schemes written by hand in Turtle: the ACTES subjects, the club themes, the budget stages.

The files use relative IRIs (`<id/concept/…>`, `<def#…>`) resolved against
the base URI, so the schemes follow the configured base like the lifted data.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from graph.i18n import N_
from graph.report import Problem, SourceError
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, read_file, source_kind

log = logging.getLogger(__name__)


@source_kind("skos-turtle")
def lift_turtle_schemes(source: SourceConfig, context: LiftContext) -> Lifted:
    """Load every `*.ttl` file of a directory (or one file). Raises SourceError on a syntax error."""
    location = Path(source.location)
    paths = sorted(location.glob("*.ttl")) if location.is_dir() else [location]
    result = Lifted()
    for path in paths:
        data, input_file = read_file(path, source.name)
        result.inputs.append(input_file)
        try:
            triples = list(parse(data, format=RdfFormat.TURTLE, base_iri=context.settings.base_uri + "/"))
        except SyntaxError as error:
            raise SourceError(
                Problem(
                    "turtle-syntax",
                    source.name,
                    N_("%(path)s: invalid Turtle: %(error)s"),
                    location=str(path),
                    fix=N_("Correct the Turtle syntax at the position given."),
                    params={"path": str(path), "error": str(error)},
                )
            ) from None
        result.triples.extend(triples)
        result.records += 1
        log.info("%s: %s gave %d triples", source.name, path.name, len(triples))
    return result
