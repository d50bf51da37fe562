"""The lexical reading of SPARQL text: query forms, top-level keywords and USING clauses."""

from __future__ import annotations

import pytest

from api.sparql_text import add_using_clauses, query_form, top_level_keywords


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("ASK {}", "ASK"),
        ("BASE <http://example.org/> PREFIX select: <x#> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("# SELECT in a comment\nDESCRIBE <http://example.org/>", "DESCRIBE"),
        ('SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p "ASK" } } }', "SELECT"),
        ("PREFIX ex: <http://example.org/ask#> select * { ?s ex:ask ?o }", "SELECT"),
        ("INSERT DATA { <a> <b> <c> }", None),
        ("", None),
    ],
)
def test_query_form_table(query, form) -> None:
    assert query_form(query) == form


def test_keywords_skip_literals_and_iris() -> None:
    update = """PREFIX using: <http://example.org/with#>
    # WITH <http://example.org/g> in a comment
    INSERT { ?s using:p '''WITH
    USING''' } WHERE { ?s <http://example.org/USING> ?o FILTER(?o != "WITH") }"""
    assert top_level_keywords(update) == {"PREFIX", "INSERT", "WHERE"}


def test_keywords_find_dataset_clauses() -> None:
    assert "WITH" in top_level_keywords("with <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert "USING" in top_level_keywords("DELETE { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }")


def test_using_clauses_every_operation() -> None:
    update = 'CLEAR ALL ; INSERT { ?s a <C> } WHERE { ?s ?p "}" } ; DELETE WHERE { ?s <p> ?o }'
    rewritten = add_using_clauses(update, ["http://example.org/d"], ["http://example.org/n"])
    clauses = "USING <http://example.org/d> USING NAMED <http://example.org/n> "
    assert rewritten == (
        'CLEAR ALL ; INSERT { ?s a <C> } ' + clauses + 'WHERE { ?s ?p "}" } ; '
        "DELETE { ?s <p> ?o } " + clauses + "WHERE { ?s <p> ?o }"
    )


def test_using_clauses_none_given() -> None:
    update = "INSERT { ?s a <C> } WHERE { ?s ?p ?o }"
    assert add_using_clauses(update, [], []) == update
