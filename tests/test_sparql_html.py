"""The /sparql pages for people: results as HTML tables, readable query errors, the site layout and language."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.numbers import format_decimal

from api.sparql_examples import EXAMPLES
from api.sparql_results_page import MAX_HTML_ROWS
from tests.conftest import BASE

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
IGEO = "http://rdf.insee.fr/def/geo#"
MORBIHAN = BASE + "/id/departement/56"
VANNES = BASE + "/id/commune/56260"
COMMUNES_OF_MORBIHAN = f"""SELECT ?commune ?nom WHERE {{
  ?commune a <{IGEO}Commune> ; <{IGEO}subdivisionDe> <{MORBIHAN}> ; <{IGEO}nom> ?nom .
}} ORDER BY ?nom"""
BROKEN = "SELECT * WHERE { ?s ?p }"


class Table(HTMLParser):
    """Collect the header cells, the rows of cells and the links of a page's results table."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self.cell: str | None = None
        self.in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self.in_header = True
        elif tag == "tr" and not self.in_header:
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "a" and self.cell is not None:
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self.in_header = False
        elif tag in ("td", "th") and self.cell is not None:
            (self.headers if self.in_header else self.rows[-1]).append(self.cell.strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data


def results_table(html: str) -> Table:
    table = Table()
    table.feed(html)
    return table


def browser_get(client, query: str, **headers: str):
    return client.get("/sparql", params={"query": query}, headers={"Accept": BROWSER_ACCEPT, **headers})


def test_select_as_table(client, bundled_store) -> None:
    solutions = bundled_store.query(COMMUNES_OF_MORBIHAN, use_default_graph_as_union=True)
    expected = [(row["commune"].value, row["nom"].value + (f" @{row['nom'].language}" if row["nom"].language else "")) for row in solutions]
    response = browser_get(client, COMMUNES_OF_MORBIHAN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in response.headers["vary"].lower()
    table = results_table(response.text)
    assert table.headers == ["?commune", "?nom"]
    assert [tuple(row) for row in table.rows] == expected
    assert "/page/commune/56260" in table.links
    assert format_decimal(len(expected), locale="fr") + " résultats" in response.text


def test_results_in_site_layout(client) -> None:
    html = browser_get(client, COMMUNES_OF_MORBIHAN).text
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    assert 'class="language-switch"' in html


def test_download_links_give_formats(client) -> None:
    html = browser_get(client, COMMUNES_OF_MORBIHAN).text
    for format_name, media_type in (("json", "application/sparql-results+json"), ("csv", "text/csv")):
        link = re.search(r'href="(/sparql\?[^"]*format=' + format_name + ')"', html).group(1).replace("&amp;", "&")
        assert parse_qs(urlsplit(link).query)["query"] == [COMMUNES_OF_MORBIHAN]
        response = client.get(link, headers={"Accept": BROWSER_ACCEPT})
        assert response.headers["content-type"].startswith(media_type)


def test_literal_language_and_datatype(client) -> None:
    query = 'SELECT ?label ?count ?plain WHERE { VALUES (?label ?count ?plain) { ("Vannes"@fr 42 "<b>x</b>") } }'
    response = browser_get(client, query)
    table = results_table(response.text)
    assert table.rows == [["Vannes @fr", "42 ^^xsd:integer", "<b>x</b>"]]
    assert "&lt;b&gt;x&lt;/b&gt;" in response.text


def test_unsafe_iri_not_linked(client) -> None:
    response = browser_get(client, 'SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }')
    table = results_table(response.text)
    assert table.rows == [["javascript:alert(1)"]]
    assert table.links == []


@pytest.mark.parametrize(("query", "answer"), [(f"ASK {{ <{VANNES}> a <{IGEO}Commune> }}", "oui"), (f"ASK {{ <{VANNES}> a <{IGEO}Region> }}", "non")])
def test_ask_yes_no(client, query, answer) -> None:
    response = browser_get(client, query)
    assert response.status_code == 200
    assert f"<strong>{answer}</strong>" in response.text


def test_describe_as_triples(client, bundled_store) -> None:
    triples = list(bundled_store.query(f"CONSTRUCT {{ <{VANNES}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{VANNES}> ?p ?o }} }}"))
    response = browser_get(client, f"CONSTRUCT {{ <{VANNES}> ?p ?o }} WHERE {{ <{VANNES}> ?p ?o }}", **{"Accept-Language": "en"})
    table = results_table(response.text)
    assert table.headers == ["Subject", "Predicate", "Object"]
    assert len(table.rows) == len({(t.subject, t.predicate, t.object) for t in triples})
    assert "Turtle" in response.text


def test_rows_capped(client) -> None:
    total = MAX_HTML_ROWS + 5
    query = f"SELECT ?n WHERE {{ VALUES ?n {{ {' '.join(str(n) for n in range(total))} }} }}"
    response = client.post("/sparql", data={"query": query}, headers={"Accept": BROWSER_ACCEPT, "Accept-Language": "en"})
    table = results_table(response.text)
    assert len(table.rows) == MAX_HTML_ROWS
    assert "Only the first 1,000 rows are shown" in response.text
    assert "1,005 results" in response.text


@pytest.mark.parametrize("accept", [None, "*/*", "application/sparql-results+json, text/html;q=0.5"])
def test_machines_keep_json(client, accept) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": COMMUNES_OF_MORBIHAN}, headers=headers)
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert json.loads(response.content)["results"]["bindings"]


def test_format_html_parameter(client) -> None:
    response = client.get("/sparql", params={"query": COMMUNES_OF_MORBIHAN, "format": "html"}, headers={"Accept": "*/*"})
    assert response.headers["content-type"].startswith("text/html")


def test_example_links_show_html(client) -> None:
    page = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT}).text
    assert page.count("/sparql?query=") >= len(EXAMPLES)
    for example in EXAMPLES:
        response = browser_get(client, example.render(BASE))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert results_table(response.text).rows


