"""Find the local authority of a SIREN among the territories of the graph.

Communes and EPCI carry `dtq:siren` (and an EPCI's `igeo:codeINSEE` is its
SIREN). Départements have no SIREN in the Etalab files, so the few that the
bundled documents need are listed here.
"""

from __future__ import annotations

from functools import lru_cache

from pyoxigraph import Literal, NamedNode, Store

#: SIREN of a département's council → département code. Source: the SIRET
#: 22560001400016 printed in the Morbihan's own 2021 budget (SCDL export).
DEPARTEMENT_SIRENS = {"225600014": "56"}


class AuthorityIndex:
    """SIREN → territory IRI, read once from a store built with the territories."""

    def __init__(self, store: Store, base_uri: str) -> None:
        self.base_uri = base_uri.rstrip("/")
        self._store = store
        self._by_siren = lru_cache(maxsize=None)(self._lookup)

    def resolve(self, siren: str) -> str | None:
        """Return the IRI of the commune, EPCI or département whose SIREN this is, or None."""
        return self._by_siren(siren)

    def _lookup(self, siren: str) -> str | None:
        predicate = NamedNode(f"{self.base_uri}/def#siren")
        for quad in self._store.quads_for_pattern(None, predicate, Literal(siren), None):
            subject = quad.subject
            if isinstance(subject, NamedNode) and ("/id/commune/" in subject.value or "/id/epci/" in subject.value):
                return subject.value
        code = DEPARTEMENT_SIRENS.get(siren)
        if code is not None:
            departement = NamedNode(f"{self.base_uri}/id/departement/{code}")
            if any(True for _ in self._store.quads_for_pattern(departement, None, None, None)):
                return departement.value
        return None
