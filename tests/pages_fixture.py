"""A store for page and search tests: the bundled build plus tests/fixtures/pages and thousands of links."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from graph.search_index import INDEX_FILE, build_index_file
from graph.settings import Settings
from graph.store import current_generation, publish_generation, write_transaction
from tests.conftest import BASE, FIXTURES, make_settings

PAGES_FIXTURES = FIXTURES / "pages"
GRAPH = NamedNode(BASE + "/graph/page-tests")
#: Datasets generated with the theme `id/concept/logement`, for paging.
GENERATED_DATASETS = 3000
THEME = NamedNode(BASE + "/id/concept/logement")


def generated_quads() -> list[Quad]:
    """Return GENERATED_DATASETS datasets that all link to THEME."""
    quads = []
    for number in range(GENERATED_DATASETS):
        dataset = NamedNode(f"{BASE}/id/dataset/genere-{number:04d}")
        quads.append(Quad(dataset, NamedNode("http://www.w3.org/ns/dcat#theme"), THEME, GRAPH))
        quads.append(Quad(dataset, NamedNode("http://purl.org/dc/terms/title"), Literal(f"Jeu généré {number:04d}", language="fr"), GRAPH))
    return quads


def build_page_store(bundled: Settings, root: Path) -> Settings:
    """Copy the bundled build into `root`, add the page fixtures and rebuild the search index."""
    root.mkdir(parents=True)
    copy = root / "gen-00000000T000000-0"
    Store.read_only(str(current_generation(bundled.store))).backup(str(copy))
    publish_generation(root, copy)
    settings = make_settings(root)
    with write_transaction(root) as (path, store):
        store.load(path=str(PAGES_FIXTURES / "resources.ttl"), format=RdfFormat.TURTLE, base_iri=BASE + "/", to_graph=GRAPH)
        store.extend(generated_quads())
        build_index_file(store, settings.base_uri, path / INDEX_FILE)
    return settings
