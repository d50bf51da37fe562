"""The SPARQL 1.1 Graph Store HTTP Protocol at /store.

A graph is named indirectly (`/store?graph=<IRI>`, `/store?default`) or
directly (`/store/{path}` is the graph `{base}/store/{path}`). GET and HEAD
are public, like queries; PUT, POST and DELETE need a bearer token allowed
on the graph (api/auth.py), and each runs in one write transaction of the
store, so a failed upload changes nothing. POST to /store itself creates a
new graph and responds 201 with its IRI in Location.

Status codes: PUT or POST creating a graph 201, changing one 204; DELETE
204; GET, HEAD or DELETE of a graph that does not exist 404.
"""

from __future__ import annotations

import logging
import time
import uuid
from urllib.parse import parse_qsl

import anyio
from fastapi import APIRouter, Request, Response
from pyoxigraph import DefaultGraph, NamedNode, Store

from api.auth import authenticate, authorize
from api.cors import CORS_HEADERS, preflight_response
from api.protocol_errors import ProtocolError, error_response
from api.rdf_payload import Payload, read_payloads
from api.rdf_response import PREFIXES, RDF_FORMATS, rdf_response
from api.request_body import all_values, read_body
from api.sparql_formats import GRAPH_ALIASES, GRAPH_MEDIA_TYPES, N_TRIPLES, negotiate
from graph.i18n import N_
from graph.settings import Settings, Token
from graph.store import StoreNotBuilt, write_transaction

log = logging.getLogger(__name__)
router = APIRouter()

STORE_PATH = "/store"
ALLOWED_METHODS = "GET, HEAD, PUT, POST, DELETE, OPTIONS"
Graph = NamedNode | DefaultGraph


def _graph_name(graph: Graph) -> str:
    return graph.value if isinstance(graph, NamedNode) else "default"


def target_graph(request: Request, direct_path: str | None) -> Graph | None:
    """Return the graph a request names, or None for the store itself. Raises ProtocolError 400."""
    parameters = parse_qsl(request.url.query, keep_blank_values=True)
    graphs = all_values(parameters, "graph")
    default = any(key == "default" for key, _ in parameters)
    if direct_path is not None:
        if graphs or default:
            raise ProtocolError(400, N_("A graph named by its path takes no “graph” or “default” parameter."))
        return NamedNode(request.app.state.settings.base_uri + STORE_PATH + "/" + direct_path)
    if len(graphs) + default > 1:
        raise ProtocolError(400, N_("Name one graph: either one “graph” parameter or “default”."))
    if default:
        return DefaultGraph()
    if not graphs:
        return None
    try:
        return NamedNode(graphs[0])
    except ValueError as error:
        raise ProtocolError(
            400,
            N_("The graph “%(iri)s” is not a valid absolute IRI: %(error)s"),
            iri=graphs[0],
            error=str(error),
        ) from None


def _exists(store: Store, graph: Graph) -> bool:
    return isinstance(graph, DefaultGraph) or store.contains_named_graph(graph)


