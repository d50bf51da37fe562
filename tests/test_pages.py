"""Cool URIs, linked-data pages and their HTTP headers, through the real app over real stores."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, parse

from api.app import create_app
from api.describe import PAGE_SIZE
from graph.settings import PROJECT_ROOT
from graph.store import open_current
from tests.conftest import BASE
from tests.pages_fixture import GENERATED_DATASETS, build_page_store

VANNES = "/id/commune/56260"
RDF_TYPES = {
    "text/turtle": (".ttl", RdfFormat.TURTLE),
    "application/ld+json": (".jsonld", RdfFormat.JSON_LD),
    "application/n-triples": (".nt", RdfFormat.N_TRIPLES),
    "application/rdf+xml": (".rdf", RdfFormat.RDF_XML),
}


@pytest.fixture(scope="module")
def page_settings(bundled_settings, tmp_path_factory):
    return build_page_store(bundled_settings, tmp_path_factory.mktemp("pages") / "store")


@pytest.fixture(scope="module")
def pages(page_settings):
    """The app over the bundled build plus the page fixtures, in French unless a test requests English."""
    with TestClient(create_app(page_settings), base_url=BASE) as test_client:
        yield test_client


class LinkCollector(HTMLParser):
    """Collects the start tags of a page, to check links and attributes without regular expressions."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def hrefs(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.tags if tag == "a" and attrs.get("href")]


def parse_html(text: str) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(text)
    return collector


