"""Time the Python of one /sparql query request, in process, beside pyoxigraph's own time for the same query.

The ASGI app is called directly with a prepared scope, receive and send, so
no server or socket is timed. For each query kind the script prints the
median time of a whole request and of pyoxigraph alone (query and serialise
into the same format), and their difference, which is the Python of the
request path. The join runs in a query worker the first time, then in the
web process once the engine has measured it as quick (api/query_costs.py).

    .venv/bin/python benchmarks/sparql_request_overhead.py --store var/national-store
    .venv/bin/python benchmarks/sparql_request_overhead.py --store STORE --profile lookup
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat  # noqa: E402

from api.app import create_app  # noqa: E402
from graph.settings import load_settings  # noqa: E402
from graph.store import StoreHandle  # noqa: E402

BASE = "http://127.0.0.1:8000"
CODES = ("56260", "56121", "29019", "75056", "35238", "13055", "69123", "31555", "67482", "33063")
KINDS = {
    "lookup": ("SELECT ?p ?o WHERE { <" + BASE + "/id/commune/{code}> ?p ?o }", "application/sparql-results+json"),
    "describe": ("DESCRIBE <" + BASE + "/id/commune/{code}>", "application/n-triples"),
    "join": (
        "PREFIX igeo: <http://rdf.insee.fr/def/geo#> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?dataset ?territory ?nom WHERE { ?dataset a dcat:Dataset ; "
        "dct:spatial ?territory . ?territory igeo:nom ?nom } LIMIT 20",
        "application/sparql-results+json",
    ),
}


def _scope(query: str, accept: str) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/sparql", "raw_path": b"/sparql", "root_path": "", "query_string": urlencode({"query": query}).encode(),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", accept.encode()), (b"user-agent", b"bench")],
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
    }


def _receiver():
    """Return an ASGI receive callable that gives the empty body, then waits as a connected client does."""
    received = False

    async def receive() -> dict:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    return receive


async def _time_app(app, scopes: list[dict], rounds: int) -> list[float]:
    statuses = []

    async def send(message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    times = []
    for index in range(rounds):
        scope = dict(scopes[index % len(scopes)])
        started = time.perf_counter()
        await app(scope, _receiver(), send)
        times.append(time.perf_counter() - started)
    if any(status != 200 for status in statuses):
        raise SystemExit(f"unexpected response statuses {sorted(set(statuses))}: check the store and the queries")
    return times


def _time_pyoxigraph(store, queries: list[str], accept: str, rounds: int) -> list[float]:
    times = []
    for index in range(rounds):
        started = time.perf_counter()
        results = store.query(queries[index % len(queries)], base_iri=BASE + "/", use_default_graph_as_union=True)
        if isinstance(results, (QueryBoolean, QuerySolutions)):
            results.serialize(format=QueryResultsFormat.from_media_type(accept))
        else:
            results.serialize(format=RdfFormat.from_media_type(accept))
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="a built store directory")
    parser.add_argument("--rounds", type=int, default=3000, help="requests per query kind (default 3000)")
    parser.add_argument("--kinds", default="lookup,describe,join", help="query kinds, comma-separated")
    parser.add_argument("--profile", metavar="KIND", help="profile this kind with cProfile instead of timing")
    arguments = parser.parse_args(argv)

    settings = load_settings(PROJECT_ROOT / "datatheque.toml", environ={}, store=str(arguments.store), base_uri=BASE, query_timeout=60)
    app = create_app(settings)
    store = StoreHandle(arguments.store).get()
    loop = asyncio.new_event_loop()
    random.seed(1)
    for kind in arguments.kinds.split(","):
        template, accept = KINDS[kind]
        queries = [template.replace("{code}", code) for code in CODES]
        scopes = [_scope(query, accept) for query in queries]
        loop.run_until_complete(_time_app(app, scopes, 200))
        if arguments.profile == kind:
            profile = cProfile.Profile()
            profile.enable()
            loop.run_until_complete(_time_app(app, scopes, arguments.rounds))
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            continue
        request = statistics.median(loop.run_until_complete(_time_app(app, scopes, arguments.rounds)))
        engine = statistics.median(_time_pyoxigraph(store, queries, accept, arguments.rounds))
        print(f"{kind:10} request {request * 1e6:7.1f} µs   pyoxigraph {engine * 1e6:7.1f} µs   Python {(request - engine) * 1e6:7.1f} µs")
    app.state.engine.close() if getattr(app.state, "engine", None) else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
