"""The SPARQL 1.1 Protocol endpoint, /sparql: queries, updates and the service description.

- Queries: GET `?query=`, POST form (`query=`), POST `application/sparql-query`.
  `default-graph-uri` / `named-graph-uri` set the dataset. Without them the
  default graph is the union of every graph of the store. `format` or `output`
  override the Accept header, and `timeout` (seconds) lowers the query timeout.
- Updates: POST form (`update=`) or `application/sparql-update`, with a
  bearer token (see api/update.py).
- GET without a query: the service description in RDF by Accept, or the
  query page (YASGUI) for browsers.
- Browsers, whose Accept header ranks HTML first, and `format=html` get the
  results as an HTML table in the site's layout (api/sparql_results_page.py),
  and query errors as an HTML page. Other clients get the standard formats.

Every response carries the CORS headers, and negotiated responses carry `Vary: Accept`.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import anyio

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from api.auth import authenticate
from api.cors import CORS_HEADERS, preflight_response
from api.dataset_statistics import STATISTICS
from api.protocol_errors import ProtocolError, error_response
from api.query_ui import render_query_page
from api.rdf_response import content_type_header, description_type, rdf_response, serialize_triples
from api.request_body import decode_text, graph_iris, parse_content_type, parse_form, read_body, single_value
from api.service_description import describe_service
from api.sparql_engine import EngineError, EngineOverloaded, EngineResult, engine_of
from api.sparql_formats import (
    GRAPH_MEDIA_TYPES,
    RESULT_MEDIA_TYPES,
    UnknownFormat,
    choose_media_type,
    is_graph_form,
    prefers_html,
)
from api.sparql_results_page import ENGINE_ACCEPT, render_error, render_results
from api.sparql_text import query_form
from api.update import answer_update
from api.void import URI_SPACE, VOID_PATH
from graph.i18n import N_
from graph.store import StoreNotBuilt

log = logging.getLogger(__name__)
router = APIRouter()

SPARQL_PATH = "/sparql"
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
HTML_TYPES = ("text/html", "application/xhtml+xml")


def _url_parameters(request: Request) -> list[tuple[str, str]]:
    # The raw query string of the scope, as `request.url.query` gives it, without building the whole URL.
    query_string = request.scope.get("query_string", b"").decode()
    if len(query_string) > request.app.state.settings.max_query_bytes:
        raise ProtocolError(
            414,
            N_("The URL is too long (%(size)d bytes): send the query in a POST request."),
            size=len(query_string),
        )
    try:
        return parse_qsl(query_string, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise ProtocolError(400, N_("The URL parameters are not valid percent-encoded UTF-8.")) from None


@router.api_route(SPARQL_PATH, methods=["GET", "HEAD"])
async def sparql_get(request: Request) -> Response:
    """Run the query of the URL, or return the service description when there is none."""
    try:
        parameters = _url_parameters(request)
        if any(key == "update" for key, _ in parameters):
            raise ProtocolError(
                405,
                N_("An update must be sent with POST, as a form field “update” or as application/sparql-update."),
                headers={"Allow": ALLOWED_METHODS},
            )
        query = single_value(parameters, "query")
        if query is None:
            return await _describe_service(request, parameters)
        return await answer_query(request, query, parameters)
    except ProtocolError as error:
        return error_response(request, error)


@router.post(SPARQL_PATH)
async def sparql_post(request: Request) -> Response:
    """Run a query or an update sent in a form or directly in the body."""
    settings = request.app.state.settings
    try:
        parameters = _url_parameters(request)
        media_type, content_parameters = parse_content_type(request.headers.get("content-type"))
        if media_type == FORM:
            # Only a client with a token may send a form as large as an upload, since only updates need that.
            limit = settings.max_upload_bytes if "authorization" in request.headers else settings.max_query_bytes
            form = parse_form(await read_body(request, limit))
            return await _answer_form(request, parameters, form)
        if media_type == QUERY_TYPE:
            body = await read_body(request, settings.max_query_bytes)
            _reject_in_url(parameters, ("query", "update"))
            return await answer_query(request, decode_text(body, content_parameters.get("charset")), parameters)
        if media_type == UPDATE_TYPE:
            authenticate(request, settings)
            body = await read_body(request, settings.max_upload_bytes)
            _reject_in_url(parameters, ("query", "update"))
            return await answer_update(request, decode_text(body, content_parameters.get("charset")), parameters)
        raise ProtocolError(
            415,
            N_("Unsupported Content-Type “%(media_type)s”: send %(expected)s."),
            media_type=media_type or "-",
            expected=", ".join((FORM, QUERY_TYPE, UPDATE_TYPE)),
        )
    except ProtocolError as error:
        return error_response(request, error)


@router.options(SPARQL_PATH)
def sparql_options() -> Response:
    """Respond to OPTIONS and CORS preflight requests."""
    return preflight_response(ALLOWED_METHODS)


async def _answer_form(request: Request, url_parameters: list[tuple[str, str]], form: list[tuple[str, str]]) -> Response:
    parameters = url_parameters + form
    # Counted over the URL and the form together, so a second query in the URL is rejected too.
    query = single_value(parameters, "query")
    update = single_value(parameters, "update")
    if query is not None and update is not None:
        raise ProtocolError(400, N_("A request has either a “query” or an “update” field, not both."))
    if update is not None:
        return await answer_update(request, update, parameters)
    if query is None:
        raise ProtocolError(400, N_("The form has no “query” or “update” field."))
    if len(query.encode("utf-8")) > request.app.state.settings.max_query_bytes:
        raise ProtocolError(
            413,
            N_("The request body is too large (%(size)d bytes, at most %(limit)d): split it into smaller requests."),
            size=len(query.encode("utf-8")),
            limit=request.app.state.settings.max_query_bytes,
        )
    return await answer_query(request, query, parameters)


def _reject_in_url(parameters: list[tuple[str, str]], names: tuple[str, ...]) -> None:
    for name in names:
        if any(key == name for key, _ in parameters):
            raise ProtocolError(
                400,
                N_("The parameter “%(name)s” cannot be in the URL when the body contains the request."),
                name=name,
            )


def _timeout(parameters: list[tuple[str, str]]) -> float | None:
    value = single_value(parameters, "timeout")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ProtocolError(400, N_("The timeout “%(value)s” is invalid: give a positive number of seconds."), value=value)
    return seconds


async def answer_query(request: Request, query: str, parameters: list[tuple[str, str]]) -> Response:
    """Run a query with the request's dataset, format and timeout, and stream its results."""
    default_graphs = graph_iris(parameters, "default-graph-uri")
    named_graphs = graph_iris(parameters, "named-graph-uri")
    format_parameter = single_value(parameters, "format") or single_value(parameters, "output")
    timeout = _timeout(parameters)

    form = query_form(query)
    html = prefers_html(form, request.headers.get("accept"), format_parameter)
    try:
        media_type = ENGINE_ACCEPT if html else choose_media_type(form, request.headers.get("accept"), format_parameter)
    except UnknownFormat:
        offers = GRAPH_MEDIA_TYPES if is_graph_form(form) else RESULT_MEDIA_TYPES
        raise ProtocolError(
            400,
            N_("The format “%(value)s” is not available for this query: use one of %(formats)s."),
            value=format_parameter,
            formats=", ".join(offers),
        ) from None
    if media_type is None and form is not None:
        offers = GRAPH_MEDIA_TYPES if is_graph_form(form) else RESULT_MEDIA_TYPES
        raise ProtocolError(
            406,
            N_("No acceptable format: the results of this query are available as %(formats)s."),
            formats=", ".join(offers),
        )

    # A request that names any graph sets the whole dataset: the graphs it
    # does not name are left out (an empty default graph when it names only
    # named graphs). Otherwise the engine uses the union default graph.
    dataset_named = bool(default_graphs or named_graphs)
    try:
        result = await engine_of(request.app.state).execute(
            query,
            default_graphs=default_graphs if dataset_named else None,
            named_graphs=named_graphs if dataset_named else None,
            media_type=media_type,
            timeout=timeout,
            receive=request.receive,
        )
    except EngineError as error:
        if html:
            log.info("%s %s rejected with %d: %s", request.method, request.url.path, error.status, error)
            response = render_error(request, query, error)
            response.headers.update(CORS_HEADERS)
            if isinstance(error, EngineOverloaded):
                response.headers["Retry-After"] = str(error.retry_after)
            return response
        raise protocol_error(error) from None

    if html:
        body = result.body if isinstance(result.body, bytes) else b"".join([part async for part in result.body])
        response = render_results(request, query, form, parameters, result.kind, body)
        response.headers.update(CORS_HEADERS)
        return _head_only(response) if request.method == "HEAD" else response

    headers = {**CORS_HEADERS, "Vary": "Accept"}
    content_type = content_type_header(result.media_type)
    if isinstance(result.body, bytes):
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(result.body))
            return Response(headers=headers, media_type=content_type)
        return Response(result.body, headers=headers, media_type=content_type)
    if request.method == "HEAD":
        await _close(result.body)
        return Response(headers=headers, media_type=content_type)
    return streamed_results(result)


