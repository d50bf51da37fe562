"""The DCAT-AP 3 catalogue (/catalog, /catalog.ttl, /catalog.rdf, /catalog.jsonld) and the graph dumps.

/catalog picks Turtle, RDF/XML or JSON-LD by the Accept header, or the
HTML page of api/catalog_view.py for a client that names text/html. The
suffixed paths always serve their syntax. Pages are chosen with `page`
(from 1) and `page_size` (1 to 1000, default 100); each page links the
others with absolute Hydra URLs that return 200 directly, without a redirect.
Invalid paging values get a 400 in the client's language instead of the
framework's validation error.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
from pathlib import Path

from fastapi import APIRouter, Query, Request, Response

from api.catalog_view import HTML, HTML_TYPES, catalog_error_page, catalog_html
from api.negotiation import best_match, parse_accept
from api.protocol_errors import ProtocolError, error_response
from api.rdf_response import rdf_response, serialize_triples
from api.sparql_formats import JSON_LD, RDF_XML, TURTLE
from graph.dcat_export import DEFAULT_PAGE_SIZE, PageOutOfRange, catalog_page, page_url
from graph.i18n import N_
from graph.store import StoreNotBuilt

log = logging.getLogger(__name__)
router = APIRouter()

#: Syntaxes of /catalog, the server's preference first.
OFFERS = (TURTLE, RDF_XML, JSON_LD)
SUFFIXES = {".ttl": TURTLE, ".rdf": RDF_XML, ".jsonld": JSON_LD}
PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "adms": "http://www.w3.org/ns/adms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def _paging(page: str, page_size: str) -> tuple[int, int]:
    """Read `page` and `page_size` as whole numbers, or raise a 400 ProtocolError naming the bad one."""
    numbers = []
    for parameter, text in (("page", page), ("page_size", page_size)):
        try:
            numbers.append(int(text.strip()))
        except ValueError:
            raise ProtocolError(
                400, N_("Invalid catalogue page: %(parameter)s must be a whole number, not “%(value)s”."), parameter=parameter, value=text[:40]
            ) from None
    return numbers[0], numbers[1]


def _out_of_range(error: PageOutOfRange) -> ProtocolError:
    return ProtocolError(
        400, N_("Invalid catalogue page: %(parameter)s must be between 1 and %(maximum)s."), parameter=error.parameter, maximum=error.maximum
    )


def _store(request: Request):
    try:
        return request.app.state.store.get()
    except StoreNotBuilt:
        raise ProtocolError(503, N_("The store is empty: run `datatheque build` first.")) from None


def _serve_page(request: Request, path: str, media_type: str | None, page_text: str, page_size_text: str) -> Response:
    wants_html = media_type == HTML
    try:
        if media_type is None:
            raise ProtocolError(
                406,
                N_("No acceptable format: this resource is available as %(formats)s."),
                formats=", ".join((HTML, *OFFERS)),
            )
        page, page_size = _paging(page_text, page_size_text)
        store = _store(request)
        if wants_html:
            try:
                return catalog_html(request, store, page, page_size)
            except PageOutOfRange as error:
                raise _out_of_range(error) from None
        settings = request.app.state.settings
        started = time.perf_counter()
        try:
            result = catalog_page(store, settings.base_uri, path, page, page_size)
        except PageOutOfRange as error:
            raise _out_of_range(error) from None
        body = serialize_triples(result.triples, media_type, PREFIXES)
        log.info("catalogue page %d/%d (%d items) served as %s in %.2f s", page, result.last_page, result.total, media_type, time.perf_counter() - started)
        response = rdf_response(body, media_type, head=request.method == "HEAD")
        html_page = page_url(settings.base_uri, "/catalog", page, page_size)
        response.headers["Link"] = f'<{html_page}>; rel="alternate"; type="text/html"'
        return response
    except ProtocolError as error:
        if wants_html:
            return catalog_error_page(request, error)
        return error_response(request, error)


def negotiate(accept: str | None) -> str | None:
    """Return the media type of /catalog: HTML wins ties only when the client names it.

    Without Accept, or with `*/*`, harvesters keep getting Turtle.

    >>> negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    'text/html'
    >>> negotiate("text/turtle, text/html")
    'text/html'
    >>> negotiate("*/*"), negotiate(None), negotiate("text/*")
    ('text/turtle', 'text/turtle', 'text/turtle')
    >>> negotiate("text/html;q=0.5, application/ld+json")
    'application/ld+json'
    >>> negotiate("image/png") is None
    True
    """
    named = any(f"{r.type}/{r.subtype}" in HTML_TYPES and r.quality > 0 for r in parse_accept(accept))
    media_type = best_match(accept, (*HTML_TYPES, *OFFERS) if named else (*OFFERS, *HTML_TYPES))
    return HTML if media_type in HTML_TYPES else media_type


PAGE_DESCRIPTION = "page number, from 1"
PAGE_SIZE_DESCRIPTION = "datasets per page, 1 to 1000"


@router.api_route("/catalog", methods=["GET", "HEAD"])
def catalog(
    request: Request,
    page: str = Query("1", description=PAGE_DESCRIPTION),
    page_size: str = Query(str(DEFAULT_PAGE_SIZE), description=PAGE_SIZE_DESCRIPTION),
) -> Response:
    """Serve a page of the catalogue as HTML to browsers, else in the RDF syntax the Accept header prefers."""
    return _serve_page(request, "/catalog", negotiate(request.headers.get("accept")), page, page_size)


def _suffixed_route(suffix: str, media_type: str):
    def serve(
        request: Request,
        page: str = Query("1", description=PAGE_DESCRIPTION),
        page_size: str = Query(str(DEFAULT_PAGE_SIZE), description=PAGE_SIZE_DESCRIPTION),
    ) -> Response:
        return _serve_page(request, "/catalog" + suffix, media_type, page, page_size)

    serve.__name__ = f"catalog_{suffix[1:]}"
    serve.__doc__ = f"Serve a page of the catalogue as {media_type}."
    return serve


for _suffix, _media_type in SUFFIXES.items():
    router.add_api_route("/catalog" + _suffix, _suffixed_route(_suffix, _media_type), methods=["GET", "HEAD"])


# -- dumps ----------------------------------------------------------------------------------

DUMP_MEDIA_TYPES = {"datatheque.nq.gz": "N-Quads", "datatheque.ttl.gz": "Turtle"}
_DUMP_LOCK = threading.Lock()


def _dump_bytes(request: Request, name: str) -> bytes:
    """Return a gzipped dump of the served generation, written once per generation in `{store}/dumps/`.

    Writing the dump of a new generation deletes those of older ones.
    """
    from pyoxigraph import RdfFormat

    handle = request.app.state.store
    store = handle.get()
    generation: Path = handle.generation
    target = request.app.state.settings.store / "dumps" / f"{generation.name}-{name}"
    with _DUMP_LOCK:
        if not target.exists():
            started = time.perf_counter()
            if name.endswith(".nq.gz"):
                data = store.dump(format=RdfFormat.N_QUADS)
            else:
                data = _union_turtle(store)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".tmp")
            temporary.write_bytes(gzip.compress(data, compresslevel=6))
            temporary.replace(target)
            for old in target.parent.glob(f"*-{name}"):
                if old != target:
                    old.unlink(missing_ok=True)
            log.info("dump %s written for %s: %d bytes in %.2f s", name, generation.name, target.stat().st_size, time.perf_counter() - started)
    return target.read_bytes()


def _union_turtle(store) -> bytes:
    """Serialise the union of the named graphs as Turtle (Turtle has no graphs)."""
    from pyoxigraph import RdfFormat, Triple, serialize

    triples = (Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None))
    return serialize(triples, format=RdfFormat.TURTLE) or b""


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"])
def dump(request: Request, name: str) -> Response:
    """Serve the whole graph as gzipped N-Quads (with graph names) or Turtle (their union)."""
    try:
        if name not in DUMP_MEDIA_TYPES:
            raise ProtocolError(404, N_("No dump named %(name)s: the dumps are %(names)s."), name=name, names=", ".join(DUMP_MEDIA_TYPES))
        try:
            body = _dump_bytes(request, name)
        except StoreNotBuilt:
            raise ProtocolError(503, N_("The store is empty: run `datatheque build` first.")) from None
    except ProtocolError as error:
        return error_response(request, error)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(len(body))}
    if request.method == "HEAD":
        return Response(status_code=200, headers=headers, media_type="application/gzip")
    return Response(body, headers=headers, media_type="application/gzip")
