"""A lean ASGI path for SPARQL queries: the /sparql endpoint functions called without the middleware stack.

A point lookup takes pyoxigraph tens of microseconds, so the per-request
layers of the framework (telemetry, error and body-size middleware, routing)
are a large share of its cost. `SparqlApp` sends query requests on /sparql
(GET or HEAD with a `query` parameter, and POST) straight to the endpoint
functions of `api.sparql`, which parse the parameters, negotiate, run the
engine and build the response as they do behind the router, so both paths
return the same responses. Requests that accept gzip and every other request go through
the whole app, compressed by its middleware.
"""

from __future__ import annotations

import socket

from fastapi import FastAPI
from starlette.requests import Request

from api.metrics import counting_send

SPARQL_PATH = "/sparql"
TCP_CORK = getattr(socket, "TCP_CORK", None)


def _cork(send):
    """Hold back the segments of a response until it is complete, when uvicorn serves it on Linux.

    uvicorn writes the status line and headers, then the body, each at once,
    so a small response would go out in two segments that wake the client
    twice. With TCP_CORK set, the kernel sends them together when it is
    cleared. Return the corked socket, or None where this cannot be done.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if TCP_CORK is None or transport is None:
        return None
    connection = transport.get_extra_info("socket")
    if connection is None:
        return None
    try:
        connection.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 1)
    except OSError:
        return None
    return connection


def _accepts_gzip(headers) -> bool:
    for name, value in headers:
        if name == b"accept-encoding" and b"gzip" in value:
            return True
    return False


def is_fast_query(scope) -> bool:
    """Tell whether a request is a SPARQL query or update that the fast path takes."""
    if scope["type"] != "http" or scope["path"] != SPARQL_PATH or _accepts_gzip(scope["headers"]):
        return False
    method = scope["method"]
    if method in ("GET", "HEAD"):
        query_string = scope["query_string"]
        return query_string.startswith(b"query=") or b"&query=" in query_string
    return method == "POST"


class SparqlApp(FastAPI):
    """The FastAPI app, with SPARQL query requests handled without its middleware stack.

    An unexpected error on the fast path reaches the server (uvicorn returns
    500 and logs it) rather than the app's error middleware.
    """

    async def __call__(self, scope, receive, send) -> None:
        if not is_fast_query(scope):
            await super().__call__(scope, receive, send)
            return

        from api import sparql

        scope["app"] = self
        request = Request(scope, receive)
        if scope["method"] == "POST":
            response = await sparql.sparql_post(request)
        else:
            response = await sparql.sparql_get(request)
        corked = _cork(send)
        try:
            await response(scope, receive, counting_send(send))
        finally:
            if corked is not None:
                corked.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 0)
