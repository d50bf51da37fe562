"""`datatheque query`: run a SPARQL query against the store and format its results."""

from __future__ import annotations

from pyoxigraph import Literal, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from graph.settings import Settings
from graph.store import StoreNotBuilt, open_current

RESULT_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


class QueryFailed(Exception):
    """A query could not run; `message` is a msgid formatted with `params`."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


def table_cell(term) -> str:
    """Return how a term reads in a text table: a literal's value (with its language), an IRI in brackets.

    >>> from pyoxigraph import Literal, NamedNode
    >>> table_cell(Literal("249", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '249'
    >>> table_cell(Literal("Vannes", language="fr"))
    'Vannes@fr'
    >>> table_cell(NamedNode("http://127.0.0.1:8000/id/commune/56260"))
    '<http://127.0.0.1:8000/id/commune/56260>'
    """
    if term is None:
        return ""
    if isinstance(term, Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def _table(solutions: QuerySolutions) -> str:
    variables = [v.value for v in solutions.variables]
    rows = [[table_cell(row[v]) for v in variables] for row in solutions]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(variables)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(variables, widths))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines) + "\n"


def run_cli_query(settings: Settings, sparql: str, output_format: str = "table") -> str:
    """Run a query over the union of the named graphs and return its formatted results.

    Raises QueryFailed for a syntax error or an empty store.
    """
    try:
        store = open_current(settings.store, read_only=True)
    except StoreNotBuilt:
        raise QueryFailed("The store %(store)s is empty: run `datatheque build` first.", store=str(settings.store), kind="setup") from None
    try:
        results = store.query(sparql, use_default_graph_as_union=True, base_iri=settings.base_uri + "/")
    except SyntaxError as error:
        raise QueryFailed("Invalid SPARQL query: %(error)s", error=str(error)) from None

    if isinstance(results, QueryBoolean):
        if output_format in RESULT_FORMATS:
            return results.serialize(format=RESULT_FORMATS[output_format]).decode("utf-8")
        return ("true" if bool(results) else "false") + "\n"
    if isinstance(results, QuerySolutions):
        if output_format in RESULT_FORMATS:
            return results.serialize(format=RESULT_FORMATS[output_format]).decode("utf-8")
        return _table(results)
    rdf_format = GRAPH_FORMATS.get(output_format, RdfFormat.TURTLE)
    return results.serialize(format=rdf_format).decode("utf-8")
