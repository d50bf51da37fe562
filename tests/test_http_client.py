"""The harvest HTTP client against a loopback server: retries, ETag/304, size limit."""

import pytest

from graph.http_client import FetchError, HarvestClient, HttpLimits, user_agent
from tests.catalog_server import CatalogServer, Route
from tests.conftest import BASE

FAST = HttpLimits(timeout=5, retries=2, backoff=0.01, max_bytes=1_000_000, max_pages=10)


@pytest.fixture
def server():
    with CatalogServer() as running:
        yield running


def client(tmp_path, limits=FAST):
    return HarvestClient("test", BASE, limits, tmp_path / "http-cache")


def test_get_sends_user_agent(server, tmp_path):
    server.routes["/page1.ttl"] = Route("page1.ttl")
    with client(tmp_path) as http:
        result = http.get(server.url + "/page1.ttl")
    assert result.content_type == "text/turtle"
    assert result.body == server.render("page1.ttl")
    assert server.requests[0][1]["user-agent"] == user_agent(BASE)
    assert "Datatheque" in user_agent(BASE)


def test_unchanged_page_answers_304(server, tmp_path):
    server.routes["/page1.ttl"] = Route("page1.ttl")
    with client(tmp_path) as http:
        first = http.get(server.url + "/page1.ttl")
        second = http.get(server.url + "/page1.ttl")
    assert not first.not_modified
    assert second.not_modified
    assert second.body == first.body
    assert "if-none-match" in server.requests[1][1]


def test_retry_after_503(server, tmp_path):
    server.routes["/page1.ttl"] = Route("page1.ttl", failures=[503, 503])
    with client(tmp_path) as http:
        result = http.get(server.url + "/page1.ttl")
    assert result.body == server.render("page1.ttl")
    assert server.paths().count("/page1.ttl") == 3


def test_retries_bounded(server, tmp_path):
    server.routes["/down"] = Route("page1.ttl", failures=[503] * 10)
    with client(tmp_path) as http, pytest.raises(FetchError) as raised:
        http.get(server.url + "/down")
    assert raised.value.problem.code == "http-failed"
    assert server.paths().count("/down") == FAST.retries + 1


def test_404_not_retried(server, tmp_path):
    with client(tmp_path) as http, pytest.raises(FetchError) as raised:
        http.get(server.url + "/missing")
    assert raised.value.problem.code == "http-status"
    assert server.paths() == ["/missing"]


def test_too_large_response(server, tmp_path):
    server.routes["/big"] = Route(body=b"x" * 5000, media_type="text/plain")
    limits = HttpLimits(timeout=5, retries=0, backoff=0.01, max_bytes=1000)
    with client(tmp_path, limits) as http, pytest.raises(FetchError) as raised:
        http.get(server.url + "/big")
    assert raised.value.problem.code == "too-large"
    assert raised.value.problem.params["max_bytes"] == "1000"


def test_unreachable_host(tmp_path):
    limits = HttpLimits(timeout=1, retries=1, backoff=0.01)
    with client(tmp_path, limits) as http, pytest.raises(FetchError) as raised:
        http.get("http://127.0.0.1:1/catalog.ttl")
    assert raised.value.problem.code == "http-failed"
    assert raised.value.problem.params["tries"] == "2"


def test_limits_from_options():
    limits = HttpLimits.from_options({"max_pages": "3", "retries": 0}, timeout=7.5)
    assert limits.max_pages == 3
    assert limits.retries == 0
    assert limits.timeout == 7.5
