"""The `dcat` source kind: a DCAT catalogue in RDF/XML, Turtle or JSON-LD, local or remote.

Remote catalogues are followed page by page through Hydra paging, both
`hydra:PartialCollectionView`/`hydra:next` and the older
`hydra:PagedCollection`/`hydra:nextPage`, up to the source's `max_pages`.
When every page returns 304 Not Modified and the source already has a
graph, that graph is kept as it is instead of lifting the pages again.
NOTE: a change of the normalisation code is not seen by that check, so
delete `{store}/http-cache` to lift unchanged pages again after an upgrade.

Source options (`datatheque.toml`): `format` (rdfxml, turtle, jsonld; by
default from the media type, the extension or the first character),
`publisher` (name used when the catalogue gives none), and the HTTP limits
of graph/http_client.py (`timeout`, `retries`, `backoff`, `max_bytes`, `max_pages`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from graph.dcat_normalize import NormalizeContext, normalize_catalog
from graph.dcat_spatial import TerritoryIndex
from graph.http_client import FetchError, HarvestClient, HttpLimits, max_pages_problem
from graph.i18n import N_
from graph.report import Problem, SourceError
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.sources import InputFile, LiftContext, Lifted, read_file, source_kind

log = logging.getLogger(__name__)

HYDRA = "http://www.w3.org/ns/hydra/core#"
NEXT_PAGE = (HYDRA + "next", HYDRA + "nextPage")
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/json;q=0.5, */*;q=0.1"
#: Local copies of JSON-LD contexts that catalogues name by URL, used instead of fetching them.
KNOWN_CONTEXTS = {
    "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": PROJECT_ROOT / "data" / "catalogues" / "contexts" / "project-open-data-v1.1-catalog.jsonld",
    "http://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": PROJECT_ROOT / "data" / "catalogues" / "contexts" / "project-open-data-v1.1-catalog.jsonld",
}
FORMATS = {"rdfxml": RdfFormat.RDF_XML, "turtle": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD}
_MEDIA_TYPES = {
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/xml": RdfFormat.RDF_XML,
    "text/xml": RdfFormat.RDF_XML,
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/json": RdfFormat.JSON_LD,
}
_EXTENSIONS = {".rdf": RdfFormat.RDF_XML, ".xml": RdfFormat.RDF_XML, ".ttl": RdfFormat.TURTLE, ".jsonld": RdfFormat.JSON_LD, ".json": RdfFormat.JSON_LD}


@dataclass
class Page:
    """One fetched or read page of a catalogue."""

    location: str
    body: bytes
    content_type: str
    input_file: InputFile
    not_modified: bool = False


def rdf_format_of(page: Page, declared: str | None) -> RdfFormat:
    """Return the RDF format of a page: the declared one, else its media type, extension or first character."""
    if declared:
        return FORMATS[declared]
    if page.content_type in _MEDIA_TYPES:
        return _MEDIA_TYPES[page.content_type]
    suffix = Path(page.location.split("?")[0]).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    start = page.body.lstrip()[:1]
    if start == b"<":
        return RdfFormat.RDF_XML
    if start in (b"{", b"["):
        return RdfFormat.JSON_LD
    return RdfFormat.TURTLE


def harvest_client(source: SourceConfig, context: LiftContext) -> HarvestClient:
    """Return the HTTP client of a source, caching conditional requests in `{store}/http-cache`."""
    limits = HttpLimits.from_options(dict(source.options), context.settings.http_timeout)
    return HarvestClient(source.name, context.settings.base_uri, limits, context.settings.store / "http-cache")


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def previous_graph(source: SourceConfig, context: LiftContext) -> Lifted | None:
    """Return the source's current graph as a lift result, or None when it has none."""
    graph = NamedNode(context.settings.graph_iri(source.name))
    if not context.store.contains_named_graph(graph):
        return None
    result = Lifted()
    result.triples = [Triple(q.subject, q.predicate, q.object) for q in context.store.quads_for_pattern(None, None, None, graph)]
    dataset = NamedNode("http://www.w3.org/ns/dcat#Dataset")
    result.records = sum(1 for t in result.triples if t.object == dataset and t.predicate.value.endswith("#type"))
    return result


