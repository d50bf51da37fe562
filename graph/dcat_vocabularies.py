"""The EU authority tables of DCAT-AP 3, and the tables that map what sources write onto them.

Membership (is this IRI a concept of the scheme?) is read from the bundled
copies in `data/eu-vocabularies/`. The `eu-vocabularies` source kind loads the
same files into their own named graph, for labels and for SHACL.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from graph.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

VOCABULARIES_DIR = PROJECT_ROOT / "data" / "eu-vocabularies"
AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
SCHEMES = ("frequency", "language", "file-type", "data-theme", "licence", "access-right", "distribution-status")


def fold(text: str) -> str:
    """Return text lowercased, without accents and with runs of other characters as one space.

    >>> fold("  Mobilité / Vélo ")
    'mobilite velo'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9+]+", " ", ascii_text).strip()


@lru_cache(maxsize=1)
def concepts() -> dict[str, frozenset[str]]:
    """Return the concept IRIs of each scheme, read from `data/eu-vocabularies/`."""
    members: dict[str, set[str]] = {scheme: set() for scheme in SCHEMES}
    for path in sorted(VOCABULARIES_DIR.glob("*.rdf")) + sorted(VOCABULARIES_DIR.glob("*.ttl")):
        rdf_format = RdfFormat.TURTLE if path.suffix == ".ttl" else RdfFormat.RDF_XML
        for quad in parse(path=str(path), format=rdf_format):
            value = quad.subject.value
            if not isinstance(quad.subject, NamedNode) or not value.startswith(AUTHORITY):
                continue
            scheme, _, code = value[len(AUTHORITY):].partition("/")
            # The labelled older files have no skos:inScheme on concepts, so the IRI decides.
            if scheme in members and code and not code[0].isdigit():
                members[scheme].add(value)
    log.info("EU vocabularies: %s", ", ".join(f"{scheme} {len(iris)}" for scheme, iris in members.items()))
    return {scheme: frozenset(iris) for scheme, iris in members.items()}


def concept(scheme: str, code: str) -> str | None:
    """Return the IRI of a concept when the scheme has it.

    >>> concept("frequency", "ANNUAL")
    'http://publications.europa.eu/resource/authority/frequency/ANNUAL'
    >>> concept("frequency", "YEARLY") is None
    True
    """
    iri = f"{AUTHORITY}{scheme}/{code}"
    return iri if iri in concepts()[scheme] else None


# -- licences -------------------------------------------------------------------


@dataclass(frozen=True)
class Licence:
    """A licence: its IRI and its French label."""

    iri: str
    label: str


ETALAB_2 = Licence(AUTHORITY + "licence/ETALAB_2_0", "Licence Ouverte / Open Licence version 2.0")
ETALAB_1 = Licence("https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf", "Licence Ouverte / Open Licence version 1.0")
ODBL = Licence("https://opendatacommons.org/licenses/odbl/1-0/", "Open Database License (ODbL) 1.0")
LICENCES = {
    "etalab-2.0": ETALAB_2,
    "lov2": ETALAB_2,
    "fr-lo": ETALAB_1,
    "odc-odbl": ODBL,
    "odbl": ODBL,
    "cc-by": Licence(AUTHORITY + "licence/CC_BY_4_0", "Creative Commons Attribution 4.0 International"),
    "cc-by-sa": Licence(AUTHORITY + "licence/CC_BYSA_4_0", "Creative Commons Attribution – Partage dans les mêmes conditions 4.0"),
    "cc-zero": Licence(AUTHORITY + "licence/CC0", "Creative Commons CC0 1.0 Universel"),
    "cc0": Licence(AUTHORITY + "licence/CC0", "Creative Commons CC0 1.0 Universel"),
    "odc-by": Licence(AUTHORITY + "licence/ODC_BY", "Open Data Commons Attribution License 1.0"),
    "odc-pddl": Licence(AUTHORITY + "licence/ODC_PDDL", "Open Data Commons Public Domain Dedication and License 1.0"),
}
#: IRIs that sources use for the same licences.
_LICENCE_IRIS = {licence.iri.rstrip("/"): licence for licence in LICENCES.values()} | {
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence": ETALAB_2,
    "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf": ETALAB_2,
    "http://opendatacommons.org/licenses/odbl/1.0": ODBL,
    "http://opendatacommons.org/licenses/odbl": ODBL,
    "https://opendatacommons.org/licenses/odbl": ODBL,
    "http://www.opendatacommons.org/licenses/odbl": ODBL,
    "https://creativecommons.org/licenses/by/4.0": LICENCES["cc-by"],
    "https://creativecommons.org/licenses/by-sa/4.0": LICENCES["cc-by-sa"],
    "https://creativecommons.org/publicdomain/zero/1.0": LICENCES["cc0"],
}
#: Identifiers and texts that mean "no licence given".
NO_LICENCE = {"notspecified", "license not specified", "licence not specified", "other-at", ""}


