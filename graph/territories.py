"""Look up today's commune for an INSEE code, including codes that no longer exist.

Data published by other sources is often keyed by a code that is no longer
a commune actuelle. It may be the code of a commune déléguée or associée,
which resolves to the commune it now belongs to, or the former code of a
merged commune (`dtq:ancienCode`).
"""

from __future__ import annotations

import logging

from pyoxigraph import Literal, Store, Variable

log = logging.getLogger(__name__)

#: Candidate communes of each code, best first. Rank 0 is a commune actuelle with that code.
#: Rank 1 is the commune that a commune déléguée, associée or arrondissement municipal
#: with that code belongs to. Rank 2 is a commune that lists the code as a former code.
CANDIDATES_QUERY = """
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX dtq:  <def#>
SELECT ?code ?commune ?rank WHERE {
  {
    ?commune a igeo:Commune ; igeo:codeINSEE ?code .
    BIND(0 AS ?rank)
  } UNION {
    VALUES ?class { igeo:CommuneDeleguee igeo:CommuneAssociee igeo:ArrondissementMunicipal }
    ?part a ?class ; igeo:codeINSEE ?code ; igeo:subdivisionDirecteDe ?commune .
    ?commune a igeo:Commune .
    BIND(1 AS ?rank)
  } UNION {
    ?commune a igeo:Commune ; dtq:ancienCode ?code .
    BIND(2 AS ?rank)
  }
}
ORDER BY ?rank STR(?commune)
"""


def resolve_commune(store: Store, code: str, base_uri: str) -> str | None:
    """Return the IRI of today's commune for an INSEE commune code, or None.

    The code may be that of a commune actuelle, of a commune déléguée or
    associée or an arrondissement municipal (its commune is returned), or a
    former code. The graph is read as the union of the store's named graphs.
    """
    # NOTE: a former code listed by two communes (a commune split after a merger)
    # resolves to the first of them in IRI order.
    solutions = store.query(
        CANDIDATES_QUERY,
        base_iri=base_uri.rstrip("/") + "/",
        use_default_graph_as_union=True,
        substitutions={Variable("code"): Literal(code.strip())},
    )
    for solution in solutions:
        return solution["commune"].value
    log.info("no commune for the code %r", code)
    return None


def commune_index(store: Store, base_uri: str) -> dict[str, str]:
    """Return today's commune IRI for every code that `resolve_commune` resolves, in one query.

    Meant for lifts that link many records: the same results as
    `resolve_commune`, without one query per record.
    """
    index: dict[str, str] = {}
    # Solutions come best candidate first, so the first commune seen for a code is kept.
    for solution in store.query(CANDIDATES_QUERY, base_iri=base_uri.rstrip("/") + "/", use_default_graph_as_union=True):
        index.setdefault(solution["code"].value, solution["commune"].value)
    log.info("commune index: %d codes", len(index))
    return index
