"""Bearer tokens of the write endpoints (SPARQL Update and the Graph Store protocol).

Tokens come from the settings (`[[tokens]]` in datatheque.toml): each has a
name, a secret and the graphs it may change. A graph entry is a graph IRI,
`default` for the default graph, `*` for every graph, or an IRI prefix
ending in `*`. Logs and messages name a token, never its secret.

>>> token = Token("club", "s3cret", ("http://127.0.0.1:8000/graph/feedback*",))
>>> may_write(token, "http://127.0.0.1:8000/graph/feedback/logement")
True
>>> may_write(token, None)
False
"""

from __future__ import annotations

import hmac
import logging
from typing import Iterable

from fastapi import Request

from api.protocol_errors import ProtocolError
from graph.i18n import N_
from graph.settings import Settings, Token

log = logging.getLogger(__name__)

DEFAULT_GRAPH = "default"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="datatheque"'}


def authenticate(request: Request, settings: Settings) -> Token:
    """Return the token of a request's `Authorization: Bearer …` header.

    Raises ProtocolError 401 when the header is missing, malformed or names
    no configured token.
    """
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ProtocolError(
            401,
            N_("Writing needs a bearer token: send the header “Authorization: Bearer <token>”."),
            headers=CHALLENGE,
        )
    secret = secret.strip()
    for token in settings.tokens:
        if hmac.compare_digest(token.secret.encode("utf-8"), secret.encode("utf-8")):
            return token
    log.warning("%s %s: invalid bearer token", request.method, request.url.path)
    raise ProtocolError(
        401,
        N_("The bearer token is invalid: check it against the tokens of the configuration."),
        headers={**CHALLENGE, "WWW-Authenticate": CHALLENGE["WWW-Authenticate"] + ', error="invalid_token"'},
    )


def may_write(token: Token, graph: str | None) -> bool:
    """Tell whether a token may change a graph (None is the default graph)."""
    name = DEFAULT_GRAPH if graph is None else graph
    for allowed in token.graphs:
        if allowed == "*" or allowed == name:
            return True
        if allowed.endswith("*") and graph is not None and graph.startswith(allowed[:-1]):
            return True
    return False


def authorize(token: Token, graphs: Iterable[str | None]) -> None:
    """Check that a token may change every graph given (None is the default graph).

    Raises ProtocolError 403 naming the first graph it may not change.
    """
    for graph in graphs:
        if not may_write(token, graph):
            log.warning("token %s may not write graph %s", token.name, graph or DEFAULT_GRAPH)
            raise ProtocolError(
                403,
                N_("The token “%(token)s” may not change the graph %(graph)s."),
                token=token.name,
                graph=f"<{graph}>" if graph else DEFAULT_GRAPH,
            )
