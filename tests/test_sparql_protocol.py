"""The W3C SPARQL 1.1 Protocol, Service Description and Graph Store Protocol suites, from their manifests.

Each test's requests are sent in order to the real app over a scratch
store that contains the test's `ut:graphData` as named graphs. Request paths
starting with `/sparql/` go to /sparql and those starting with `/gsp` to
/store; every request carries a bearer token allowed on every graph,
because the suites test the protocol, not its authorisation.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from tests.conftest import BASE, FIXTURES
from tests.sparql_fixtures import ADMIN, bearer, reset_store, scratch_client, scratch_settings

SUITE = FIXTURES / "sparql-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Tests expected to fail, with the reason. Empty: every test of the suites passes.
KNOWN_FAILURES: dict[str, str] = {}

#: Exact status codes named in the manifests (the classes StatusCode2xx… are ranges).
STATUS_CODES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}


@dataclass
class ExpectedResponse:
    statuses: set[str]
    format: str | None = None
    boolean: bool | None = None
    location_variable: str | None = None
    content_type: str | None = None
    body: str | None = None


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    response: ExpectedResponse


@dataclass
class ProtocolTest:
    id: str
    name: str
    requests: list[ProtocolRequest]
    graph_data: dict[str, Path] = field(default_factory=dict)


def _list(graph: rdflib.Graph, node) -> list:
    return list(Collection(graph, node)) if node is not None else []


def _body(graph: rdflib.Graph, node) -> str | None:
    body = graph.value(node, HT.body)
    return str(graph.value(body, CNT.chars)) if body is not None else None


def _headers(graph: rdflib.Graph, node) -> dict[str, str]:
    return {
        str(graph.value(header, HT.fieldName)).lower(): str(graph.value(header, HT.fieldValue))
        for header in _list(graph, graph.value(node, HT.headers))
    }


def _response(graph: rdflib.Graph, node) -> ExpectedResponse:
    boolean = graph.value(node, MF.expectedBoolean)
    location = graph.value(node, MF.expectedLocation)
    return ExpectedResponse(
        statuses={str(status).rpartition("#")[2] for status in graph.objects(node, MF.expectedStatus)},
        format=str(graph.value(node, MF.expectedFormat)) if graph.value(node, MF.expectedFormat) else None,
        boolean=boolean.toPython() if boolean is not None else None,
        location_variable=str(location) if location is not None else None,
        content_type=_headers(graph, node).get("content-type"),
        body=_body(graph, node),
    )


def load_manifest(path: Path) -> list[ProtocolTest]:
    """Read the tests of a manifest (and of the manifests it includes), in order."""
    graph = rdflib.Graph().parse(path, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    tests = []
    for included in _list(graph, graph.value(manifest, MF.include)):
        tests += load_manifest(Path(str(included).removeprefix("file://")))
    for entry in _list(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = [
            ProtocolRequest(
                method=str(graph.value(request, HT.methodName)),
                path=str(graph.value(request, HT.absolutePath)),
                headers=_headers(graph, request),
                body=_body(graph, request),
                response=_response(graph, graph.value(request, HT.resp)),
            )
            for request in _list(graph, graph.value(action, HT.requests))
        ]
        graph_data = {
            str(graph.value(data, RDFS.label)): Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
            for data in graph.objects(entry, UT.graphData)
        }
        test_id = str(entry).rpartition("#")[2]
        tests.append(ProtocolTest(test_id, str(graph.value(entry, MF.name)), requests, graph_data))
    return tests


def our_path(path: str) -> str:
    """Rewrite a manifest path to ours: /sparql/… to /sparql…, /gsp… to /store….

    >>> our_path("/sparql/?query=ASK%20%7B%7D")
    '/sparql?query=ASK%20%7B%7D'
    >>> our_path("/gsp/person/1.ttl")
    '/store/person/1.ttl'
    """
    if path.startswith("/sparql/"):
        return "/sparql" + path.removeprefix("/sparql/")
    if path.startswith("/gsp"):
        return "/store" + path.removeprefix("/gsp")
    raise ValueError(f"unexpected path {path}")


PROTOCOL_TESTS = load_manifest(SUITE / "protocol" / "manifest.ttl")
GRAPH_STORE_TESTS = load_manifest(SUITE / "graph-store-protocol" / "manifest.ttl")


def _cases(tests: list[ProtocolTest]) -> list:
    return [
        pytest.param(test, id=test.id, marks=[pytest.mark.xfail(reason=KNOWN_FAILURES[test.id], strict=True)])
        if test.id in KNOWN_FAILURES
        else pytest.param(test, id=test.id)
        for test in tests
    ]


@pytest.fixture(scope="module")
def protocol_app(tmp_path_factory):
    settings = scratch_settings(tmp_path_factory.mktemp("protocol") / "store")
    reset_store(settings, {})
    with scratch_client(settings) as client:
        yield settings, client


def _media_type(response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _status_matches(status: int, expected: set[str]) -> bool:
    for name in expected:
        if name.startswith("StatusCode") and str(status)[0] == name[len("StatusCode")]:
            return True
        if STATUS_CODES.get(name) == status:
            return True
    return False


def _boolean_of(response) -> bool:
    media_type = _media_type(response)
    if media_type == "application/sparql-results+json":
        return json.loads(response.content)["boolean"]
    assert media_type == "application/sparql-results+xml", media_type
    element = ElementTree.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return element.text.strip() == "true"


def _check_response(request: ProtocolRequest, response) -> None:
    expected = request.response
    assert _status_matches(response.status_code, expected.statuses), (
        f"{request.method} {request.path}: {response.status_code} {response.text[:300]} not in {expected.statuses}"
    )
    if expected.format == "boolean":
        assert _media_type(response) in {"application/sparql-results+json", "application/sparql-results+xml"}
    if expected.format == "tabular":
        assert _media_type(response) in RESULT_TYPES
    if expected.format == "RDF":
        assert _media_type(response) in RDF_TYPES
        rdflib.Graph().parse(data=response.content, format=RDF_TYPES[_media_type(response)])
    if expected.boolean is not None:
        assert _boolean_of(response) is expected.boolean
    if expected.content_type:
        expected_type = expected.content_type.replace(" ", "").lower()
        assert response.headers["content-type"].replace(" ", "").lower() == expected_type
    if request.method == "HEAD":
        assert response.content == b""
    elif expected.body is not None:
        received = rdflib.Graph().parse(data=response.content, format=RDF_TYPES[_media_type(response)])
        expected_graph = rdflib.Graph().parse(data=expected.body, format="turtle")
        assert isomorphic(received, expected_graph)


def run_protocol_test(test: ProtocolTest, settings, client) -> None:
    """Load the test's graphs, send its requests in order and check each response."""
    reset_store(settings, {iri: SUITE / "protocol" / path.name for iri, path in test.graph_data.items()})
    variables: dict[str, str] = {}
    for request in test.requests:
        path, body = our_path(request.path), request.body
        for name, value in variables.items():
            path = path.replace(name, value)
            body = body.replace(name, value) if body is not None else None
        headers = {**request.headers, **bearer(ADMIN)}
        content = None
        if body is not None:
            encoding = "utf-16" if "utf-16" in headers.get("content-type", "").lower() else "utf-8"
            content = body.encode(encoding)
        response = client.request(request.method, path, content=content, headers=headers)
        _check_response(request, response)
        if request.response.location_variable:
            variables[request.response.location_variable] = response.headers["location"]


