"""Lean ASGI paths for SPARQL queries: the /sparql endpoint without the middleware stack.

A point lookup takes pyoxigraph about 0.1 ms, so the per-request layers of
the framework (telemetry, error and body-size middleware, routing, response
objects) are a large share of its cost. `SparqlApp` takes query requests on
/sparql itself, in two ways:

- A GET whose parameters are only `query`, `format`, `output` and `timeout`,
  from a client that wants a standard result format and no gzip, goes to
  `handle_lean_get`. It reads the query string and the headers once, runs
  the engine, and sends the result with raw ASGI messages. Whenever the
  request needs more (another parameter, a repeated one, a format that is not
  available, the HTML page, an unusual encoding), it returns False before any
  work, and the request takes the next way.
- Other GET and HEAD requests with a `query` parameter, and every POST, go
  to the endpoint functions of `api.sparql` without the middleware stack.

Requests that accept gzip, and every other request, go through the whole
app and its compression middleware. All three ways give the same response to
a request, which tests/test_sparql_engine.py checks.
"""

from __future__ import annotations

import codecs

from fastapi import FastAPI
from starlette.requests import Request

from api.cors import CORS_HEADERS
from api.metrics import METRICS, counting_send
from api.protocol_errors import error_response
from api.query_workers import point_query_form
from api.rdf_response import content_type_header
from api.sparql_engine import EngineError, engine_of
from api.sparql_formats import UnknownFormat, choose_media_type, prefers_html
from api.sparql_text import query_form

SPARQL_PATH = "/sparql"
#: Smallest body that the app's gzip middleware compresses. It then adds Accept-Encoding to Vary, also when the
#: client did not ask for gzip, so the paths that skip the middleware add it to bodies of that size too.
COMPRESSION_MINIMUM_SIZE = 1024

#: The parameters that `handle_lean_get` takes; it leaves requests with other known ones to the endpoint.
LEAN_PARAMETERS = frozenset((b"query", b"format", b"output", b"timeout"))
#: Parameters that change what the endpoint does: the dataset, or an update sent with GET (405).
ENDPOINT_PARAMETERS = frozenset((b"update", b"default-graph-uri", b"named-graph-uri"))

_RAW_CORS_HEADERS = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in CORS_HEADERS.items()]
_HEX_DIGITS = "0123456789abcdefABCDEF"
_HEX_BYTES = {(high + low).encode(): bytes((int(high + low, 16),)) for high in _HEX_DIGITS for low in _HEX_DIGITS}


def unquote_plus_strict(value: bytes) -> str:
    """Decode a form-encoded value as `urllib.parse.unquote_plus` does, but raise on invalid UTF-8.

    A `%` not followed by two hexadecimal digits stays as it is, as in urllib.

    >>> unquote_plus_strict(b"SELECT+%3Fs+%7B%7D+%25zz+%C3%A9")
    'SELECT ?s {} %zz é'
    >>> unquote_plus_strict(b"%zz+%2B+%4") + unquote_plus_strict(b"a\\\\x41%5C%41")
    '%zz + %4a\\\\x41\\\\A'
    >>> unquote_plus_strict(b"%FF")
    Traceback (most recent call last):
    ...
    UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte
    """
    # codecs.escape_decode (undocumented, but CPython's pickle module uses it) decodes `\\xHH` in C, so each
    # `%` becomes `\\x` once the backslashes of the value are doubled. A `%` without two hex digits makes it
    # raise ValueError, and the loop below decodes those values as urllib does.
    try:
        decoded_bytes, _ = codecs.escape_decode(value.replace(b"\\", b"\\\\").replace(b"%", b"\\x").replace(b"+", b" "))
        return decoded_bytes.decode("utf-8")
    except ValueError as error:
        if isinstance(error, UnicodeDecodeError):
            raise
    pieces = value.replace(b"+", b" ").split(b"%")
    decoded = [pieces[0]]
    for piece in pieces[1:]:
        byte = _HEX_BYTES.get(piece[:2])
        if byte is None:
            decoded.append(b"%" + piece)
        else:
            decoded.append(byte)
            decoded.append(piece[2:])
    return b"".join(decoded).decode("utf-8")


