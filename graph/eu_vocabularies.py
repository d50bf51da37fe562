"""The `eu-vocabularies` source kind: the EU authority tables as their own named graph.

The DCAT-AP controlled-vocabulary shapes check `skos:inScheme` of frequency,
language, file type and theme values, and the dataset pages show their
French labels, so the tables are loaded as data (see data/eu-vocabularies/),
unchanged except for the scheme titles that DCAT-AP requires.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from graph.dcat_vocabularies import vocabulary_files
from graph.i18n import N_
from graph.report import Problem, SourceError
from graph.settings import SourceConfig
from graph.sources import LiftContext, Lifted, read_file, source_kind

log = logging.getLogger(__name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT_TITLE = "http://purl.org/dc/terms/title"


@source_kind("eu-vocabularies")
def lift_vocabularies(source: SourceConfig, context: LiftContext) -> Lifted:
    """Load every `*.rdf` (RDF/XML) and `*.ttl` file of the source's directory as they are."""
    result = Lifted()
    files = vocabulary_files(Path(source.location))
    if not files:
        raise SourceError(
            Problem(
                "input-missing",
                source.name,
                N_("%(path)s has no .rdf or .ttl file"),
                location=source.location,
                fix=N_("Check the `location` of the source in the configuration."),
                params={"path": source.location},
            )
        )
    for path in files:
        data, input_file = read_file(path, source.name)
        result.inputs.append(input_file)
        rdf_format = RdfFormat.TURTLE if path.suffix == ".ttl" else RdfFormat.RDF_XML
        try:
            triples = [Triple(q.subject, q.predicate, q.object) for q in parse(data, format=rdf_format)]
        except SyntaxError as error:
            raise SourceError(
                Problem(
                    "rdf-syntax",
                    source.name,
                    N_("%(path)s is not valid RDF: %(error)s"),
                    location=str(path),
                    fix=N_("Copy the file again from its source; it must not be edited."),
                    params={"path": str(path), "error": str(error)},
                )
            ) from None
        result.triples.extend(triples)
        result.records += 1
        log.info("%s: %s, %d triples", source.name, path.name, len(triples))
    result.triples.extend(scheme_titles(result.triples))
    return result


def scheme_titles(triples: list[Triple]) -> list[Triple]:
    """Return a `dct:title` for each concept scheme that has a `skos:prefLabel` but no title.

    DCAT-AP 3 requires a title on every `skos:ConceptScheme`; three of the
    official files label their scheme with `skos:prefLabel` only.
    """
    schemes = {t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object.value == SKOS + "ConceptScheme"}
    titled = {t.subject for t in triples if t.predicate.value == DCT_TITLE}
    return [
        Triple(t.subject, NamedNode(DCT_TITLE), t.object)
        for t in triples
        if t.subject in schemes - titled and t.predicate.value == SKOS + "prefLabel" and getattr(t.object, "language", None) in ("fr", "en")
    ]