def licence_for(value: str) -> tuple[Licence | None, bool]:
    """Return the licence a text, an identifier or an IRI names, and whether its version was assumed.

    An unversioned "Licence Ouverte" is taken as version 2.0, the one Etalab
    has published since 2017. Returns (None, False) for no or an unknown licence.

    >>> licence_for("Licence ouverte / Open Licence")[0].iri.endswith("ETALAB_2_0")
    True
    >>> licence_for("odc-odbl")[0] is ODBL
    True
    >>> licence_for("License Not Specified")
    (None, False)
    """
    text = value.strip()
    if text.lower() in NO_LICENCE:
        return None, False
    if text.lower() in LICENCES:
        return LICENCES[text.lower()], False
    if text.rstrip("/") in _LICENCE_IRIS:
        return _LICENCE_IRIS[text.rstrip("/")], False
    folded = fold(re.sub(r"<[^>]+>", " ", text))
    if "odbl" in folded or "open database license" in folded:
        return ODBL, False
    if "etalab" in folded or "licence ouverte" in folded or "open licence" in folded:
        if re.search(r"\b(v ?2|2 0|version 2)\b", folded):
            return ETALAB_2, False
        if re.search(r"\b(v ?1|1 0|version 1)\b", folded):
            return ETALAB_1, False
        return ETALAB_2, True
    if re.search(r"\bcc by sa\b", folded):
        return LICENCES["cc-by-sa"], False
    if re.search(r"\bcc by\b|creative commons attribution", folded):
        return LICENCES["cc-by"], False
    return None, False


# -- frequencies, languages, themes ---------------------------------------------------

#: udata frequency identifiers and Dublin Core `cld:freq` terms, folded, to EU frequency codes.
FREQUENCIES = {
    "punctual": "NEVER", "unknown": "UNKNOWN", "continuous": "UPDATE_CONT", "hourly": "HOURLY",
    "semidaily": "DAILY_2", "daily": "DAILY", "semiweekly": "WEEKLY_2", "threetimesaweek": "WEEKLY_3",
    "weekly": "WEEKLY", "biweekly": "BIWEEKLY", "semimonthly": "MONTHLY_2", "threetimesamonth": "MONTHLY_3",
    "monthly": "MONTHLY", "bimonthly": "BIMONTHLY", "quarterly": "QUARTERLY", "threetimesayear": "ANNUAL_3",
    "semiannual": "ANNUAL_2", "annual": "ANNUAL", "annuelle": "ANNUAL", "yearly": "ANNUAL", "biennial": "BIENNIAL",
    "triennial": "TRIENNIAL", "quinquennial": "QUINQUENNIAL", "irregular": "IRREG", "irreguliere": "IRREG",
    "mensuelle": "MONTHLY", "trimestrielle": "QUARTERLY", "hebdomadaire": "WEEKLY", "quotidienne": "DAILY",
}


def frequency_for(value: str) -> str | None:
    """Return the EU frequency IRI of an EU IRI, a `cld:freq` IRI or a udata identifier.

    >>> frequency_for("http://purl.org/cld/freq/irregular").rsplit("/", 1)[1]
    'IRREG'
    """
    if value in concepts()["frequency"]:
        return value
    key = value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    code = FREQUENCIES.get(fold(key).replace(" ", ""))
    return concept("frequency", code) if code else None


