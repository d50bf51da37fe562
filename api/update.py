"""SPARQL 1.1 Update over the protocol: authorised, atomic, logged.

An update runs in `graph.store.write_transaction`: on a copy of the served
generation, published only when the whole request succeeded, so a failed
update changes nothing. It needs a bearer token (api/auth.py). A token
limited to some graphs has its update run on the copy first, then every
graph whose triples changed is checked against the token before the copy
is published.

`using-graph-uri` / `using-named-graph-uri` become USING / USING NAMED
clauses of each DELETE/INSERT operation (DELETE WHERE included). A request that has them and also
USING or WITH in its text is rejected with 400, as the protocol requires.
LOAD is rejected: the server fetches nothing on a client's behalf, and
uploads go through the Graph Store protocol (/store).
"""

from __future__ import annotations

import logging
import time
from itertools import zip_longest

import anyio
from fastapi import Request, Response
from pyoxigraph import DefaultGraph, NamedNode, Store

from api.auth import authenticate, authorize
from api.cors import CORS_HEADERS
from api.protocol_errors import ProtocolError
from api.request_body import graph_iris
from api.sparql_engine import ServiceRejected
from api.sparql_text import add_using_clauses, calls_service, top_level_keywords
from graph.i18n import N_
from graph.settings import Settings, Token
from graph.store import current_generation, write_transaction

log = logging.getLogger(__name__)


async def answer_update(request: Request, update: str, parameters: list[tuple[str, str]]) -> Response:
    """Authenticate, check and run an update, then respond 204 once it is published."""
    settings: Settings = request.app.state.settings
    token = authenticate(request, settings)
    using = graph_iris(parameters, "using-graph-uri")
    using_named = graph_iris(parameters, "using-named-graph-uri")

    keywords = top_level_keywords(update)
    if "LOAD" in keywords:
        raise ProtocolError(
            400,
            N_("LOAD is not supported: upload the data with the Graph Store protocol (PUT or POST /store)."),
        )
    if calls_service(update):
        raise ProtocolError(400, ServiceRejected.msgid)
    if (using or using_named) and keywords & {"USING", "WITH"}:
        raise ProtocolError(
            400,
            N_("The update has USING or WITH clauses and using-graph-uri / using-named-graph-uri parameters: send only one of them."),
        )
    text = add_using_clauses(update, using, using_named)
    await anyio.to_thread.run_sync(execute_update, settings, text, token)
    return Response(status_code=204, headers=CORS_HEADERS)


def execute_update(settings: Settings, update: str, token: Token) -> None:
    """Run an update in a write transaction and publish it. Raises ProtocolError (400, 403, 500)."""
    started = time.perf_counter()
    restricted = "*" not in token.graphs
    with write_transaction(settings.store) as (path, store):
        previous = current_generation(settings.store)
        try:
            store.update(update, base_iri=settings.base_uri + "/")
        except SyntaxError as error:
            raise ProtocolError(400, N_("Invalid SPARQL update: %(error)s"), error=str(error)) from None
        except RuntimeError as error:
            log.info("update by token %s failed: %s", token.name, error)
            raise ProtocolError(400, N_("The update failed: %(error)s"), error=str(error)) from None
        except OSError as error:
            log.error("update by token %s failed on the store: %s", token.name, error)
            raise ProtocolError(500, N_("The update failed on the store: %(error)s"), error=str(error)) from None
        changed = None
        if restricted:
            before = Store.read_only(str(previous)) if previous else Store()
            changed = changed_graphs(before, store)
            authorize(token, changed)
    log.info(
        "update by token %s published as %s in %.2f s%s",
        token.name,
        path.name,
        time.perf_counter() - started,
        "" if changed is None else ", graphs changed: %s" % (", ".join(g or "default" for g in changed) or "none"),
    )


def changed_graphs(before: Store, after: Store) -> list[str | None]:
    """Return the graphs (None for the default graph) whose triples differ between two stores.

    Both stores come from one generation, so an unchanged graph yields the
    same quads in the same index order on both sides, blank nodes included.

    NOTE: this reads every quad of both stores in Python, about a second per
    million quads, which is why only tokens limited to some graphs pay it.
    """
    names = set(before.named_graphs()) | set(after.named_graphs())
    changed: list[str | None] = []
    for graph in [DefaultGraph(), *sorted(names, key=str)]:
        if isinstance(graph, NamedNode) and before.contains_named_graph(graph) != after.contains_named_graph(graph):
            changed.append(graph.value)
            continue
        pairs = zip_longest(
            before.quads_for_pattern(None, None, None, graph),
            after.quads_for_pattern(None, None, None, graph),
        )
        if any(old != new for old, new in pairs):
            changed.append(graph.value if isinstance(graph, NamedNode) else None)
    return changed
