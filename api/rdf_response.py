"""Responses that carry an RDF graph, serialised by pyoxigraph in a negotiated syntax.

>>> content_type_header("text/turtle")
'text/turtle; charset=utf-8'
>>> content_type_header("application/sparql-results+json")
'application/sparql-results+json'
"""

from __future__ import annotations

from typing import Iterable

from fastapi import Response
from pyoxigraph import RdfFormat, Triple, serialize

from api.cors import CORS_HEADERS
from api.protocol_errors import ProtocolError
from api.sparql_formats import (
    GRAPH_MEDIA_TYPES,
    HTML_MEDIA_TYPES,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    TURTLE,
    UnknownFormat,
    choose_description_type,
)
from graph.i18n import N_

RDF_FORMATS = {
    TURTLE: RdfFormat.TURTLE,
    N_TRIPLES: RdfFormat.N_TRIPLES,
    JSON_LD: RdfFormat.JSON_LD,
    RDF_XML: RdfFormat.RDF_XML,
}

#: Prefixes written in Turtle, JSON-LD and RDF/XML descriptions.
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "void": "http://rdfs.org/ns/void#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


def content_type_header(media_type: str) -> str:
    """Return the Content-Type of a media type, with `charset=utf-8` for text types."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def description_type(accept: str | None, format_parameter: str | None) -> str:
    """Return the media type of a description served in RDF or as an HTML page (see `choose_description_type`).

    Raises ProtocolError: 400 for a `format=` that names no format of a graph,
    406 when Accept allows none of the offers.
    """
    try:
        media_type = choose_description_type(accept, format_parameter)
    except UnknownFormat:
        raise ProtocolError(
            400,
            N_("The format “%(value)s” is not available for this query: use one of %(formats)s."),
            value=format_parameter,
            formats=", ".join((*GRAPH_MEDIA_TYPES, "html")),
        ) from None
    if media_type is None:
        raise ProtocolError(
            406,
            N_("No acceptable format: this resource is available as %(formats)s."),
            formats=", ".join(GRAPH_MEDIA_TYPES + HTML_MEDIA_TYPES),
        )
    return media_type


def serialize_triples(triples: Iterable[Triple], media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise triples in one of the RDF syntaxes of RDF_FORMATS."""
    rdf_format = RDF_FORMATS[media_type]
    if rdf_format == RdfFormat.N_TRIPLES:
        return serialize(triples, format=rdf_format)
    return serialize(triples, format=rdf_format, prefixes=prefixes or PREFIXES)


def rdf_response(body: bytes, media_type: str, *, head: bool = False, status: int = 200) -> Response:
    """Build a negotiated RDF response (`Vary: Accept`, CORS); a HEAD response keeps the headers only."""
    headers = {**CORS_HEADERS, "Vary": "Accept"}
    if head:
        headers["Content-Length"] = str(len(body))
        return Response(status_code=status, headers=headers, media_type=content_type_header(media_type))
    return Response(body, status_code=status, headers=headers, media_type=content_type_header(media_type))