def streamed_results(result: EngineResult) -> StreamingResponse:
    """Build the response that streams the results of a query as the engine produces them."""
    headers = {**CORS_HEADERS, "Vary": "Accept"}
    return StreamingResponse(result.body, headers=headers, media_type=content_type_header(result.media_type))


def protocol_error(error: EngineError) -> ProtocolError:
    """Return the protocol error that reports an engine error, with `Retry-After` when the engine is overloaded."""
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, EngineOverloaded) else None
    return ProtocolError(error.status, error.msgid, headers=headers, **error.params)


def _head_only(response: Response) -> Response:
    headers = dict(response.headers)
    return Response(status_code=response.status_code, headers=headers)


async def _close(body) -> None:
    close = getattr(body, "aclose", None)
    if close is not None:
        await close()


async def _describe_service(request: Request, parameters: list[tuple[str, str]]) -> Response:
    format_parameter = single_value(parameters, "format") or single_value(parameters, "output")
    media_type = description_type(request.headers.get("accept"), format_parameter)
    if media_type in HTML_TYPES:
        response = render_query_page(request)
        response.headers.update(CORS_HEADERS)
        return response
    settings = request.app.state.settings
    try:
        # The first description of a generation scans the whole store, so it runs off the event loop.
        statistics = await anyio.to_thread.run_sync(
            STATISTICS.get, request.app.state.store, settings.base_uri + URI_SPACE
        )
    except StoreNotBuilt:
        raise ProtocolError(503, N_("The store is empty: run `datatheque build` first.")) from None
    triples = describe_service(settings.base_uri + SPARQL_PATH, settings.base_uri + VOID_PATH, statistics)
    return rdf_response(serialize_triples(triples, media_type), media_type, head=request.method == "HEAD")
