"""The result formats of the SPARQL endpoint and how a request chooses one.

SELECT and ASK results come in SPARQL JSON, XML, CSV or TSV; CONSTRUCT and
DESCRIBE graphs in Turtle, N-Triples, JSON-LD or RDF/XML. The `format` (or
`output`) parameter overrides the Accept header, as on other public
endpoints. Otherwise the Accept header is negotiated by RFC 9110, so no
Accept header or `*/*` gives the first offer (SPARQL JSON, or Turtle).

>>> choose_media_type("SELECT", "text/csv;q=0.5, application/sparql-results+xml")
'application/sparql-results+xml'
>>> choose_media_type("CONSTRUCT", None)
'text/turtle'
>>> choose_media_type("ASK", "*/*", format_parameter="xml")
'application/sparql-results+xml'
>>> choose_media_type("DESCRIBE", "application/sparql-results+json") is None
True

A browser gets an HTML table of the results (see `prefers_html`), but only
when its Accept header ranks HTML above every result format, so `*/*` and
clients of the standard formats are unaffected.
"""

from __future__ import annotations

import functools

from api.negotiation import best_match

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

#: Media types of SELECT and ASK results, server default first.
RESULT_MEDIA_TYPES = (RESULTS_JSON, RESULTS_XML, "text/csv", "text/tab-separated-values")
#: Media types of graphs (CONSTRUCT, DESCRIBE, Graph Store, descriptions), server default first.
GRAPH_MEDIA_TYPES = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)

#: Media types of the HTML results page, offered after the standard formats.
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
#: Values of the `format` / `output` parameter that ask for the HTML results page.
HTML_FORMAT_NAMES = ("html", "text/html")

#: Other names clients use for the same formats, which are served as the standard type.
RESULT_ALIASES = {"application/json": RESULTS_JSON, "application/xml": RESULTS_XML, "text/xml": RESULTS_XML}
GRAPH_ALIASES = {"application/x-turtle": TURTLE, "text/plain": N_TRIPLES, "application/json": JSON_LD}

#: Short names of the `format` / `output` parameter.
FORMAT_NAMES = {
    "json": (RESULTS_JSON, JSON_LD),
    "xml": (RESULTS_XML, RDF_XML),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, TURTLE),
    "ttl": (None, TURTLE),
    "ntriples": (None, N_TRIPLES),
    "nt": (None, N_TRIPLES),
    "jsonld": (None, JSON_LD),
    "json-ld": (None, JSON_LD),
    "rdfxml": (None, RDF_XML),
    "rdf": (None, RDF_XML),
}

#: W3C format IRIs (http://www.w3.org/ns/formats/) of each media type, for descriptions.
FORMAT_IRIS = {
    RESULTS_JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    RESULTS_XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    TURTLE: "http://www.w3.org/ns/formats/Turtle",
    N_TRIPLES: "http://www.w3.org/ns/formats/N-Triples",
    JSON_LD: "http://www.w3.org/ns/formats/JSON-LD",
    RDF_XML: "http://www.w3.org/ns/formats/RDF_XML",
}


class UnknownFormat(ValueError):
    """The `format` parameter names no format of this kind of result."""


def is_graph_form(form: str | None) -> bool:
    """Tell whether a query form returns a graph (CONSTRUCT, DESCRIBE) rather than results."""
    return form in ("CONSTRUCT", "DESCRIBE")


def negotiate(accept: str | None, offers: tuple[str, ...], aliases: dict[str, str]) -> str | None:
    """Return the standard media type the client prefers among offers and their aliases, or None.

    Every text type is written in UTF-8, so it is also offered with that
    charset, which a range such as `text/turtle; charset=UTF-8` requires.

    >>> negotiate("application/json", GRAPH_MEDIA_TYPES, GRAPH_ALIASES)
    'application/ld+json'
    >>> negotiate("text/turtle; charset=UTF-8", GRAPH_MEDIA_TYPES, GRAPH_ALIASES)
    'text/turtle'
    """
    candidates = {}
    for offer in list(offers) + list(aliases):
        candidates[offer] = aliases.get(offer, offer)
        if offer.startswith("text/"):
            candidates[offer + ";charset=utf-8"] = aliases.get(offer, offer)
    # Media types and charset names are case-insensitive, and the other parts of Accept are numbers.
    chosen = best_match(accept.lower() if accept else accept, list(candidates))
    return candidates[chosen] if chosen else None


# Cached because every query request negotiates, and clients send few distinct Accept headers.
@functools.lru_cache(maxsize=1024)
def choose_media_type(form: str | None, accept: str | None, format_parameter: str | None = None) -> str | None:
    """Return the media type of a query's results, or None when the client accepts none.

    Raises UnknownFormat when `format_parameter` names no format for this form.
    """
    graph = is_graph_form(form)
    offers, aliases = (GRAPH_MEDIA_TYPES, GRAPH_ALIASES) if graph else (RESULT_MEDIA_TYPES, RESULT_ALIASES)
    if format_parameter:
        return _from_format_parameter(format_parameter.strip().lower(), graph, offers, aliases)
    return negotiate(accept, offers, aliases)


@functools.lru_cache(maxsize=1024)
def prefers_html(form: str | None, accept: str | None, format_parameter: str | None = None) -> bool:
    """Tell whether a query request asks for the HTML results page rather than a result format.

    `format=html` asks for it. Otherwise HTML must win the negotiation against
    the formats of the query's form, where it is offered last, so no Accept
    header or `*/*` still gives SPARQL JSON or Turtle.

    >>> prefers_html("SELECT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("SELECT", "*/*"), prefers_html("CONSTRUCT", None)
    (False, False)
    >>> prefers_html("ASK", "application/sparql-results+json", format_parameter="html")
    True
    """
    if format_parameter:
        return format_parameter.strip().lower() in HTML_FORMAT_NAMES
    graph = is_graph_form(form)
    offers, aliases = (GRAPH_MEDIA_TYPES, GRAPH_ALIASES) if graph else (RESULT_MEDIA_TYPES, RESULT_ALIASES)
    return negotiate(accept, offers + HTML_MEDIA_TYPES, aliases) in HTML_MEDIA_TYPES


def choose_description_type(accept: str | None, format_parameter: str | None = None) -> str | None:
    """Return the media type of a description served in RDF or as an HTML page, or None when none is acceptable.

    `format=` comes first (`html` for the page). Otherwise Accept is negotiated
    with the RDF types offered first, so no Accept or `*/*` gives Turtle, and
    HTML wins only when it is ranked higher, as browsers rank it. Raises
    UnknownFormat when `format_parameter` names no format of a graph.

    >>> choose_description_type("text/html,application/xml;q=0.9,*/*;q=0.8"), choose_description_type("*/*")
    ('text/html', 'text/turtle')
    >>> choose_description_type("text/html", format_parameter="jsonld")
    'application/ld+json'
    """
    if format_parameter:
        if format_parameter.strip().lower() in HTML_FORMAT_NAMES:
            return HTML_MEDIA_TYPES[0]
        return choose_media_type("DESCRIBE", None, format_parameter)
    return negotiate(accept, GRAPH_MEDIA_TYPES + HTML_MEDIA_TYPES, GRAPH_ALIASES)


def _from_format_parameter(value: str, graph: bool, offers: tuple[str, ...], aliases: dict[str, str]) -> str:
    if value in FORMAT_NAMES:
        chosen = FORMAT_NAMES[value][1 if graph else 0]
        if chosen:
            return chosen
    media_type = value.split(";")[0].strip()
    if media_type in offers:
        return media_type
    if media_type in aliases:
        return aliases[media_type]
    raise UnknownFormat(value)
