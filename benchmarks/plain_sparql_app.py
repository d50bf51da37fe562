"""A plain ASGI app that runs each /sparql GET query with pyoxigraph and nothing else, the floor of a Python endpoint.

It has none of the endpoint's work: no negotiation (SPARQL JSON for
results, N-Triples for graphs), no timeout, caps, metrics or error
handling, and no check of the request. `sparql_benchmark.py --floor` serves
it beside our app and `oxigraph serve`, under the same web server, to show
how close to `oxigraph serve` any Python web process calling pyoxigraph can
come on this machine. It reads the store given by `DATATHEQUE_STORE`.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

from graph.store import current_generation

RESULTS = (b"application/sparql-results+json", QueryResultsFormat.JSON)
GRAPH = (b"application/n-triples", RdfFormat.N_TRIPLES)


def create_app():
    """Return the app over the current generation of the store in `DATATHEQUE_STORE`."""
    store = Store.read_only(str(current_generation(Path(os.environ["DATATHEQUE_STORE"]))))

    async def app(scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        query = dict(parse_qsl(scope["query_string"].decode())).get("query", "ASK {}")
        results = store.query(query, use_default_graph_as_union=True)
        media_type, output_format = RESULTS if isinstance(results, (QuerySolutions, QueryBoolean)) else GRAPH
        body = results.serialize(format=output_format)
        headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
