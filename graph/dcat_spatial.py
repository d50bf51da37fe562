"""Link the `dct:spatial` of harvested datasets to the territories already in the graph."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import Store

from graph.dcat_vocabularies import fold

log = logging.getLogger(__name__)

IGEO = "http://rdf.insee.fr/def/geo#"
#: udata zone levels (`fr:commune:56260@2019-01-01`) and Datathèque prefixes to territory IRI paths.
ZONE_LEVELS = {
    "commune": "commune",
    "departement": "departement",
    "region": "region",
    "epci": "epci",
    "arrondissement": "arrondissement",
}
_ZONE = re.compile(r"^(?:fr:)?(commune|departement|region|epci|arrondissement)[:/]([0-9AB]{2,9})(?:@.*)?$", re.IGNORECASE)
_COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_DEPARTEMENT_CODE = re.compile(r"^(\d{2}|2[AB]|97\d)$")
_SIREN = re.compile(r"^\d{9}$")


@dataclass
class TerritoryIndex:
    """The territories of the graph, by IRI, INSEE URI and folded name."""

    base_uri: str
    iris: set[str] = field(default_factory=set)
    by_insee_uri: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def from_store(cls, store: Store, base_uri: str) -> "TerritoryIndex":
        """Read every territory with an INSEE code from the graph built so far."""
        index = cls(base_uri)
        query = f"""
            PREFIX igeo: <{IGEO}>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?territory ?label ?insee WHERE {{
              ?territory igeo:codeINSEE ?code .
              OPTIONAL {{ ?territory rdfs:label ?label }}
              OPTIONAL {{ ?territory skos:exactMatch ?insee }}
            }}"""
        for row in store.query(query, use_default_graph_as_union=True):
            iri = row["territory"].value
            index.iris.add(iri)
            if row["label"] is not None:
                index.by_name[fold(row["label"].value)].add(iri)
            if row["insee"] is not None:
                index.by_insee_uri[row["insee"].value] = iri
        log.info("territory index: %d territories, %d names", len(index.iris), len(index.by_name))
        return index

    def _known(self, path: str, code: str) -> str | None:
        iri = f"{self.base_uri}/id/{path}/{code.upper()}"
        return iri if iri in self.iris else None

    def link(self, value: str) -> tuple[list[str], str]:
        """Return the territory IRIs a spatial value names, and the outcome of the lookup.

        The value may be a territory IRI of the graph, an INSEE URI, a udata
        zone (`fr:commune:56260`), an INSEE code (5 characters: commune,
        9 digits: EPCI SIREN, 2 or 3 characters: département) or a name
        matching exactly one territory. The second item is "linked",
        "ambiguous" (a name of several territories) or "unknown".
        """
        text = value.strip()
        if text in self.iris:
            return [text], "linked"
        if text in self.by_insee_uri:
            return [self.by_insee_uri[text]], "linked"
        zone = _ZONE.match(text)
        if zone:
            iri = self._known(ZONE_LEVELS[zone.group(1).lower()], zone.group(2))
            return ([iri], "linked") if iri else ([], "unknown")
        for pattern, path in ((_COMMUNE_CODE, "commune"), (_SIREN, "epci"), (_DEPARTEMENT_CODE, "departement")):
            if pattern.match(text):
                iri = self._known(path, text)
                return ([iri], "linked") if iri else ([], "unknown")
        matches = self.by_name.get(fold(text), set())
        if len(matches) == 1:
            return sorted(matches), "linked"
        return [], "ambiguous" if matches else "unknown"
