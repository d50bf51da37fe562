"""The DCAT-AP 3 catalogue (/catalog, /catalog.ttl, /catalog.rdf, /catalog.jsonld) and the graph dumps.

/catalog picks Turtle, RDF/XML or JSON-LD by the Accept header; the
suffixed paths always serve their syntax. Pages are chosen with `page`
(from 1) and `page_size` (1 to 1000, default 100); each page links the
others with absolute Hydra URLs that return 200 directly, without a redirect.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
from pathlib import Path

from fastapi import APIRouter, Query, Request, Response

from api.negotiation import best_match
from api.protocol_errors import ProtocolError, error_response
from api.rdf_response import rdf_response, serialize_triples
from api.sparql_formats import JSON_LD, RDF_XML, TURTLE
from graph.dcat_export import DEFAULT_PAGE_SIZE, PageOutOfRange, catalog_page
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


def _serve_page(request: Request, path: str, media_type: str | None, page: int, page_size: int) -> Response:
    try:
        if media_type is None:
            raise ProtocolError(
                406,
                N_("No acceptable format: this resource is available as %(formats)s."),
                formats=", ".join(OFFERS),
            )
        try:
            store = request.app.state.store.get()
        except StoreNotBuilt:
            raise ProtocolError(503, N_("The store is empty: run `datatheque build` first.")) from None
        settings = request.app.state.settings
        started = time.perf_counter()
        try:
            result = catalog_page(store, settings.base_uri, path, page, page_size)
        except PageOutOfRange as error:
            raise ProtocolError(
                400, N_("Invalid catalogue page: %(parameter)s must be between 1 and %(maximum)s."), parameter=error.parameter, maximum=error.maximum
            ) from None
        body = serialize_triples(result.triples, media_type, PREFIXES)
        log.info("catalogue page %d/%d (%d items) served as %s in %.2f s", page, result.last_page, result.total, media_type, time.perf_counter() - started)
        return rdf_response(body, media_type, head=request.method == "HEAD")
    except ProtocolError as error:
        return error_response(request, error)


@router.api_route("/catalog", methods=["GET", "HEAD"])
def catalog(
    request: Request,
    page: int = Query(1, description="page number, from 1"),
    page_size: int = Query(DEFAULT_PAGE_SIZE, description="datasets per page, 1 to 1000"),
) -> Response:
    """Serve a page of the catalogue in the syntax the Accept header prefers."""
    return _serve_page(request, "/catalog", best_match(request.headers.get("accept"), OFFERS), page, page_size)


def _suffixed_route(suffix: str, media_type: str):
    def serve(
        request: Request,
        page: int = Query(1, description="page number, from 1"),
        page_size: int = Query(DEFAULT_PAGE_SIZE, description="datasets per page, 1 to 1000"),
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
