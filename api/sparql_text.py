"""A lexical reading of SPARQL text, enough for the protocol layer.

The protocol layer needs three facts before the query engine parses a
request. It needs the form of a query, to negotiate its result format. It
needs to know whether an update names its own dataset with USING or WITH,
because that conflicts with the `using-graph-uri` parameters. And it needs
the places where USING clauses go. The scanner
skips comments, string literals and IRIs, and tracks the depth of braces,
so a keyword inside a literal or a group graph pattern is never mistaken
for a clause of the request.

>>> query_form("PREFIX ex: <http://example.org/select#> # ASK\\nCONSTRUCT WHERE { ?s ?p ?o }")
'CONSTRUCT'
>>> sorted(top_level_keywords('WITH <g> DELETE { ?s ?p "USING" } WHERE { ?s ?p ?o }'))
['DELETE', 'WHERE', 'WITH']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>\{)
    | (?P<close>\})
    | (?P<word>[?$]?[A-Za-z_][\w\-.:]*|:[\w\-.]*)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, text, offset in the request and brace depth before it."""

    kind: str
    text: str
    start: int
    depth: int


def scan(text: str) -> Iterator[Token]:
    """Yield the significant tokens of a SPARQL request (no spaces, no comments)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        yield Token(kind, match.group(), match.start(), depth)
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)


def _keyword(token: Token) -> str | None:
    return token.text.upper() if token.kind == "word" and token.text[0] not in "?$:" else None


#: The prologue of a query (PREFIX and BASE declarations, comments) and the keyword of its form, which
#: the grammar puts right after the prologue. Prefix names outside this pattern are left to `scan`.
_PROLOGUE_AND_FORM = re.compile(
    r"""
    (?:\s|\#[^\n]*|PREFIX\s+[^\W\d][\w.\-]*:\s*<[^<>"{}|^`\\\x00-\x20]*>|PREFIX\s+:\s*<[^<>"{}|^`\\\x00-\x20]*>
       |BASE\s*<[^<>"{}|^`\\\x00-\x20]*>)*
    (?P<form>SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:\-])
    """,
    re.IGNORECASE | re.VERBOSE,
)


def query_form(query: str) -> str | None:
    """Return SELECT, ASK, CONSTRUCT or DESCRIBE for a query, or None when no form is found.

    >>> query_form("select * { ?s ?p ?o }")
    'SELECT'
    >>> query_form("PREFIX ask: <http://example.org/> SELECT * {}")
    'SELECT'
    >>> query_form("PREFIX : <http://example.org/> # CONSTRUCT\\nBASE <http://example.org/> ASK {}")
    'ASK'
    >>> query_form("PREFIX é-1: <http://example.org/> DESCRIBE é-1:x")
    'DESCRIBE'
    >>> query_form("SELECTED")
    """
    match = _PROLOGUE_AND_FORM.match(query)
    if match is not None:
        return match["form"].upper()
    for token in scan(query):
        keyword = _keyword(token)
        if token.depth == 0 and keyword in QUERY_FORMS:
            return keyword
    return None


def calls_service(query: str) -> bool:
    """Tell whether a query has a SERVICE clause, which would make the engine call another endpoint.

    >>> calls_service("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    True
    >>> calls_service('SELECT * { ?s <http://example.org/SERVICE> "SERVICE" } # SERVICE')
    False
    """
    if "SERVICE" not in query.upper():
        return False
    return any(_keyword(token) == "SERVICE" for token in scan(query))


def top_level_keywords(update: str) -> set[str]:
    """Return the keywords of an update outside any braces (its operations and clauses)."""
    keywords = set()
    for token in scan(update):
        keyword = _keyword(token)
        if token.depth == 0 and keyword and ":" not in keyword:
            keywords.add(keyword)
    return keywords


def add_using_clauses(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """Insert USING and USING NAMED clauses before the WHERE of every DELETE/INSERT operation.

    This is how the `using-graph-uri` and `using-named-graph-uri` protocol
    parameters set the dataset of each operation. The short form
    `DELETE WHERE { P }` takes no USING clause, so it is written out as
    `DELETE { P } USING … WHERE { P }`, which SPARQL 1.1 Update defines it to mean.

    >>> add_using_clauses("INSERT { ?s a <C> } WHERE { ?s ?p ?o }", ["http://g/1"], [])
    'INSERT { ?s a <C> } USING <http://g/1> WHERE { ?s ?p ?o }'
    >>> add_using_clauses("DELETE WHERE { ?s ?p ?o }", [], ["http://g/1"])
    'DELETE { ?s ?p ?o } USING NAMED <http://g/1> WHERE { ?s ?p ?o }'
    """
    clauses = [f"USING <{iri}>" for iri in default_graphs]
    clauses += [f"USING NAMED <{iri}>" for iri in named_graphs]
    if not clauses:
        return update
    insertion = " ".join(clauses) + " "

    tokens = list(scan(update))
    insertions: list[tuple[int, str]] = []
    for index, token in enumerate(tokens):
        if index == 0 or token.depth != 0 or _keyword(token) != "WHERE":
            continue
        previous = tokens[index - 1]
        if previous.kind == "close":
            insertions.append((token.start, insertion))
        elif _keyword(previous) == "DELETE":
            pattern = _group_text(update, tokens, index + 1)
            if pattern is not None:
                insertions.append((token.start, pattern + " " + insertion))

    parts, last = [], 0
    for position, text in insertions:
        parts.append(update[last:position])
        parts.append(text)
        last = position
    parts.append(update[last:])
    return "".join(parts)


def _group_text(text: str, tokens: list[Token], index: int) -> str | None:
    """Return the text of the brace group that opens at `tokens[index]`, braces included, or None."""
    if index >= len(tokens) or tokens[index].kind != "open":
        return None
    depth = tokens[index].depth
    for token in tokens[index + 1 :]:
        if token.kind == "close" and token.depth == depth + 1:
            return text[tokens[index].start : token.start + 1]
    return None