@pytest.mark.parametrize(
    "accept, location",
    [
        ("text/html", "/page/commune/56260"),
        (None, "/page/commune/56260"),
        ("*/*", "/page/commune/56260"),
        ("text/turtle", "/data/commune/56260.ttl"),
        ("application/ld+json", "/data/commune/56260.jsonld"),
        ("application/n-triples", "/data/commune/56260.nt"),
        ("application/rdf+xml", "/data/commune/56260.rdf"),
        ("application/json", "/data/commune/56260.jsonld"),
        ("text/html;q=0.5, text/turtle", "/data/commune/56260.ttl"),
        ("text/turtle;q=0.5, text/html", "/page/commune/56260"),
        ("application/rdf+xml;q=0.9, application/ld+json", "/data/commune/56260.jsonld"),
        ("text/*;q=0.2, application/n-triples;q=0.8", "/data/commune/56260.nt"),
    ],
)
def test_cool_uri_negotiation(pages, accept, location):
    headers = {"accept": accept} if accept else {}
    response = pages.get(VANNES, headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert "Accept" in response.headers["vary"]


def test_cool_uri_format_parameter(pages):
    response = pages.get(VANNES + "?format=nt", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/data/commune/56260.nt"


def test_cool_uri_not_acceptable(pages):
    response = pages.get(VANNES, headers={"accept": "image/png"}, follow_redirects=False)
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_data_not_acceptable_format(pages):
    assert pages.get("/data/commune/56260?format=pdf").status_code == 406
    assert pages.get("/data/commune/56260", headers={"accept": "text/html"}).status_code == 406


@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_data_formats_parse_to_stored_triples(pages, page_settings, media_type):
    suffix, rdf_format = RDF_TYPES[media_type]
    response = pages.get("/data/commune/56260" + suffix)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    parsed = {(t.subject, t.predicate, t.object) for t in parse(response.content, format=rdf_format)}
    store = open_current(page_settings.store, read_only=True)
    stored = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(NamedNode(BASE + VANNES), None, None)}
    assert stored <= parsed
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    assert any(s == NamedNode(BASE + "/id/departement/56") and p == label for s, p, _ in parsed)


def test_data_negotiated_without_suffix(pages):
    response = pages.get("/data/commune/56260", headers={"accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")
    assert response.headers["content-location"] == "/data/commune/56260.nt"
    assert "Accept" in response.headers["vary"].split(", ")


def test_page_advertises_alternates(pages):
    response = pages.get("/page/commune/56260")
    links = response.headers["link"]
    for media_type, (suffix, _) in RDF_TYPES.items():
        assert f'</data/commune/56260{suffix}>; rel="alternate"; type="{media_type}"' in links
    elements = [attrs for tag, attrs in parse_html(response.text).tags if tag == "link" and attrs.get("rel") == "alternate"]
    assert {(attrs["type"], attrs["href"]) for attrs in elements} == {
        (media_type, "/data/commune/56260" + suffix) for media_type, (suffix, _) in RDF_TYPES.items()
    }


def test_page_etag_revalidation(pages):
    first = pages.get("/page/commune/56260")
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert pages.get("/page/commune/56260", headers={"if-none-match": etag}).status_code == 304
    assert pages.get("/page/commune/56260", headers={"if-modified-since": last_modified}).status_code == 304
    assert pages.get("/page/commune/56260", headers={"if-none-match": 'W/"other"'}).status_code == 200
    assert pages.get("/page/commune/56260", headers={"accept-language": "en"}).headers["etag"] != etag


def test_data_etag_revalidation(pages):
    etag = pages.get("/data/commune/56260.ttl").headers["etag"]
    response = pages.get("/data/commune/56260.ttl", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""


def test_head_matches_get(pages):
    for path in ("/page/commune/56260", "/data/commune/56260.ttl"):
        got = pages.get(path, headers={"accept-encoding": "identity"})
        head = pages.head(path, headers={"accept-encoding": "identity"})
        assert head.status_code == 200
        assert head.content == b""
        assert int(head.headers["content-length"]) == len(got.content)
        assert head.headers["etag"] == got.headers["etag"]
    assert pages.head(VANNES, follow_redirects=False).status_code == 303


def test_gzip_for_html_and_rdf(pages):
    for path in ("/page/departement/56", "/data/commune/56260.ttl"):
        response = pages.get(path, headers={"accept-encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        raw = pages.get(path, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in raw.headers
        assert response.content == raw.content


def test_unknown_resource_404(pages):
    html = pages.get("/id/commune/99999", headers={"accept": "text/html"}, follow_redirects=False)
    assert html.status_code == 404
    assert "Cette ressource n&#39;est pas dans le graphe" in html.text
    assert ("form", {"class": "search-form", "action": "/recherche", "method": "get", "role": "search"}) in parse_html(html.text).tags
    turtle = pages.get("/id/commune/99999", headers={"accept": "text/turtle"}, follow_redirects=False)
    assert turtle.status_code == 404
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert list(parse(turtle.content, format=RdfFormat.TURTLE)) == []
    assert pages.get("/data/commune/99999.nt").status_code == 404


def test_unknown_route_404_page(pages):
    response = pages.get("/no/such/page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "<html lang=\"fr\">" in response.text
    assert pages.get("/no/such/page", headers={"accept": "application/json"}).json() == {"detail": "Not Found"}


def test_percent_encoded_iri_as_stored(pages):
    encoded = pages.get("/page/lieu/%C3%A9cole%20publique")
    assert encoded.status_code == 200
    assert "École publique (IRI stockée encodée)" in encoded.text
    raw = pages.get("/page/lieu/m%C3%A9diath%C3%A8que")
    assert raw.status_code == 200
    assert "Médiathèque (IRI stockée non encodée)" in raw.text
    assert pages.get("/page/lieu/%C3%A9cole publique-absente").status_code == 404


def test_literal_script_escaped(pages):
    text = pages.get("/page/dataset/logements-sociaux-vannes").text
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text


def test_javascript_iri_not_linked(pages):
    text = pages.get("/page/dataset/logements-sociaux-vannes").text
    assert "javascript:alert(&#39;relation&#39;)" in text
    assert [href for href in parse_html(text).hrefs() if not href.startswith(("/", "#", "http://", "https://"))] == []


def test_commune_page_facts(pages):
    response = pages.get("/page/commune/56260")
    text = response.text
    assert re.search(r"<h1>\s*Vannes\s*</h1>", text)
    assert "55\u202f790" in text
    assert "(2023)" in text
    assert "56000" in text
    hrefs = parse_html(text).hrefs()
    for target in ("/page/departement/56", "/page/region/53", "/page/epci/200067932", "/page/arrondissement/563"):
        assert target in hrefs
    assert "Chiffres clés" in text


def test_commune_page_lists_deleguees(pages, page_settings):
    store = open_current(page_settings.store, read_only=True)
    igeo = "http://rdf.insee.fr/def/geo#"
    rows = store.query(
        f"SELECT ?d WHERE {{ ?d a <{igeo}CommuneDeleguee> ; <{igeo}subdivisionDirecteDe> <{BASE}/id/commune/22046> }}",
        use_default_graph_as_union=True,
    )
    deleguees = {row["d"].value.removeprefix(BASE + "/id/") for row in rows}
    hrefs = parse_html(pages.get("/page/commune/22046").text).hrefs()
    assert deleguees
    assert {"/page/" + path for path in deleguees} <= set(hrefs)


def test_departement_communes_paged(pages):
    first = pages.get("/page/departement/56")
    assert "Communes" in first.text
    assert "(249)" in first.text
    commune_links = [href for href in parse_html(first.text).hrefs() if href.startswith("/page/commune/56")]
    assert len(set(commune_links)) >= PAGE_SIZE
    last = pages.get("/page/departement/56?group=communes&page=5")
    assert "201–249 sur 249" in last.text


def test_dataset_page_view(pages):
    text = pages.get("/page/dataset/logements-sociaux-vannes").text
    hrefs = parse_html(text).hrefs()
    assert "https://www.data.gouv.fr/fr/datasets/r/logements-sociaux-vannes.csv" in hrefs
    assert "/page/commune/56260" in hrefs
    assert "/page/concept/logement" in hrefs
    assert "0,87" in text
    assert "1 mars 2024" in text
    assert "Les logements livrés en 2023 sont-ils comptés ?" in text


def test_club_page_view(pages):
    text = pages.get("/page/club/habitat").text
    hrefs = parse_html(text).hrefs()
    assert "/page/personne/analyste" in hrefs
    assert "Les logements livrés en 2023 sont-ils comptés ?" in text


def test_territory_lists_concerning_dataset(pages):
    hrefs = parse_html(pages.get("/page/commune/56260").text).hrefs()
    assert "/page/dataset/logements-sociaux-vannes" in hrefs


def test_many_inverse_links_paged(pages):
    started = time.perf_counter()
    response = pages.get("/page/concept/logement")
    duration = time.perf_counter() - started
    assert response.status_code == 200
    assert duration < 2.0
    # The theme is used by the generated datasets, plus one dataset and one club of resources.ttl.
    linking = ("/page/dataset/", "/page/club/")
    generated = [href for href in parse_html(response.text).hrefs() if href.startswith(linking)]
    assert len(generated) == PAGE_SIZE
    assert f"({GENERATED_DATASETS + 2:,})".replace(",", "\u202f") in response.text
    second = pages.get("/page/concept/logement?group=%5Edcat%3Atheme&page=2")
    generated_second = [href for href in parse_html(second.text).hrefs() if href.startswith(linking)]
    assert len(generated_second) == PAGE_SIZE
    assert not set(generated) & set(generated_second)


def test_language_default_french(pages):
    response = pages.get("/page/commune/56260")
    assert '<html lang="fr">' in response.text
    assert "Aller au contenu" in response.text


def test_language_accept_language(pages):
    response = pages.get("/page/commune/56260", headers={"accept-language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in response.text
    assert "Key figures" in response.text
    assert "Accept-Language" in response.headers["vary"]


def test_language_switch_cookie(page_settings):
    """The switch sets a cookie that later pages follow; a client of its own keeps the cookie from other tests."""
    with TestClient(create_app(page_settings), base_url=BASE) as browser:
        french = browser.get("/page/commune/56260")
        switch = [attrs for tag, attrs in parse_html(french.text).tags if tag == "a" and attrs.get("class") == "language-switch"]
        assert switch[0]["href"] == "/page/commune/56260?lang=en"
        switched = browser.get(switch[0]["href"])
        assert '<html lang="en">' in switched.text
        assert switched.cookies.get("lang") == "en"
        assert '<html lang="en">' in browser.get("/page/departement/56").text
        assert '<html lang="fr">' in browser.get("/page/departement/56?lang=fr").text


def test_vocabulary_html_and_turtle(pages):
    html = pages.get("/def")
    assert html.status_code == 200
    assert "Vocabulaire de la Datathèque" in html.text
    turtle = pages.get("/def", headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(parse(turtle.content, format=RdfFormat.TURTLE))
    assert len(triples) == len(list(parse(pages.get("/def.ttl").content, format=RdfFormat.TURTLE)))


def test_home_page_entry_points(pages):
    text = pages.get("/").text
    hrefs = parse_html(text).hrefs()
    for target in ("/page/region/53", "/page/departement/56", "/sparql", "/catalog", "/qualite", "/recherche"):
        assert target in hrefs
    assert ("form", {"class": "search-form", "action": "/recherche", "method": "get", "role": "search"}) in parse_html(text).tags


def test_static_css_served(pages):
    response = pages.get("/static/datatheque.css")
    assert response.headers["content-type"].startswith("text/css")
    assert pages.get("/static/..%2Fpages.py").status_code == 404


def test_messages_translated_to_french():
    """Every msgid used in api/ (Python and templates) has a non-empty French msgstr."""
    msgids = set()
    for path in (PROJECT_ROOT / "api").rglob("*.py"):
        for _, message, _, _ in extract_from_file("python", path, keywords={"N_": None, "translate": None, "_": None, "console": None}):
            msgids.add(message if isinstance(message, str) else message[0])
    for path in (PROJECT_ROOT / "api" / "templates").rglob("*.html"):
        for _, message, _, _ in extract_from_file("jinja2", path):
            msgids.add(message if isinstance(message, str) else message[0])
    with open(PROJECT_ROOT / "locale" / "fr" / "LC_MESSAGES" / "messages.po", "rb") as po_file:
        catalog = read_po(po_file, locale="fr")
    untranslated = sorted(msgid for msgid in msgids if not (catalog.get(msgid) and catalog.get(msgid).string))
    assert untranslated == []


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Elements whose end tag HTML lets an author leave out; the templates always close them anyway.
OPTIONAL_END = {"p", "li", "dt", "dd", "option", "tr", "td", "th"}


class StructureChecker(HTMLParser):
    """Records headings and reports elements closed out of order or never closed."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []
        self.headings: list[int] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else None}> at {self.getpos()}")
            if tag in self.open:
                while self.open.pop() != tag:
                    pass
            return
        self.open.pop()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/page/commune/56260",
        "/page/departement/56",
        "/page/epci/200067932",
        "/page/dataset/logements-sociaux-vannes",
        "/page/club/habitat",
        "/page/concept/logement",
        "/recherche?q=vannes",
        "/def",
        "/page/commune/99999",
    ],
)
def test_html_structure(pages, path):
    checker = StructureChecker()
    checker.feed(pages.get(path).text)
    checker.close()
    assert checker.errors == []
    assert checker.open == []
    assert checker.html_lang == "fr"
    assert checker.headings.count(1) == 1
    assert checker.headings[0] == 1
    jumps = [(a, b) for a, b in zip(checker.headings, checker.headings[1:]) if b > a + 1]
    assert jumps == []


def test_annotation_page_view(pages):
    text = pages.get("/page/annotation/question-1").text
    hrefs = parse_html(text).hrefs()
    assert "Les logements livrés en 2023 sont-ils comptés ?" in text
    assert "/page/dataset/logements-sociaux-vannes" in hrefs
    assert "/page/club/habitat" in hrefs


def test_pages_behind_other_host(page_settings):
    """Request paths map onto the configured base URI, whatever host and port the request names."""
    with TestClient(create_app(page_settings), base_url="http://localhost:9999") as proxied:
        redirect = proxied.get(VANNES, headers={"accept": "text/turtle"}, follow_redirects=False)
        assert redirect.headers["location"] == "/data/commune/56260.ttl"
        document = proxied.get("/data/commune/56260.ttl")
        subjects = {t.subject.value for t in parse(document.content, format=RdfFormat.TURTLE)}
        assert BASE + VANNES in subjects


def test_unknown_resource_turtle_comment_language(pages):
    french = pages.get("/data/commune/99999.ttl")
    assert french.status_code == 404
    assert french.text.startswith("# Aucun triplet")
    assert "Accept-Language" in french.headers["vary"]
    english = pages.get("/data/commune/99999.ttl", headers={"accept-language": "en"})
    assert english.text.startswith("# No triple")
    assert list(parse(french.content, format=RdfFormat.TURTLE)) == []


@pytest.mark.parametrize("path", ["/data/commune/56260.xyz", "/id/commune/56260.xyz", "/data/commune/99999"])
def test_unknown_resource_404_any_accept(pages, path):
    """An unknown IRI, or an unknown suffix, is a 404 for any Accept, in the preferred format."""
    browser = pages.get(path, headers={"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}, follow_redirects=False)
    assert browser.status_code == 404
    assert browser.headers["content-type"].startswith("text/html")
    turtle = pages.get(path, headers={"accept": "text/turtle"}, follow_redirects=False)
    assert turtle.status_code == 404
    assert turtle.headers["content-type"].startswith("text/turtle")
    unacceptable = pages.get(path, headers={"accept": "image/png"}, follow_redirects=False)
    assert unacceptable.status_code == 404


def test_own_urls_not_external(client, bundled_store):
    """Links to this Datathèque's own URLs (SPARQL endpoint, store downloads) are local paths, not external links."""
    rows = bundled_store.query(
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
           SELECT DISTINCT ?url WHERE { <%s/id/dataset/chaire-budgets-crach-2022> dcat:distribution ?d .
                                        ?d dcat:downloadURL|dcat:accessURL ?url }""" % BASE,
        use_default_graph_as_union=True,
    )
    own = [row["url"].value[len(BASE):] for row in rows if row["url"].value.startswith(BASE + "/")]
    assert own
    links = [attrs for tag, attrs in parse_html(client.get("/page/dataset/chaire-budgets-crach-2022").text).tags if tag == "a"]
    for path in own:
        matching = [attrs for attrs in links if attrs.get("href") == path]
        assert matching, path
        assert all("external" not in (attrs.get("class") or "") for attrs in matching), path
        assert all(attrs.get("rel") != "external" for attrs in matching), path


def test_footer_licences(pages):
    french = pages.get("/").text
    assert "données sous Licence Ouverte, code du paquet sous licence MIT" in french
    english = pages.get("/", headers={"accept-language": "en"}).text
    assert "data under the Licence Ouverte, package code under the MIT licence" in english
