"""Cool URIs: `/id/…` redirects (303) to `/page/…` (HTML) or `/data/….ttl|.jsonld|.nt|.rdf` (RDF).

The representation is chosen by `Accept` (RFC 9110, api/negotiation.py), or
forced by a file suffix or a `format=` parameter. Resources whose IRI is not
under `{base}/id/` (vocabulary terms, harvested IRIs) are served at
`/page?iri=…` and `/data?iri=…`. Every response carries `Vary`, validators
(ETag, Last-Modified, 304) and `Link: rel=alternate` to the other forms.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pyoxigraph import NamedNode, RdfFormat, serialize

from api import http_cache
from api.describe import PREFIXES, document_triples, exists
from api.iri import DATA, ID, PAGE, RDF_SUFFIXES, alternative_iris, data_href, iri_of_path, page_href, raw_path, split_suffix
from api.negotiation import best_match
from api.not_found import not_found
from api.rendering import render, request_language
from api.resource_view import resource_context
from graph.i18n import N_, translate

log = logging.getLogger(__name__)
router = APIRouter()

HTML_TYPES = ("text/html", "application/xhtml+xml")
RDF_FORMATS = {
    "ttl": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
    "nt": RdfFormat.N_TRIPLES,
    "rdf": RdfFormat.RDF_XML,
}
#: Offers of a Cool URI, the server's default first (ties go to it).
OFFERS = (*HTML_TYPES, *RDF_SUFFIXES.values(), "application/json")
SUFFIX_OF_TYPE = {media: suffix for suffix, media in RDF_SUFFIXES.items()} | {"application/json": "jsonld"}
#: Values of `format=`, with their aliases.
FORMAT_ALIASES = {
    "html": "html", "ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "nt": "nt", "ntriples": "nt", "n-triples": "nt", "rdf": "rdf", "xml": "rdf", "rdfxml": "rdf",
}
METHODS = ["GET", "HEAD"]


class FormatNotAcceptable(Exception):
    """Neither the format parameter nor Accept names a representation the server has."""


def chosen_format(request: Request, forced: str | None, rdf_only: bool = False) -> str:
    """Return "html" or an RDF suffix, from a suffix, `format=`, or Accept. Raises FormatNotAcceptable."""
    requested = forced or request.query_params.get("format")
    if requested:
        name = FORMAT_ALIASES.get(requested.lower())
        if name is None or (rdf_only and name == "html"):
            raise FormatNotAcceptable(requested)
        return name
    offers = [offer for offer in OFFERS if not (rdf_only and offer in HTML_TYPES)]
    media = best_match(request.headers.get("accept"), offers)
    if media is None:
        raise FormatNotAcceptable(request.headers.get("accept", ""))
    return "html" if media in HTML_TYPES else SUFFIX_OF_TYPE[media]


def not_found_format(request: Request, forced: str | None, rdf_first: bool) -> str:
    """Return the format of the 404 of an unknown resource: HTML or an RDF suffix, HTML when none is acceptable.

    An unknown resource is a 404 whatever the client accepts (a 406 would
    wrongly suggest that the resource exists in another format). A suffix or
    `format=` chooses the format when the server has it. Otherwise Accept
    does, with ties going to RDF under `/data/` (`*/*` gets Turtle) and to
    HTML elsewhere, so a browser gets the HTML page.
    """
    requested = forced or request.query_params.get("format")
    if requested:
        return FORMAT_ALIASES.get(requested.lower(), "html")
    offers = [*RDF_SUFFIXES.values(), "application/json", *HTML_TYPES] if rdf_first else list(OFFERS)
    media = best_match(request.headers.get("accept"), offers)
    if media is None or media in HTML_TYPES:
        return "html"
    return SUFFIX_OF_TYPE[media]


def not_acceptable(request: Request) -> Response:
    log.info("406 for %s: Accept %r, format %r", request.url.path, request.headers.get("accept"), request.query_params.get("format"))
    kinds = ", ".join([*HTML_TYPES, *RDF_SUFFIXES.values()])
    text = translate(N_("No representation matches the request. Available media types: %(types)s; format values: html, ttl, jsonld, nt, rdf."), request_language(request), {"types": kinds})
    return http_cache.for_method(request, Response(text + "\n", status_code=406, media_type="text/plain", headers={"Vary": "Accept"}))


def find_resource(request: Request, iri: str) -> NamedNode | None:
    """Return the stored resource named by an IRI as requested, or by its percent-decoded form."""
    store = request.app.state.store.get()
    for candidate in alternative_iris(iri):
        try:
            node = NamedNode(candidate)
        except ValueError as error:
            # Not an IRI (a decoded form with a space, for example), so no stored resource has it.
            log.debug("%r is not an IRI: %s", candidate, error)
            continue
        if exists(store, node):
            return node
    return None


def link_header(iri: str, base_uri: str) -> str:
    links = [f'<{page_href(iri, base_uri)}>; rel="alternate"; type="text/html"']
    links += [f'<{data_href(iri, base_uri, suffix)}>; rel="alternate"; type="{media}"' for suffix, media in RDF_SUFFIXES.items()]
    return ", ".join(links)


@router.api_route("/id/{rest:path}", methods=METHODS, include_in_schema=False)
def cool_uri(request: Request, rest: str) -> Response:
    """Redirect (303 See Other) a Cool URI to the page or the RDF document the client prefers."""
    path = raw_path(request.scope)
    base_uri = request.app.state.settings.base_uri
    iri = iri_of_path(base_uri, path)
    if find_resource(request, iri) is None:
        return not_found(request, iri, not_found_format(request, None, rdf_first=False))
    try:
        format_name = chosen_format(request, None)
    except FormatNotAcceptable:
        return not_acceptable(request)
    target = PAGE + path[len(ID):] if format_name == "html" else DATA + path[len(ID):] + "." + format_name
    language = request.query_params.get("lang")
    if format_name == "html" and language:
        target += "?lang=" + quote(language)
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept", "Link": link_header(iri, base_uri)})


@router.api_route("/page/{rest:path}", methods=METHODS, include_in_schema=False)
def page(request: Request, rest: str) -> Response:
    """Serve the HTML page of a resource under `/id/`."""
    base_uri = request.app.state.settings.base_uri
    return serve_page(request, iri_of_path(base_uri, raw_path(request.scope)))


@router.api_route("/page", methods=METHODS, include_in_schema=False)
def page_of_iri(request: Request, iri: str = "") -> Response:
    """Serve the HTML page of any resource of the graph, named by `?iri=`."""
    return serve_page(request, iri)


@router.api_route("/data/{rest:path}", methods=METHODS, include_in_schema=False)
def data(request: Request, rest: str) -> Response:
    """Serve the RDF document of a resource under `/id/`, in the format of its suffix, `format=` or Accept."""
    path, suffix = split_suffix(raw_path(request.scope))
    base_uri = request.app.state.settings.base_uri
    return serve_data(request, iri_of_path(base_uri, path), suffix)


@router.api_route("/data", methods=METHODS, include_in_schema=False)
def data_of_iri(request: Request, iri: str = "") -> Response:
    """Serve the RDF document of any resource of the graph, named by `?iri=`."""
    return serve_data(request, iri, None)


def serve_page(request: Request, iri: str) -> Response:
    started = time.perf_counter()
    requested_format = request.query_params.get("format")
    if requested_format and FORMAT_ALIASES.get(requested_format.lower()) not in (None, "html"):
        return RedirectResponse(data_href(iri, request.app.state.settings.base_uri, FORMAT_ALIASES[requested_format.lower()]), status_code=303)
    node = find_resource(request, iri) if iri else None
    if node is None:
        return not_found(request, iri, "html")
    base_uri = request.app.state.settings.base_uri
    language = request_language(request)
    headers = {"Vary": "Accept, Accept-Language, Cookie", "Link": link_header(node.value, base_uri)}
    headers |= http_cache.validators(request.app.state.store, f"page {request.url.path}?{request.url.query} {language}")
    if http_cache.is_fresh(request, headers):
        return http_cache.not_modified(headers)
    context = resource_context(request, node, language)
    response = render(request, "resource.html", context, headers=headers)
    log.info(
        "page %s rendered: %d properties, %d incoming groups, %d bytes in %.1f ms",
        node.value, len(context["groups"]), len(context["incoming"]), len(response.body), (time.perf_counter() - started) * 1000,
    )
    return http_cache.for_method(request, response)


def serve_data(request: Request, iri: str, suffix: str | None) -> Response:
    node = find_resource(request, iri) if iri else None
    if node is None:
        return not_found(request, iri, not_found_format(request, suffix, rdf_first=True))
    try:
        format_name = chosen_format(request, suffix, rdf_only=True)
    except FormatNotAcceptable:
        return not_acceptable(request)
    base_uri = request.app.state.settings.base_uri
    headers = {"Vary": "Accept", "Link": link_header(node.value, base_uri)}
    headers |= http_cache.validators(request.app.state.store, f"data {node.value} {format_name}")
    if suffix is None:
        headers["Content-Location"] = data_href(node.value, base_uri, format_name)
    if http_cache.is_fresh(request, headers):
        return http_cache.not_modified(headers)
    store = request.app.state.store.get()
    body = serialize(document_triples(store, node), format=RDF_FORMATS[format_name], prefixes=PREFIXES)
    media_type = RDF_SUFFIXES[format_name] + ("; charset=utf-8" if format_name in ("ttl", "nt") else "")
    return http_cache.for_method(request, Response(body, media_type=media_type, headers=headers))