#: Two-letter ISO 639-1 codes, ISO 639-2/B codes and names, to the three-letter codes of the EU table.
LANGUAGES = {
    "fr": "FRA", "fre": "FRA", "francais": "FRA", "french": "FRA", "en": "ENG", "anglais": "ENG", "english": "ENG",
    "de": "DEU", "ger": "DEU", "es": "SPA", "it": "ITA", "br": "BRE", "breton": "BRE", "nl": "NLD", "dut": "NLD",
    "pt": "POR", "oc": "OCI", "eu": "EUS", "baq": "EUS", "ca": "CAT", "co": "COS",
}


def language_for(value: str) -> str | None:
    """Return the EU language IRI of an EU IRI, a language code or a language name.

    >>> language_for("eng").rsplit("/", 1)[1]
    'ENG'
    >>> language_for("fr-FR").rsplit("/", 1)[1]
    'FRA'
    """
    if value in concepts()["language"]:
        return value
    key = fold(value.rstrip("/").rsplit("/", 1)[-1])
    primary = key.split(" ")[0] if key else ""
    code = LANGUAGES.get(key) or LANGUAGES.get(primary) or primary.upper()
    return concept("language", code) if code else None


#: Folded words of source themes to EU data-theme codes; the first word found decides.
THEMES = (
    ("agricultur", "AGRI"), ("peche", "AGRI"), ("alimentation", "AGRI"),
    ("econom", "ECON"), ("financ", "ECON"), ("budget", "ECON"), ("emploi", "ECON"),
    ("educat", "EDUC"), ("culture", "EDUC"), ("sport", "EDUC"),
    ("energ", "ENER"),
    ("environ", "ENVI"), ("dechet", "ENVI"), ("climat", "ENVI"), ("biodivers", "ENVI"), ("geodes", "ENVI"),
    ("administration", "GOVE"), ("gouvern", "GOVE"), ("government", "GOVE"), ("election", "GOVE"),
    ("sante", "HEAL"), ("health", "HEAL"),
    ("international", "INTR"),
    ("justice", "JUST"), ("securite", "JUST"),
    ("habitat", "SOCI"), ("logement", "SOCI"), ("vieilliss", "SOCI"), ("population", "SOCI"), ("social", "SOCI"),
    ("societ", "SOCI"), ("personnes agees", "SOCI"),
    ("amenagement", "REGI"), ("urbanis", "REGI"), ("geospatial", "REGI"), ("territoire", "REGI"),
    ("science", "TECH"), ("technolog", "TECH"),
    ("transport", "TRAN"), ("mobilit", "TRAN"), ("velo", "TRAN"), ("stationnement", "TRAN"),
)


def theme_for(value: str) -> str | None:
    """Return the EU data-theme IRI of an EU IRI, an EU code or a theme name.

    >>> theme_for("Environmental monitoring facilities").rsplit("/", 1)[1]
    'ENVI'
    >>> theme_for("SOCI").rsplit("/", 1)[1]
    'SOCI'
    >>> theme_for("Transport").rsplit("/", 1)[1]
    'TRAN'
    """
    if value in concepts()["data-theme"]:
        return value
    direct = concept("data-theme", value.strip().upper())
    if direct:
        return direct
    folded = fold(value)
    for word, code in THEMES:
        # Words match at the start of a word, so "transport" does not match "sport".
        if re.search(r"\b" + re.escape(word), folded):
            return concept("data-theme", code)
    return None


# -- formats and media types ------------------------------------------------------------

