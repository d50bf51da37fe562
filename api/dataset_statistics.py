"""Statistics of the served dataset, for the service description and the VoID description.

They are computed once per store generation (generations never change once
published) with a few aggregate queries, and kept until the next write.

>>> namespace_of("http://rdf.insee.fr/def/geo#Commune")
'http://rdf.insee.fr/def/geo#'
>>> namespace_of("http://purl.org/dc/terms/title")
'http://purl.org/dc/terms/'
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Store

from graph.store import StoreHandle

log = logging.getLogger(__name__)

#: Example resources listed per named graph.
EXAMPLES_PER_GRAPH = 3


@dataclass(frozen=True)
class GraphStatistics:
    """Size and examples of one named graph."""

    iri: str
    triples: int
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetStatistics:
    """Size of each graph of the store, and the vocabularies its predicates and classes come from."""

    default_graph_triples: int
    graphs: tuple[GraphStatistics, ...]
    vocabularies: tuple[str, ...] = field(default=())

    @property
    def triples(self) -> int:
        """The triples of all graphs, counting a triple once per graph it is in."""
        return self.default_graph_triples + sum(graph.triples for graph in self.graphs)


def namespace_of(iri: str) -> str:
    """Return the namespace of a term IRI: everything up to its last `#` or `/`."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def compute_statistics(store: Store, uri_space: str) -> DatasetStatistics:
    """Count the triples of every graph of a store and find its vocabularies and example resources.

    Example resources are typed subjects whose IRI starts with `uri_space`.
    """
    started = time.perf_counter()
    counts = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    graphs = []
    for row in counts:
        iri = row["g"].value
        graphs.append(GraphStatistics(iri, int(row["n"].value), _examples(store, iri, uri_space)))

    default_count = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"]
    terms = store.query(
        "SELECT DISTINCT ?term WHERE { { GRAPH ?g { ?s ?term ?o } } UNION { GRAPH ?g { ?s a ?term } } }"
    )
    vocabularies = sorted({namespace_of(row["term"].value) for row in terms if isinstance(row["term"], NamedNode)})
    statistics = DatasetStatistics(int(default_count.value), tuple(graphs), tuple(vocabularies))
    log.info(
        "dataset statistics: %d graphs, %d triples, %d vocabularies in %.2f s",
        len(graphs),
        statistics.triples,
        len(vocabularies),
        time.perf_counter() - started,
    )
    return statistics


def _examples(store: Store, graph: str, uri_space: str) -> tuple[str, ...]:
    # str(NamedNode) and str(Literal) are the terms written in SPARQL syntax, escaped by pyoxigraph.
    rows = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH {NamedNode(graph)} {{ ?s a ?class }} "
        f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(uri_space)})) }} LIMIT {EXAMPLES_PER_GRAPH}"
    )
    return tuple(row["s"].value for row in rows)


class StatisticsCache:
    """The statistics of the served generation, recomputed after each write.

    One cache serves every app of the process: it is keyed by the path of
    the generation, which differs between stores, and by the URI space.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Path | None, str] | None = None
        self._statistics: DatasetStatistics | None = None

    def get(self, handle: StoreHandle, uri_space: str) -> DatasetStatistics:
        """Return the statistics of the handle's current generation. Raises StoreNotBuilt."""
        store = handle.get()
        key = (handle.generation, uri_space)
        with self._lock:
            if self._statistics is None or self._key != key:
                self._statistics = compute_statistics(store, uri_space)
                self._key = key
            return self._statistics


#: The statistics cache of the service description and the VoID description.
STATISTICS = StatisticsCache()