@pytest.mark.parametrize("test", _cases(PROTOCOL_TESTS))
def test_protocol_manifest(test: ProtocolTest, protocol_app) -> None:
    run_protocol_test(test, *protocol_app)


@pytest.mark.parametrize("test", _cases(GRAPH_STORE_TESTS))
def test_graph_store_manifest(test: ProtocolTest, protocol_app) -> None:
    run_protocol_test(test, *protocol_app)


def test_manifests_complete() -> None:
    assert len(PROTOCOL_TESTS) == 34
    assert len(GRAPH_STORE_TESTS) == 13
    assert all(test.requests for test in PROTOCOL_TESTS + GRAPH_STORE_TESTS)


# Service Description: the manifest names the tests; SPARQL 1.1 Service Description §2 and §3 define them.

def service_description_ids() -> list[str]:
    """Return the test ids of the Service Description manifest, in order."""
    graph = rdflib.Graph().parse(SUITE / "service-description" / "manifest.ttl", format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    return [str(entry).rpartition("#")[2] for entry in _list(graph, graph.value(manifest, MF.entries))]


def _service_description(client) -> rdflib.Graph:
    response = client.get("/sparql")
    assert response.status_code == 200
    assert _media_type(response) in RDF_TYPES
    return rdflib.Graph().parse(data=response.content, format=RDF_TYPES[_media_type(response)])


def check_returns_rdf(client) -> None:
    assert len(_service_description(client)) > 0


def check_has_endpoint_triple(client) -> None:
    description = _service_description(client)
    assert (None, SD.endpoint, rdflib.URIRef(BASE + "/sparql")) in description


def check_conforms_to_schema(client) -> None:
    description = _service_description(client)
    service = description.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert (service, SD.feature, SD.UnionDefaultGraph) in description
    assert len(list(description.objects(service, SD.resultFormat))) >= 4
    dataset = description.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in description
    assert (description.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in description
    for named_graph in description.objects(dataset, SD.namedGraph):
        assert isinstance(description.value(named_graph, SD.name), rdflib.URIRef)
        assert (description.value(named_graph, SD.graph), RDF.type, SD.Graph) in description


SERVICE_DESCRIPTION_CHECKS = {
    "returns-rdf": check_returns_rdf,
    "has-endpoint-triple": check_has_endpoint_triple,
    "conforms-to-schema": check_conforms_to_schema,
}


@pytest.mark.parametrize("test_id", service_description_ids())
def test_service_description_manifest(test_id: str, protocol_app) -> None:
    settings, client = protocol_app
    reset_store(settings, {"http://kasei.us/2009/09/sparql/data/data1.rdf": SUITE / "protocol" / "data1.nt"})
    SERVICE_DESCRIPTION_CHECKS[test_id](client)
