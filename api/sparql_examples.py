"""Example queries of the /sparql page, about the Morbihan (département 56).

Each has an English title (a msgid, shown in French by default) and a query
whose comments are in French, written for the configured base URI.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.i18n import N_

PROLOGUE = """PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dtq:  <{base}/def#>
PREFIX morbihan: <{base}/id/departement/56>
"""


@dataclass(frozen=True)
class ExampleQuery:
    """One example: a msgid title and the query text, with `{base}` for the base URI."""

    title: str
    text: str

    def render(self, base_uri: str) -> str:
        """Return the full query (prologue included) for a base URI."""
        return (PROLOGUE + self.text).replace("{base}", base_uri)


EXAMPLES = (
    ExampleQuery(
        N_("How many communes are there in the Morbihan?"),
        """# Nombre de communes actuelles du Morbihan
SELECT (COUNT(?commune) AS ?communes) WHERE {
  ?commune a igeo:Commune ; igeo:subdivisionDe morbihan: .
}""",
    ),
    ExampleQuery(
        N_("The most populated communes of the Morbihan"),
        """# Les dix communes les plus peuplées du Morbihan, avec l'année de la population
SELECT ?commune ?nom ?population ?annee WHERE {
  ?commune a igeo:Commune ; igeo:subdivisionDe morbihan: ;
    igeo:nom ?nom ; dtq:population ?population ; dtq:anneePopulation ?annee .
}
ORDER BY DESC(?population)
LIMIT 10""",
    ),
    ExampleQuery(
        N_("Communes per arrondissement of the Morbihan"),
        """# Nombre de communes de chaque arrondissement du Morbihan
SELECT ?arrondissement ?nom (COUNT(?commune) AS ?communes) WHERE {
  ?arrondissement a igeo:Arrondissement ; igeo:subdivisionDirecteDe morbihan: ; igeo:nom ?nom .
  ?commune a igeo:Commune ; igeo:subdivisionDirecteDe ?arrondissement .
}
GROUP BY ?arrondissement ?nom
ORDER BY DESC(?communes)""",
    ),
    ExampleQuery(
        N_("Intercommunalities of the Morbihan and their population"),
        """# Les EPCI du Morbihan : communes membres et habitants (communes du Morbihan seulement)
SELECT ?epci ?nom (COUNT(?commune) AS ?communes) (SUM(?population) AS ?habitants) WHERE {
  ?commune a igeo:Commune ; igeo:subdivisionDe morbihan: ;
    dtq:epci ?epci ; dtq:population ?population .
  ?epci igeo:nom ?nom .
}
GROUP BY ?epci ?nom
ORDER BY DESC(?habitants)""",
    ),
    ExampleQuery(
        N_("Communes déléguées and the commune they belong to"),
        """# Les communes déléguées du Morbihan et leur commune nouvelle
SELECT ?deleguee ?nom ?commune ?nomCommune WHERE {
  ?deleguee a igeo:CommuneDeleguee ; igeo:nom ?nom ; igeo:subdivisionDirecteDe ?commune .
  ?commune igeo:subdivisionDe morbihan: ; igeo:nom ?nomCommune .
}
ORDER BY ?nomCommune ?nom""",
    ),
    ExampleQuery(
        N_("Find a commune by name and get its postal codes"),
        """# Les communes du Morbihan dont le nom contient « saint », avec leurs codes postaux
SELECT ?commune ?nom (GROUP_CONCAT(?codePostal; separator=", ") AS ?codesPostaux) WHERE {
  ?commune a igeo:Commune ; igeo:subdivisionDe morbihan: ; igeo:nom ?nom ; dtq:codePostal ?codePostal .
  FILTER(CONTAINS(LCASE(?nom), "saint"))
}
GROUP BY ?commune ?nom
ORDER BY ?nom""",
    ),
    ExampleQuery(
        N_("Everything about Vannes"),
        """# Toutes les données sur Vannes, préfecture du Morbihan (INSEE 56260)
DESCRIBE <{base}/id/commune/56260>""",
    ),
)
