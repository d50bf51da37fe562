"""The search index: labels and codes of every named resource, in SQLite FTS5, built with the graph.

The index is the file `search.sqlite` inside each store generation, written
by a post-build hook, so it always matches the graph it is served with.
Labels are matched accent- and case-insensitively by word prefix ("ploermel"
finds Ploërmel), with hyphens read as spaces and apostrophes either dropped
or read as spaces ("crac'h" and "crach" find Crach, "angers" finds
Bouchemaine's "d'Angers"); codes (INSEE code, SIREN, postal code, former
codes) are matched exactly. Hits are ranked: exact code, then exact label,
then labels that start with the query, then territories, datasets, other
resources and statistical observations, then larger populations, then
FTS5's bm25. A hit found by something other than its label says what matched (a
postal code, another label).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode, Store

if TYPE_CHECKING:
    from graph.settings import Settings

log = logging.getLogger(__name__)

INDEX_FILE = "search.sqlite"
#: Version of the index tables, in SQLite's user_version; an index of another version is rebuilt in memory.
SCHEMA_VERSION = 2
IGEO = "http://rdf.insee.fr/def/geo#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: Label predicates, in order of preference for the label shown.
LABEL_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    IGEO + "nom",
)
#: Code predicates with their rank: codes that name the resource come before postal and former codes,
#: and the code of lowest rank is the one shown with a hit.
CODE_PREDICATES = {
    IGEO + "codeINSEE": 0,
    "http://www.w3.org/2004/02/skos/core#notation": 0,
    "http://purl.org/dc/terms/identifier": 0,
    "{def}siren": 1,
    "{def}codePostal": 2,
    "{def}ancienCode": 3,
}
#: Kind of the code of each rank, named by a hit that matched that code.
CODE_KINDS = {0: "code", 1: "siren", 2: "postal code", 3: "former code"}
#: Types shown for a hit when a resource has several, most specific first; others follow by IRI.
TYPE_PREFERENCE = (
    IGEO + "Commune", IGEO + "CommuneDeleguee", IGEO + "CommuneAssociee", IGEO + "ArrondissementMunicipal",
    IGEO + "Intercommunalite", IGEO + "Arrondissement", IGEO + "Departement", IGEO + "Region",
    "http://www.w3.org/ns/dcat#Dataset",
)
#: Rank of the hits of each kind among hits equally close to the query: places first, observations
#: (budget lines, statistics) last, because a place name is also in the labels of its budget lines.
KIND_RANKS = {
    **{IGEO + name: 0 for name in (
        "Commune", "CommuneDeleguee", "CommuneAssociee", "ArrondissementMunicipal",
        "Intercommunalite", "Arrondissement", "Departement", "Region",
    )},
    "http://www.w3.org/ns/dcat#Dataset": 1,
    "http://www.w3.org/ns/dcat#Catalog": 1,
    "http://www.w3.org/ns/dcat#DataService": 1,
    "http://purl.org/linked-data/cube#Observation": 3,
}
OTHER_KIND_RANK = 2
#: Apostrophes of names ("Crac'h", "Saint-Jean-d’Angély"), dropped or read as spaces.
APOSTROPHES = "'’ʼ‘`´"

SCHEMA = """
CREATE TABLE entry (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, label TEXT NOT NULL, label_key TEXT NOT NULL,
                    type TEXT, code TEXT, weight INTEGER NOT NULL DEFAULT 0, kind_rank INTEGER NOT NULL DEFAULT 2);
CREATE INDEX entry_by_iri ON entry (iri);
CREATE TABLE other_label (entry INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX other_label_by_entry ON other_label (entry);
CREATE TABLE code (code TEXT NOT NULL, rank INTEGER NOT NULL, entry INTEGER NOT NULL);
CREATE INDEX code_by_value ON code (code);
CREATE VIRTUAL TABLE entry_text USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
"""


@dataclass
class Entry:
    """One indexed resource."""

    iri: str
    label: str
    #: Every label of the resource, the shown one included, as written.
    texts: set[str]
    type: str | None = None
    codes: dict[str, int] | None = None
    weight: int = 0
    kind_rank: int = OTHER_KIND_RANK


@dataclass(frozen=True)
class Hit:
    """One search result."""

    iri: str
    label: str
    type: str | None
    code: str | None
    #: What matched when it is not the label: a kind of CODE_KINDS or "label", and the code or label.
    matched_kind: str | None = None
    matched: str | None = None


def normalize(text: str) -> str:
    """Return text without accents, case, apostrophes and punctuation, for comparisons.

    >>> normalize("Ploërmel")
    'ploermel'
    >>> normalize("  Saint-Malo ")
    'saint malo'
    >>> normalize("Crac’h")
    'crach'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c) and c not in APOSTROPHES).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in stripped).split())


