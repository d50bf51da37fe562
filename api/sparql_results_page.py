"""The HTML page of a query's results at /sparql, for browsers, in the site's layout.

SELECT results become a table with one column per variable, ASK results a
yes or no, and CONSTRUCT or DESCRIBE graphs a table of triples. The engine
writes them in SPARQL JSON or N-Triples, which this module reads back. IRIs
under the base URI link to their pages, other http(s) IRIs to themselves,
and literals show their language tag or datatype. Templates escape every
value. The table shows at most `MAX_HTML_ROWS` rows, and the page links to
the same results in the standard formats.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from api.iri import page_href
from api.rendering import render, request_language
from api.sparql_engine import EngineError, QuerySyntaxError
from api.sparql_formats import N_TRIPLES, RESULTS_JSON, is_graph_form
from graph.i18n import ngettext, translate

#: Maximum rows of the HTML table. The page links to the full results in the standard formats.
MAX_HTML_ROWS = 1000
#: The Accept header the engine gets for an HTML page: SPARQL JSON for results, N-Triples for graphs.
ENGINE_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES}"

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Prefixes written in place of namespaces in the datatypes shown.
DATATYPE_PREFIXES = {XSD: "xsd:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:"}

#: Download links of each kind of result: (label, value of the `format` parameter).
RESULT_DOWNLOADS = (("JSON", "json"), ("CSV", "csv"), ("TSV", "tsv"), ("XML", "xml"))
GRAPH_DOWNLOADS = (("Turtle", "turtle"), ("N-Triples", "ntriples"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"))

_LINKABLE = re.compile(r"https?://", re.IGNORECASE)


def iri_cell(iri: str, base_uri: str) -> dict[str, str | None]:
    """Return the view of an IRI: a link to its page when it is under the base URI, else to itself when http(s).

    >>> iri_cell("http://127.0.0.1:8000/id/commune/56260", "http://127.0.0.1:8000")["href"]
    '/page/commune/56260'
    >>> iri_cell("javascript:alert(1)", "http://127.0.0.1:8000")["href"] is None
    True
    """
    if iri.startswith(base_uri + "/"):
        href = page_href(iri, base_uri)
    elif _LINKABLE.match(iri):
        href = iri
    else:
        href = None
    return {"kind": "iri", "text": iri, "href": href}


def literal_cell(value: str, language: str | None, datatype: str | None) -> dict[str, str | None]:
    """Return the view of a literal: its lexical form, with its language tag or its datatype unless xsd:string.

    >>> literal_cell("12", None, XSD + "integer")["datatype"]
    'xsd:integer'
    """
    datatype_label = None
    if not language and datatype and datatype not in (XSD + "string", RDF_LANG_STRING):
        datatype_label = datatype
        for namespace, prefix in DATATYPE_PREFIXES.items():
            if datatype.startswith(namespace):
                datatype_label = prefix + datatype[len(namespace):]
    return {"kind": "literal", "text": value, "language": language or None, "datatype": datatype_label}


def json_cell(binding: dict | None, base_uri: str) -> dict[str, str | None] | None:
    """Return the view of one value of SPARQL JSON results, or None when the variable is unbound."""
    if binding is None:
        return None
    kind = binding.get("type")
    if kind == "uri":
        return iri_cell(binding["value"], base_uri)
    if kind == "bnode":
        return {"kind": "bnode", "text": "_:" + binding["value"]}
    if kind in ("literal", "typed-literal"):
        return literal_cell(binding["value"], binding.get("xml:lang"), binding.get("datatype"))
    # A quoted triple (RDF-star) is shown as its subject, predicate and object in one cell.
    if kind == "triple":
        parts = binding["value"]
        text = " ".join(json_cell(parts[key], base_uri)["text"] for key in ("subject", "predicate", "object"))
        return {"kind": "triple", "text": "<< " + text + " >>"}
    return {"kind": "literal", "text": str(binding.get("value", "")), "language": None, "datatype": None}


def term_cell(term, base_uri: str) -> dict[str, str | None]:
    """Return the view of a pyoxigraph term of a graph."""
    if isinstance(term, NamedNode):
        return iri_cell(term.value, base_uri)
    if isinstance(term, BlankNode):
        return {"kind": "bnode", "text": "_:" + term.value}
    if isinstance(term, Literal):
        return literal_cell(term.value, term.language, term.datatype.value if term.datatype else None)
    return {"kind": "triple", "text": "<< " + str(term) + " >>"}


def download_links(parameters: list[tuple[str, str]], query: str, graph: bool) -> list[tuple[str, str]]:
    """Return (label, URL) of the same results in each standard format, keeping the request's dataset."""
    dataset = [(key, value) for key, value in parameters if key in ("default-graph-uri", "named-graph-uri", "timeout")]
    downloads = GRAPH_DOWNLOADS if graph else RESULT_DOWNLOADS
    return [(label, "/sparql?" + urlencode([("query", query), *dataset, ("format", name)])) for label, name in downloads]


def results_view(kind: str, body: bytes, base_uri: str) -> dict[str, object]:
    """Read the engine's SPARQL JSON or N-Triples back into the columns and rows of the page."""
    if kind == "graph":
        triples = [
            (term_cell(triple.subject, base_uri), term_cell(triple.predicate, base_uri), term_cell(triple.object, base_uri))
            for triple in parse(body, format=RdfFormat.N_TRIPLES)
        ]
        return {"columns": None, "rows": triples[:MAX_HTML_ROWS], "total": len(triples)}
    document = json.loads(body)
    if kind == "boolean":
        return {"boolean": bool(document["boolean"]), "rows": [], "total": 0}
    columns = document["head"].get("vars", [])
    bindings = document["results"]["bindings"]
    rows = [[json_cell(solution.get(name), base_uri) for name in columns] for solution in bindings[:MAX_HTML_ROWS]]
    return {"columns": columns, "rows": rows, "total": len(bindings)}


def render_results(request: Request, query: str, form: str | None, parameters: list[tuple[str, str]], kind: str, body: bytes) -> HTMLResponse:
    """Render the HTML page of a query's results."""
    settings = request.app.state.settings
    language = request_language(request)
    view = results_view(kind, body, settings.base_uri)
    graph = kind == "graph" or is_graph_form(form)
    total = view["total"]
    if graph:
        count_text = ngettext("%(count)s triple", "%(count)s triples", total, language, {"count": format_decimal(total, locale=language)})
    else:
        count_text = ngettext("%(count)s result", "%(count)s results", total, language, {"count": format_decimal(total, locale=language)})
    context = {
        "count_text": count_text,
        "query": query,
        "kind": kind,
        "view": view,
        "max_rows": MAX_HTML_ROWS,
        "downloads": download_links(parameters, query, graph),
    }
    return render(request, "sparql_results.html", context, headers=_headers())


def render_error(request: Request, query: str, error: EngineError) -> HTMLResponse:
    """Render the HTML page of a query the engine rejected, with the query and the failing line marked."""
    message = translate(error.msgid, request_language(request), error.params)
    line = error.params.get("line") if isinstance(error, QuerySyntaxError) else None
    column = error.params.get("column") if isinstance(error, QuerySyntaxError) else None
    context = {
        "query": query,
        "query_lines": query.split("\n"),
        "error_line": line,
        "error_column": column,
        "message": message,
    }
    return render(request, "sparql_error.html", context, status_code=error.status, headers=_headers())


def _headers() -> dict[str, str]:
    return {"Vary": "Accept, Accept-Language, Cookie"}
