"""Responses for an unknown resource: a French page with a search box, or an empty RDF document for programs."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException

from api import http_cache
from api.iri import RDF_SUFFIXES
from api.negotiation import best_match
from api.rendering import render, request_language
from graph.i18n import N_, translate

#: Comment of the empty Turtle document, in the request's language.
NO_TRIPLE = N_("No triple: this resource is not in the graph.")
EMPTY_DOCUMENTS = {
    "nt": b"",
    "jsonld": b"[]\n",
    "rdf": b'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
}


def not_found(request: Request, iri: str, format_name: str) -> Response:
    """Return 404: the HTML page for "html", else an empty document in the requested RDF format.

    The HTML page and the comment of the Turtle document are in the request's language.
    """
    headers = {"Vary": "Accept, Accept-Language, Cookie"}
    if format_name == "html":
        response: Response = render(request, "not_found.html", {"iri": iri}, status_code=404, headers=headers)
    elif format_name == "ttl":
        body = "# " + translate(NO_TRIPLE, request_language(request)) + "\n"
        response = Response(body.encode(), status_code=404, media_type=RDF_SUFFIXES["ttl"] + "; charset=utf-8", headers=headers)
    else:
        response = Response(EMPTY_DOCUMENTS[format_name], status_code=404, media_type=RDF_SUFFIXES[format_name], headers=headers)
    return http_cache.for_method(request, response)


async def http_error_page(request: Request, error: HTTPException) -> Response:
    """Show a 404 of any route as the French page to browsers; keep FastAPI's JSON for programs and other errors."""
    wants_html = best_match(request.headers.get("accept"), ["application/json", "text/html"]) == "text/html"
    if error.status_code == 404 and wants_html:
        return render(request, "not_found.html", {"iri": None}, status_code=404)
    return await http_exception_handler(request, error)