class JsonLdContextError(Exception):
    """A JSON-LD `@context` named by URL could not be fetched."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def _resolve_contexts(document: Any, client: HarvestClient | None, cache: dict[str, Any]) -> Any:
    """Replace every `@context` URL of a JSON-LD document by the context it names."""
    if isinstance(document, list):
        return [_resolve_contexts(item, client, cache) for item in document]
    if not isinstance(document, dict):
        return document
    resolved = {}
    for key, value in document.items():
        if key == "@context":
            resolved[key] = _context_value(value, client, cache)
        else:
            resolved[key] = _resolve_contexts(value, client, cache)
    return resolved


def _context_value(value: Any, client: HarvestClient | None, cache: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_context_value(item, client, cache) for item in value]
    if not isinstance(value, str):
        return value
    if value not in cache:
        if value in KNOWN_CONTEXTS:
            cache[value] = json.loads(KNOWN_CONTEXTS[value].read_text("utf-8")).get("@context", {})
        elif client is not None and value.startswith(("http://", "https://")):
            try:
                fetched = client.get(value, accept="application/ld+json, application/json;q=0.9")
                cache[value] = json.loads(fetched.body).get("@context", {})
            except (FetchError, ValueError, AttributeError) as error:
                raise JsonLdContextError(value, str(error)) from None
        else:
            raise JsonLdContextError(value, "no local copy, and the catalogue is a local file")
    return cache[value]


def parse_page(page: Page, declared: str | None, client: HarvestClient | None, source: str) -> list[Triple]:
    """Parse one page into raw triples. Raises SourceError naming the page when it cannot be read."""
    rdf_format = rdf_format_of(page, declared)
    body = page.body
    if rdf_format is RdfFormat.JSON_LD:
        try:
            document = json.loads(body)
        except ValueError as error:
            raise _unreadable(page, source, str(error)) from None
        try:
            body = json.dumps(_resolve_contexts(document, client, {})).encode("utf-8")
        except JsonLdContextError as error:
            raise SourceError(
                Problem(
                    "jsonld-context",
                    source,
                    N_("%(path)s: the JSON-LD @context %(url)s cannot be fetched: %(error)s; the page is left out"),
                    location=page.location,
                    fix=N_("Make the context reachable, or add a local copy of it to KNOWN_CONTEXTS in graph/dcat_harvest.py."),
                    params={"path": page.location, "url": error.url, "error": error.reason},
                )
            ) from None
    try:
        # Lenient: invalid IRIs and language tags are reported and repaired record by record.
        quads = parse(body, format=rdf_format, lenient=True)
        return [Triple(q.subject, q.predicate, q.object) for q in quads]
    except (SyntaxError, ValueError) as error:
        raise _unreadable(page, source, str(error)) from None


def _unreadable(page: Page, source: str, error: str) -> SourceError:
    return SourceError(
        Problem(
            "rdf-syntax",
            source,
            N_("%(path)s is not valid RDF: %(error)s"),
            location=page.location,
            fix=N_("Check that the URL serves the catalogue itself, in RDF/XML, Turtle or JSON-LD."),
            params={"path": page.location, "error": error},
        )
    )


def next_page(triples: list[Triple], visited: set[str]) -> str | None:
    """Return the next page that a Hydra view names and that was not read yet."""
    for triple in triples:
        if triple.predicate.value in NEXT_PAGE and isinstance(triple.object, NamedNode):
            if triple.object.value not in visited:
                return triple.object.value
    return None


def read_pages(source: SourceConfig, client: HarvestClient, result: Lifted) -> Iterator[tuple[Page, list[Triple] | None]]:
    """Yield each page of a catalogue with its raw triples (None when the page cannot be read)."""
    declared = source.options.get("format")
    location: str | None = source.location
    visited: set[str] = set()
    while location is not None:
        if len(visited) >= client.limits.max_pages:
            result.problems.append(max_pages_problem(source.name, location, client.limits.max_pages))
            log.warning("%s: stopped at %d pages, next page %s", source.name, len(visited), location)
            return
        visited.add(location)
        if is_remote(location):
            fetched = client.get(location, accept=ACCEPT)
            page = Page(location, fetched.body, fetched.content_type, fetched.input_file, fetched.not_modified)
        else:
            body, input_file = read_file(Path(location), source.name)
            page = Page(location, body, "", input_file)
        try:
            triples = parse_page(page, declared, client, source.name)
        except SourceError as error:
            result.problems.append(error.problem)
            log.error("%s: page %s left out: %s", source.name, location, error)
            yield page, None
            return
        yield page, triples
        following = next_page(triples, visited)
        location = following if following and is_remote(following) else None


@source_kind("dcat")
def lift_dcat(source: SourceConfig, context: LiftContext) -> Lifted:
    """Harvest a DCAT catalogue and normalise its datasets to DCAT-AP 3."""
    result = Lifted()
    raw: list[Triple] = []
    unchanged = True
    with harvest_client(source, context) as client:
        try:
            for page, triples in read_pages(source, client, result):
                result.inputs.append(page.input_file)
                unchanged = unchanged and page.not_modified
                if triples is not None:
                    raw.extend(triples)
        except FetchError as error:
            raise SourceError(error.problem) from None
    if not raw:
        problem = result.problems[-1] if result.problems else Problem("empty-catalogue", source.name, N_("%(path)s has no triples"), location=source.location, params={"path": source.location})
        raise SourceError(problem)
    if unchanged:
        previous = previous_graph(source, context)
        if previous is not None:
            log.info("%s: every page unchanged, previous graph of %d triples kept", source.name, len(previous.triples))
            previous.inputs, previous.problems = result.inputs, result.problems
            return previous
    normalize_catalog(raw, source.location, normalize_context(source, context), result)
    return result


def normalize_context(source: SourceConfig, context: LiftContext) -> NormalizeContext:
    """Return the normalisation context of a source: its name, the base URI and the territories."""
    return NormalizeContext(
        source=source.name,
        base_uri=context.settings.base_uri,
        territories=TerritoryIndex.from_store(context.store, context.settings.base_uri),
        default_publisher=source.options.get("publisher"),
    )