def search_forms(text: str) -> set[str]:
    """Return the normalized forms under which a label is found: apostrophes dropped, and read as spaces.

    >>> sorted(search_forms("Saint-Jean-d'Angély"))
    ['saint jean d angely', 'saint jean dangely']
    """
    spaced = "".join(" " if c in APOSTROPHES else c for c in text)
    return {normalize(text), normalize(spaced)}


def matches_words(form: str, tokens: list[str]) -> bool:
    """Tell whether every query token starts a word of a normalized label, as FTS5 prefix queries match.

    >>> matches_words("larmor plage", ["plage"])
    True
    >>> matches_words("larmor plage", ["vannes"])
    False
    """
    words = form.split()
    return all(any(word.startswith(token) for word in words) for token in tokens)


def collect_entries(store: Store, base_uri: str) -> list[Entry]:
    """Read the label, codes, type and population of every labelled IRI of the graph, leaving out provenance."""
    meta = NamedNode(base_uri + "/graph/meta")
    entries: dict[str, Entry] = {}
    label_priority: dict[str, int] = {}
    for position, predicate in enumerate(LABEL_PREDICATES):
        for quad in store.quads_for_pattern(None, NamedNode(predicate), None):
            if quad.graph_name == meta or not isinstance(quad.subject, NamedNode) or not isinstance(quad.object, Literal):
                continue
            iri, text = quad.subject.value, quad.object.value
            # French or untagged labels of the first predicate win.
            priority = position * 2 + (0 if quad.object.language in (None, "", "fr") else 1)
            entry = entries.setdefault(iri, Entry(iri, text, set(), codes={}))
            if priority < label_priority.get(iri, priority + 1):
                entry.label = text
                label_priority[iri] = priority
            entry.texts.add(text)

    for template, rank in CODE_PREDICATES.items():
        for quad in store.quads_for_pattern(None, NamedNode(template.replace("{def}", base_uri + "/def#")), None):
            entry = entries.get(quad.subject.value)
            if entry is not None and isinstance(quad.object, Literal) and entry.codes is not None:
                code = quad.object.value.strip().upper()
                entry.codes[code] = min(rank, entry.codes.get(code, rank))

    population = NamedNode(base_uri + "/def#population")
    ranks = {iri: position for position, iri in enumerate(TYPE_PREFERENCE)}
    for entry in entries.values():
        node = NamedNode(entry.iri)
        types = sorted({q.object.value for q in store.quads_for_pattern(node, RDF_TYPE, None)}, key=lambda t: (ranks.get(t, len(ranks)), t))
        entry.type = types[0] if types else None
        entry.kind_rank = min((KIND_RANKS.get(kind, OTHER_KIND_RANK) for kind in types), default=OTHER_KIND_RANK)
        for quad in store.quads_for_pattern(node, population, None):
            try:
                entry.weight = max(entry.weight, int(quad.object.value))
            except ValueError:
                continue
    return list(entries.values())


def write_index(entries: list[Entry], connection: sqlite3.Connection) -> None:
    """Create the index tables in an empty database and fill them."""
    connection.executescript(SCHEMA)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    for number, entry in enumerate(entries, start=1):
        codes = entry.codes or {}
        main_code = min(codes, key=lambda code: (codes[code], code)) if codes else None
        connection.execute(
            "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (number, entry.iri, entry.label, normalize(entry.label), entry.type, main_code, entry.weight, entry.kind_rank),
        )
        forms = set().union(*(search_forms(text) for text in entry.texts))
        connection.execute("INSERT INTO entry_text (rowid, text) VALUES (?, ?)", (number, " | ".join(sorted(forms))))
        others = sorted(entry.texts - {entry.label})
        connection.executemany("INSERT INTO other_label VALUES (?, ?)", [(number, text) for text in others])
        connection.executemany("INSERT INTO code VALUES (?, ?, ?)", [(code, rank, number) for code, rank in codes.items()])
    connection.commit()


