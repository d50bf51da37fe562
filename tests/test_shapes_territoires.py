"""The SHACL shapes of the territories: known broken territories give exactly the expected results."""

import pytest
import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse

from graph.report import Severity
from graph.settings import PROJECT_ROOT
from graph.validation import Validator, load_shapes
from tests.conftest import BASE, FIXTURES

SHAPES = PROJECT_ROOT / "shapes" / "territoires.ttl"
BROKEN = FIXTURES / "geo" / "bad" / "territoires-broken.ttl"
GRAPH = BASE + "/graph/test"
IGEO = "http://rdf.insee.fr/def/geo#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DTQ = BASE + "/def#"
V, W, I = Severity.VIOLATION, Severity.WARNING, Severity.INFO

#: (focus node, path, severity) of every result, as the fixture's comments list them.
EXPECTED = sorted(
    [
        (f"{BASE}/id/region/5X", IGEO + "codeINSEE", V),
        (f"{BASE}/id/region/5X", IGEO + "subdivisionDirecteDe", V),
        (f"{BASE}/id/departement/56", IGEO + "subdivisionDirecteDe", V),
        (f"{BASE}/id/arrondissement/563", IGEO + "subdivisionDirecteDe", V),
        (f"{BASE}/id/commune/56260", RDFS + "label", V),
        (f"{BASE}/id/commune/56260", DTQ + "population", V),
        (f"{BASE}/id/commune/56260", DTQ + "anneePopulation", W),
        (f"{BASE}/id/commune/56260", DTQ + "codePostal", W),
        (f"{BASE}/id/commune/6260", IGEO + "codeINSEE", V),
        (f"{BASE}/id/commune-deleguee/56183", IGEO + "subdivisionDirecteDe", V),
        (f"{BASE}/id/commune-deleguee/56183", "http://www.w3.org/2004/02/skos/core#exactMatch", I),
        (f"{BASE}/id/epci/12345", IGEO + "codeINSEE", V),
        (f"{BASE}/id/epci/12345", DTQ + "membre", W),
    ]
)


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_shapes([SHAPES], base_uri=BASE))


@pytest.fixture(scope="module")
def broken_report(validator):
    store = Store()
    graph = NamedNode(GRAPH)
    store.extend(Quad(t.subject, t.predicate, t.object, graph) for t in parse(path=BROKEN, format=RdfFormat.TURTLE, base_iri=BASE + "/"))
    return validator.validate_graph(store, GRAPH)


def triples_of(report) -> list[tuple[str, str, Severity]]:
    return sorted((result.focus.value, result.path_iri or "", result.severity) for result in report.results)


def test_shapes_broken_fixture(broken_report):
    assert triples_of(broken_report) == EXPECTED


def test_shapes_messages_bilingual_results(broken_report):
    code_results = [r for r in broken_report.results if r.focus.value == f"{BASE}/id/commune/6260"]
    assert len(code_results) == 1
    assert code_results[0].message("fr").startswith("Le code INSEE d'une commune")
    assert code_results[0].message("en").startswith("The INSEE code of a commune")


def test_shapes_every_message_bilingual():
    shapes = rdflib.Graph().parse(SHAPES, format="turtle", publicID=BASE + "/")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for shape in set(shapes.subjects(sh.path, None)):
        languages = sorted(message.language for message in shapes.objects(shape, sh.message))
        assert languages == ["en", "fr"], shape
        assert shapes.value(shape, sh.severity) is not None, shape


def test_shapes_bundled_build_clean(bundled_store, bundled_settings, validator):
    report = validator.validate_graph(bundled_store, bundled_settings.graph_iri("geo"))
    assert triples_of(report) == []
    assert len(report.checked) > 1000