@router.api_route(STORE_PATH, methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
async def graph_store(request: Request) -> Response:
    """Read or write the graph named by `?graph=` or `?default`."""
    return await _dispatch(request, None)


@router.api_route(STORE_PATH + "/{path:path}", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
async def graph_store_direct(request: Request, path: str) -> Response:
    """Read or write the graph whose IRI is this URL (direct graph identification)."""
    return await _dispatch(request, path)


@router.options(STORE_PATH)
@router.options(STORE_PATH + "/{path:path}")
def graph_store_options() -> Response:
    """Respond to OPTIONS and CORS preflight requests."""
    return preflight_response(ALLOWED_METHODS)


async def _dispatch(request: Request, direct_path: str | None) -> Response:
    try:
        graph = target_graph(request, direct_path)
        if request.method in ("GET", "HEAD"):
            # Serialising a large graph takes seconds, so it runs off the event loop.
            return await anyio.to_thread.run_sync(_read, request, graph)
        settings: Settings = request.app.state.settings
        token = authenticate(request, settings)
        if graph is None and request.method != "POST":
            raise ProtocolError(400, N_("Name a graph: add ?graph=<IRI> or ?default to the URL."))
        if graph is None:
            graph = NamedNode(f"{settings.base_uri}{STORE_PATH}/{uuid.uuid4().hex}")
        authorize(token, [graph.value if isinstance(graph, NamedNode) else None])
        if request.method == "DELETE":
            status = await anyio.to_thread.run_sync(delete_graph, settings, graph, token)
            return Response(status_code=status, headers=CORS_HEADERS)
        payloads = read_payloads(await read_body(request, settings.max_upload_bytes), request.headers.get("content-type"))
        replace = request.method == "PUT"
        status = await anyio.to_thread.run_sync(write_graph, settings, graph, payloads, replace, token)
        headers = dict(CORS_HEADERS)
        if status == 201 and isinstance(graph, NamedNode):
            headers["Location"] = graph.value
        return Response(status_code=status, headers=headers)
    except ProtocolError as error:
        return error_response(request, error)


def _read(request: Request, graph: Graph | None) -> Response:
    if graph is None:
        raise ProtocolError(400, N_("Name a graph: add ?graph=<IRI> or ?default to the URL."))
    media_type = negotiate(request.headers.get("accept"), GRAPH_MEDIA_TYPES, GRAPH_ALIASES)
    if media_type is None:
        raise ProtocolError(
            406,
            N_("No acceptable format: this resource is available as %(formats)s."),
            formats=", ".join(GRAPH_MEDIA_TYPES),
        )
    try:
        store = request.app.state.store.get()
    except StoreNotBuilt:
        raise ProtocolError(404, N_("The graph %(graph)s does not exist."), graph=_graph_name(graph)) from None
    if not _exists(store, graph):
        raise ProtocolError(404, N_("The graph %(graph)s does not exist."), graph=_graph_name(graph))
    rdf_format = RDF_FORMATS[media_type]
    prefixes = None if media_type == N_TRIPLES else PREFIXES
    body = store.dump(format=rdf_format, from_graph=graph, prefixes=prefixes)
    return rdf_response(body, media_type, head=request.method == "HEAD")


def write_graph(settings: Settings, graph: Graph, payloads: list[Payload], replace: bool, token: Token) -> int:
    """Load documents into a graph (replacing it when `replace`) and publish; return 201 or 204.

    Raises ProtocolError 400 when a document does not parse; nothing is written then.
    """
    started = time.perf_counter()
    base_iri = graph.value if isinstance(graph, NamedNode) else settings.base_uri + "/"
    with write_transaction(settings.store) as (path, store):
        existed = _exists(store, graph)
        if replace:
            store.clear_graph(graph)
        for payload in payloads:
            try:
                store.load(payload.data, format=payload.format, base_iri=base_iri, to_graph=graph)
            except SyntaxError as error:
                raise ProtocolError(
                    400,
                    N_("The %(format)s document%(name)s is invalid: %(error)s"),
                    format=payload.format.name,
                    name=f" {payload.name}" if payload.name else "",
                    error=str(error),
                ) from None
        if isinstance(graph, NamedNode) and not store.contains_named_graph(graph):
            store.add_graph(graph)
        triples = _count(store, graph)
    log.info(
        "graph store %s of %s by token %s: %d triples now, published as %s in %.2f s",
        "PUT" if replace else "POST",
        _graph_name(graph),
        token.name,
        triples,
        path.name,
        time.perf_counter() - started,
    )
    return 204 if existed else 201


def delete_graph(settings: Settings, graph: Graph, token: Token) -> int:
    """Delete a named graph (or empty the default graph) and publish; return 204.

    Raises ProtocolError 404 when the named graph does not exist.
    """
    with write_transaction(settings.store) as (path, store):
        if not _exists(store, graph):
            raise ProtocolError(404, N_("The graph %(graph)s does not exist."), graph=_graph_name(graph))
        if isinstance(graph, NamedNode):
            store.remove_graph(graph)
        else:
            store.clear_graph(graph)
    log.info("graph store DELETE of %s by token %s, published as %s", _graph_name(graph), token.name, path.name)
    return 204


def _count(store: Store, graph: Graph) -> int:
    # str(NamedNode) is the IRI written as a SPARQL term, <…>.
    pattern = f"GRAPH {graph} {{ ?s ?p ?o }}" if isinstance(graph, NamedNode) else "?s ?p ?o"
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    return int(next(iter(rows))["n"].value)
