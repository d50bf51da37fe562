"""A lean ASGI path for SPARQL queries: the /sparql endpoint functions called without the middleware stack.

A point lookup takes pyoxigraph tens of microseconds, so the per-request
layers of the framework (telemetry, error and body-size middleware, routing)
are a large share of its cost. `SparqlApp` sends query requests on /sparql
(GET or HEAD with a `query` parameter, and POST) straight to the endpoint
functions of `api.sparql`. Those functions parse the parameters, negotiate,
run the engine and build the response as they do behind the router, so both
paths return the same responses. Requests that accept gzip, and every other
request, go through the whole app and its compression middleware.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request

from api.metrics import counting_send

SPARQL_PATH = "/sparql"


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
        await response(scope, receive, counting_send(send))