def test_syntax_error_text_french(client) -> None:
    response = client.get("/sparql", params={"query": BROKEN})
    assert response.status_code == 400
    assert response.text.startswith("Requête SPARQL invalide, ligne 1, colonne ")
    assert "message de l’analyseur (en anglais) « error at 1:" in response.text


def test_syntax_error_html(client, bundled_store) -> None:
    try:
        bundled_store.query(BROKEN)
    except SyntaxError as error:
        parser_message = str(error)
    line, column = parser_message.split(" ")[2].rstrip(":").split(":")
    response = browser_get(client, BROKEN)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert f"Requête SPARQL invalide, ligne {line}, colonne {column} :" in response.text
    assert 'class="error-line"' in response.text
    assert 'class="site-header"' in response.text
    english = browser_get(client, BROKEN, **{"Accept-Language": "en"}).text
    assert f"Invalid SPARQL query, line {line}, column {column}: parser message" in english


@pytest.mark.parametrize("how", ["parameter", "cookie"])
def test_query_page_language_switch(client, how) -> None:
    if how == "parameter":
        response = client.get("/sparql", params={"lang": "en"}, headers={"Accept": BROWSER_ACCEPT})
    else:
        response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT, "Cookie": "lang=en"})
    client.cookies.clear()
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "Example queries" in response.text
    assert 'class="language-switch" href="/sparql?lang=fr"' in response.text


def test_error_text_follows_lang_parameter(client) -> None:
    response = client.get("/sparql", params={"query": BROKEN, "lang": "en"})
    assert response.text.startswith("Invalid SPARQL query, line 1, column ")


def test_yasgui_words_french(client) -> None:
    html = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT}).text
    start = html.index('<script id="yasgui-words" type="application/json">') + len('<script id="yasgui-words" type="application/json">')
    words = json.loads(html[start:html.index("</script>", start)])
    assert words["tab"] == "Requête"
    assert words["table"] == "Tableau"
    assert "tabName: words.tab" in html


def test_head_html_results(client) -> None:
    response = client.head("/sparql", params={"query": COMMUNES_OF_MORBIHAN}, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == b""