def build_index_file(store: Store, base_uri: str, path: Path) -> int:
    """Write the index of a store to `path` (replaced atomically). Returns the number of entries."""
    started = time.perf_counter()
    entries = collect_entries(store, base_uri)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary)
    try:
        write_index(entries, connection)
    finally:
        connection.close()
    os.replace(temporary, path)
    log.info("search index: %d entries written to %s in %.2f s", len(entries), path, time.perf_counter() - started)
    return len(entries)


def build_in_memory(store: Store, base_uri: str) -> sqlite3.Connection:
    """Build the index of a store in memory, for a generation written without one."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    write_index(collect_entries(store, base_uri), connection)
    return connection


def build_search_index(settings: "Settings", store: Store, generation: Path, report: object) -> None:
    """Post-build hook: write the search index of the new generation into it."""
    build_index_file(store, settings.base_uri, generation / INDEX_FILE)


def open_index(generation: Path) -> sqlite3.Connection | None:
    """Open the index of a generation read-only, or return None when it has none or one of another SCHEMA_VERSION."""
    path = generation / INDEX_FILE
    if not path.exists():
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        log.warning("search index %s has version %d, not %d: it is left unused", path, version, SCHEMA_VERSION)
        connection.close()
        return None
    return connection


def label_keys(connection: sqlite3.Connection, iris: list[str]) -> dict[str, str]:
    """Return the normalized label of each indexed IRI among `iris`, for sorting lists of resources."""
    keys: dict[str, str] = {}
    for start in range(0, len(iris), 500):
        chunk = iris[start : start + 500]
        placeholders = ",".join("?" * len(chunk))
        keys.update(connection.execute(f"SELECT iri, label_key FROM entry WHERE iri IN ({placeholders})", chunk).fetchall())
    return keys


def search(connection: sqlite3.Connection, query: str, limit: int = 20) -> list[Hit]:
    """Return the best hits of a query, by exact code, exact label, label prefix, kind, population, bm25."""
    key = normalize(query)
    if not key:
        return []
    code = query.strip().upper()
    hits: dict[str, Hit] = {}
    rows = connection.execute(
        """SELECT e.iri, e.label, e.type, e.code, c.rank FROM code c JOIN entry e ON e.id = c.entry
           WHERE c.code = ? ORDER BY c.rank, e.weight DESC LIMIT ?""",
        (code, limit),
    ).fetchall()
    for iri, label, kind, main_code, rank in rows:
        # A hit on the code shown with the label needs no note. Another code (a postal code, a SIREN) is named.
        matched_kind = CODE_KINDS[rank] if main_code != code else None
        hits.setdefault(iri, Hit(iri, label, kind, main_code, matched_kind, code if matched_kind else None))

    tokens = key.split()
    match = " ".join(f'"{token}"*' for token in tokens)
    rows = connection.execute(
        """SELECT e.id, e.iri, e.label, e.type, e.code FROM entry_text JOIN entry e ON e.id = entry_text.rowid
           WHERE entry_text MATCH ?
           ORDER BY e.label_key = ? DESC, e.label_key LIKE ? DESC, e.kind_rank, e.weight DESC, bm25(entry_text) LIMIT ?""",
        (match, key, key + "%", limit),
    ).fetchall()
    for number, iri, label, kind, main_code in rows:
        if iri in hits:
            continue
        other = None
        if not any(matches_words(form, tokens) for form in search_forms(label)):
            other = matching_label(connection, number, tokens)
        hits[iri] = Hit(iri, label, kind, main_code, "label" if other else None, other)
    return list(hits.values())[:limit]


def matching_label(connection: sqlite3.Connection, entry: int, tokens: list[str]) -> str | None:
    """Return the first other label of an entry that the query tokens match, or None."""
    for (text,) in connection.execute("SELECT text FROM other_label WHERE entry = ? ORDER BY text", (entry,)):
        if any(matches_words(form, tokens) for form in search_forms(text)):
            return text
    return None