def lean_parameters(query_string: bytes) -> dict[bytes, str] | None:
    """Return the parameters of a URL query string if `handle_lean_get` can take the request, else None.

    It can when the string has a `query` and, besides unknown parameters (which the
    endpoint ignores too), only single `format`, `output` and `timeout` values,
    all valid percent-encoded UTF-8.

    >>> lean_parameters(b"query=ASK%7B%7D&format=json&utm_source=x")
    {b'query': 'ASK{}', b'format': 'json'}
    >>> lean_parameters(b"query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fexample.org%2Fg") is None
    True
    >>> lean_parameters(b"query=ASK%7B%7D&query=ASK%7B%7D") is None
    True
    """
    parameters: dict[bytes, str] = {}
    for part in query_string.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        if name not in LEAN_PARAMETERS:
            # An encoded name may decode to a parameter of the endpoint, so only plain names are skipped.
            if name in ENDPOINT_PARAMETERS or b"%" in name or b"+" in name:
                return None
            continue
        if name in parameters:
            return None
        try:
            parameters[name] = unquote_plus_strict(value)
        except UnicodeDecodeError:
            return None
    return parameters if b"query" in parameters else None


def _timeout(value: str | None) -> float | None | bool:
    """Return the seconds of a `timeout` value, None when there is none, or False when it is invalid."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return False
    return seconds if seconds > 0 else False


async def handle_lean_get(app: FastAPI, scope, receive, send) -> bool:
    """Respond to a GET query request with raw ASGI messages, or return False, having done nothing, when it needs the endpoint.

    The response is the one `api.sparql.sparql_get` gives: the same status,
    headers and body, and the same count in the metrics.
    """
    query_string = scope["query_string"]
    settings = app.state.settings
    if len(query_string) > settings.max_query_bytes:
        return False
    parameters = lean_parameters(query_string)
    if parameters is None:
        return False
    accept = None
    for name, value in scope["headers"]:
        if name == b"accept":
            if accept is None:
                accept = value.decode("latin-1")
        elif name == b"accept-encoding" and b"gzip" in value:
            return False

    query = parameters[b"query"]
    format_parameter = parameters.get(b"format") or parameters.get(b"output")
    timeout = _timeout(parameters.get(b"timeout"))
    if timeout is False:
        return False
    # The point-lookup pattern gives the form of the query too, which saves scanning it twice.
    form = point_query_form(query)
    point = form is not None
    if form is None:
        form = query_form(query)
    if form is None or prefers_html(form, accept, format_parameter):
        return False
    try:
        media_type = choose_media_type(form, accept, format_parameter)
    except UnknownFormat:
        return False
    if media_type is None:
        return False

    scope["app"] = app
    try:
        result = await engine_of(app.state).execute(
            query, default_graphs=None, named_graphs=None, media_type=media_type, timeout=timeout, receive=receive, point=point
        )
    except EngineError as error:
        from api.sparql import protocol_error

        response = error_response(Request(scope, receive), protocol_error(error))
        await response(scope, receive, counting_send(send))
        return True

    if not isinstance(result.body, bytes):
        from api.sparql import streamed_results

        await streamed_results(result)(scope, receive, counting_send(send))
        return True
    headers = [
        (b"content-type", content_type_header(result.media_type).encode("latin-1")),
        (b"content-length", str(len(result.body)).encode("latin-1")),
        (b"vary", b"Accept, Accept-Encoding" if len(result.body) >= COMPRESSION_MINIMUM_SIZE else b"Accept"),
        *_RAW_CORS_HEADERS,
    ]
    METRICS.requests.inc("200", result.media_type)
    METRICS.changed()
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": result.body})
    return True


def _accepts_gzip(headers) -> bool:
    for name, value in headers:
        if name == b"accept-encoding" and b"gzip" in value:
            return True
    return False


def is_fast_query(scope) -> bool:
    """Tell whether a request is a SPARQL query or update that goes to the endpoint functions without the middleware."""
    if scope["type"] != "http" or scope["path"] != SPARQL_PATH or _accepts_gzip(scope["headers"]):
        return False
    method = scope["method"]
    if method in ("GET", "HEAD"):
        query_string = scope["query_string"]
        return query_string.startswith(b"query=") or b"&query=" in query_string
    return method == "POST"


class SparqlApp(FastAPI):
    """The FastAPI app, with SPARQL query requests handled without its middleware stack.

    An unexpected error on these paths reaches the server (uvicorn returns
    500 and logs it) rather than the app's error middleware.
    """

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == SPARQL_PATH:
            if await handle_lean_get(self, scope, receive, send):
                return
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
        body = getattr(response, "body", None)
        if body is None or len(body) >= COMPRESSION_MINIMUM_SIZE:
            response.headers.add_vary_header("Accept-Encoding")
        await response(scope, receive, counting_send(send))
