"""The HTML page of /catalog: the catalogue's datasets for people, paged and filtered.

The page lists the datasets in the order of the RDF pages (the Datathèque
itself first, then IRI order), so an unfiltered HTML page and the Hydra
page of the same number contain the same datasets. Filters by theme,
publisher or source (`theme=`, `publisher=`, `source=`) narrow the list
before paging. `Link` headers and `<link>` elements name the RDF forms.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from fastapi import Request, Response
from pyoxigraph import Literal, NamedNode, Quad, Store

from api import http_cache
from api.describe import preferred_label
from api.iri import page_href
from api.protocol_errors import ProtocolError
from api.rendering import render, request_language
from api.sparql_formats import JSON_LD, RDF_XML, TURTLE
from graph.dcat_export import CATALOG_DESCRIPTION, CATALOG_TITLE, MAX_PAGE_SIZE, PageOutOfRange, dataset_iris, describe_self, page_url, self_dataset_iri
from graph.dcat_normalize import DCAT, DCT
from graph.i18n import translate

log = logging.getLogger(__name__)

HTML = "text/html"
HTML_TYPES = (HTML, "application/xhtml+xml")
#: The RDF forms of a catalogue page: suffix, media type, name shown.
RDF_FORMS = ((".ttl", TURTLE, "Turtle"), (".rdf", RDF_XML, "RDF/XML"), (".jsonld", JSON_LD, "JSON-LD"))
FILTERS = ("theme", "publisher", "source")


@dataclass
class DatasetEntry:
    """The fields the HTML catalogue shows of one dataset. Linked values are {"iri", "text"} dicts."""

    iri: str
    href: str
    title: str
    source: str | None = None
    publishers: list[dict[str, str]] = field(default_factory=list)
    themes: list[dict[str, str]] = field(default_factory=list)
    territories: list[dict[str, str]] = field(default_factory=list)
    licences: list[dict[str, str]] = field(default_factory=list)
    modified: str | None = None
    modified_text: str | None = None


def _sources(store: Store, base_uri: str) -> dict[str, str]:
    """Return the source name of each dataset: the last segment of its named graph."""
    prefix = f"{base_uri}/graph/"
    query = f"SELECT ?d ?g WHERE {{ GRAPH ?g {{ ?d a <{DCAT}Dataset> }} }}"
    names = {}
    for row in store.query(query):
        graph = row["g"].value
        if graph.startswith(prefix):
            names.setdefault(row["d"].value, graph[len(prefix):])
    return names


def _objects(stores: tuple[Store, ...], subject: NamedNode, predicate: str) -> list[Quad]:
    node = NamedNode(predicate)
    return [q for store in stores for q in store.quads_for_pattern(subject, node, None) if not str(q.graph_name).endswith("/graph/quality>")]


def _label(stores: tuple[Store, ...], iri: str, language: str) -> str:
    for store in stores:
        label = preferred_label(store, NamedNode(iri), language)
        if label:
            return label
    return iri


def _date_text(value: str, language: str) -> str:
    try:
        return format_date(date.fromisoformat(value[:10]), format="long", locale=language)
    except ValueError:
        return value


def _entry(stores: tuple[Store, ...], iri: str, base_uri: str, language: str, source: str | None) -> DatasetEntry:
    node = NamedNode(iri)
    entry = DatasetEntry(iri, page_href(iri, base_uri), _label(stores, iri, language), source)

    def values(predicate: str, subject: NamedNode = node) -> list[dict[str, str]]:
        iris = dict.fromkeys(q.object.value for q in _objects(stores, subject, predicate) if isinstance(q.object, NamedNode))
        return sorted(({"iri": value, "text": _label(stores, value, language)} for value in iris), key=lambda v: v["text"].casefold())

    entry.publishers = values(DCT + "publisher")
    entry.themes = values(DCAT + "theme")
    entry.territories = values(DCT + "spatial")
    licences: dict[str, dict[str, str]] = {}
    for distribution in values(DCAT + "distribution"):
        for licence in values(DCT + "license", NamedNode(distribution["iri"])):
            licences.setdefault(licence["iri"], licence)
    entry.licences = sorted(licences.values(), key=lambda v: v["text"].casefold())
    modified = [q.object.value for q in _objects(stores, node, DCT + "modified") if isinstance(q.object, Literal)]
    if modified:
        entry.modified = max(modified)
        entry.modified_text = _date_text(entry.modified, language)
    return entry


def catalog_entries(store: Store, base_uri: str, language: str) -> list[DatasetEntry]:
    """Return every dataset of the catalogue, the Datathèque itself first, then in IRI order."""
    own = Store()
    own.extend(Quad(t.subject, t.predicate, t.object) for t in describe_self(base_uri))
    sources = _sources(store, base_uri)
    own_iri = self_dataset_iri(base_uri)
    entries = [_entry((own, store), own_iri, base_uri, language, sources.get(own_iri))]
    for iri in dataset_iris(store):
        if iri != own_iri:
            entries.append(_entry((store,), iri, base_uri, language, sources.get(iri)))
    return entries


def _facet(entries: list[DatasetEntry], name: str) -> list[dict[str, object]]:
    """Return the values of a filter with the number of datasets having each, sorted by label."""
    counts: dict[str, dict[str, object]] = {}
    for entry in entries:
        values = [{"iri": entry.source, "text": entry.source}] if name == "source" and entry.source else []
        if name == "theme":
            values = entry.themes
        elif name == "publisher":
            values = entry.publishers
        for value in values:
            counts.setdefault(value["iri"], {"value": value["iri"], "text": value["text"], "count": 0})["count"] += 1
    return sorted(counts.values(), key=lambda v: str(v["text"]).casefold())


def _matches(entry: DatasetEntry, chosen: dict[str, str]) -> bool:
    if "theme" in chosen and chosen["theme"] not in {v["iri"] for v in entry.themes}:
        return False
    if "publisher" in chosen and chosen["publisher"] not in {v["iri"] for v in entry.publishers}:
        return False
    return "source" not in chosen or chosen["source"] == entry.source


def _link_header(base_uri: str, page: int, page_size: int) -> str:
    links = [f'<{page_url(base_uri, "/catalog" + suffix, page, page_size)}>; rel="alternate"; type="{media}"' for suffix, media, _ in RDF_FORMS]
    return ", ".join(links)


def catalog_html(request: Request, store: Store, page: int, page_size: int) -> Response:
    """Render one page of the HTML catalogue. Raises PageOutOfRange like the RDF pages."""
    started = time.perf_counter()
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise PageOutOfRange("page_size", MAX_PAGE_SIZE)

    base_uri = request.app.state.settings.base_uri
    language = request_language(request)
    entries = catalog_entries(store, base_uri, language)
    chosen = {name: request.query_params[name] for name in FILTERS if request.query_params.get(name)}
    matching = [entry for entry in entries if _matches(entry, chosen)]
    last_page = max(1, math.ceil(len(matching) / page_size))
    if page < 1 or page > last_page:
        raise PageOutOfRange("page", last_page)

    # The RDF pages list the whole catalogue, so with filters they link to its first page.
    rdf_page = 1 if chosen else page
    context = {
        "title": translate(CATALOG_TITLE, language),
        "description": translate(CATALOG_DESCRIPTION, language),
        "total": len(entries),
        "count": len(matching),
        "entries": matching[(page - 1) * page_size : page * page_size],
        "first": (page - 1) * page_size + 1,
        "page": page,
        "page_size": page_size,
        "last_page": last_page,
        "filters": [{"name": name, "values": _facet(entries, name), "chosen": chosen.get(name)} for name in FILTERS],
        "filtered": bool(chosen),
        "rdf_forms": [{"href": page_url(base_uri, "/catalog" + suffix, rdf_page, page_size), "type": media, "name": name} for suffix, media, name in RDF_FORMS],
        "rdf_page": rdf_page,
        "hydra_first": page_url(base_uri, "/catalog.ttl", 1, page_size),
    }

    headers = {"Vary": "Accept, Accept-Language, Cookie", "Link": _link_header(base_uri, rdf_page, page_size)}
    response = render(request, "catalog.html", context, headers=headers)
    log.info("catalogue HTML page %d/%d (%d of %d datasets) rendered in %.1f ms", page, last_page, len(matching), len(entries), (time.perf_counter() - started) * 1000)
    return http_cache.for_method(request, response)


def catalog_error_page(request: Request, error: ProtocolError) -> Response:
    """Show a rejected catalogue request to a browser: the message in the page's language, in the site's layout."""
    message = translate(error.message, request_language(request), error.params)
    log.info("%s %s rejected with %d: %s", request.method, request.url.path, error.status, error)
    response = render(request, "catalog_error.html", {"message": message}, status_code=error.status, headers={"Vary": "Accept, Accept-Language, Cookie"})
    return http_cache.for_method(request, response)