#: Folded format names and media types to EU file-type codes, where the upper-cased name is not one.
FILE_TYPES = {
    "web page": "HTML", "www link 1 0 http link": "HTML", "text html": "HTML",
    "shapefile": "SHP", "esri shapefile": "SHP", "arcgis geoservices rest api": "REST",
    "geo+json": "GEOJSON", "application vnd geo+json": "GEOJSON", "application geo+json": "GEOJSON",
    "text csv": "CSV", "application json": "JSON", "application zip": "ZIP", "application pdf": "PDF",
    "application vnd google earth kml+xml": "KML", "application rdf+xml": "RDF_XML", "text turtle": "RDF_TURTLE",
    "application ld+json": "JSON_LD", "json ld": "JSON_LD", "jsonld": "JSON_LD", "turtle": "RDF_TURTLE", "ttl": "RDF_TURTLE",
    "application n quads": "RDF_N_QUADS", "nq": "RDF_N_QUADS", "n quads": "RDF_N_QUADS", "application gzip": "GZIP",
    "application xml": "XML", "text xml": "XML", "text plain": "TXT", "xlsx": "XLSX", "xls": "XLS",
    "application vnd openxmlformats officedocument spreadsheetml sheet": "XLSX",
    "application vnd ms excel": "XLS", "application vnd oasis opendocument spreadsheet": "ODS",
    "application sparql query": "SPARQLQ", "application sparql results+json": "SPARQLQRES",
}
#: File types counted as machine-readable and as non-proprietary by the quality score.
MACHINE_READABLE = frozenset(
    {"CSV", "TSV", "JSON", "GEOJSON", "JSON_LD", "XML", "RDF_XML", "RDF_TURTLE", "RDF_N_QUADS", "RDF_N_TRIPLES",
     "XLSX", "XLS", "ODS", "KML", "GML", "GPKG", "SHP", "SPARQLQ", "SPARQLQRES", "REST", "PARQUET", "GTFS"}
)
NON_PROPRIETARY = frozenset(
    {"CSV", "TSV", "JSON", "GEOJSON", "JSON_LD", "XML", "RDF_XML", "RDF_TURTLE", "RDF_N_QUADS", "RDF_N_TRIPLES",
     "ODS", "KML", "GML", "GPKG", "HTML", "TXT", "SPARQLQ", "SPARQLQRES", "PARQUET", "GTFS", "PDF", "ZIP", "GZIP"}
)
#: The registered media type of common EU file types, used when a source gives only the format.
MEDIA_TYPES = {
    "CSV": "text/csv", "JSON": "application/json", "GEOJSON": "application/geo+json", "XML": "application/xml",
    "HTML": "text/html", "PDF": "application/pdf", "ZIP": "application/zip", "KML": "application/vnd.google-earth.kml+xml",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLS": "application/vnd.ms-excel",
    "ODS": "application/vnd.oasis.opendocument.spreadsheet", "RDF_TURTLE": "text/turtle", "RDF_XML": "application/rdf+xml",
    "JSON_LD": "application/ld+json", "TXT": "text/plain",
}
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def file_type_for(value: str) -> str | None:
    """Return the EU file-type IRI of an EU IRI, a format name or a media type.

    >>> file_type_for("csv").rsplit("/", 1)[1]
    'CSV'
    >>> file_type_for("application/vnd.geo+json").rsplit("/", 1)[1]
    'GEOJSON'
    """
    if value in concepts()["file-type"]:
        return value
    if value.startswith(IANA_MEDIA_TYPES):
        value = value[len(IANA_MEDIA_TYPES):]
    folded = fold(value)
    code = FILE_TYPES.get(folded) or folded.replace(" ", "_").upper()
    return concept("file-type", code) if code else None


def media_type_iri(value: str) -> str | None:
    """Return the IANA IRI of a media type, or None when it is not of the form type/subtype.

    >>> media_type_iri("text/csv; charset=utf-8")
    'http://www.iana.org/assignments/media-types/text/csv'
    """
    if value.startswith(IANA_MEDIA_TYPES):
        value = value[len(IANA_MEDIA_TYPES):]
    media_type = value.split(";")[0].strip().lower()
    return IANA_MEDIA_TYPES + media_type if _MEDIA_TYPE.match(media_type) else None


def file_type_code(iri: str) -> str:
    """Return the code of an EU file-type IRI (its last segment)."""
    return iri.rsplit("/", 1)[-1]


def vocabulary_files(directory: Path = VOCABULARIES_DIR) -> list[Path]:
    """Return the bundled vocabulary files, RDF/XML then Turtle."""
    return sorted(directory.glob("*.rdf")) + sorted(directory.glob("*.ttl"))
