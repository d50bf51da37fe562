"""The query engine under abuse: timeouts, the concurrency cap, the result cap, disconnections, metrics.

The app runs under the real web server of `datatheque serve` (uvicorn, and granian, its other choice) on 127.0.0.1 with real worker
processes over a small real store (947 triples of Morbihan communes), and
the tests talk to it over HTTP.
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn
from pyoxigraph import NamedNode, RdfFormat

from api.app import create_app
from api.metrics import Histogram, SharedMetrics, SparqlMetrics
from api.query_workers import is_point_query
from api.sparql_engine import QueryEngine, QueryTooLarge
from graph.settings import WEB_SERVERS
from graph.store import StoreHandle, write_transaction
from tests.conftest import FIXTURES, make_settings

COMMUNES = FIXTURES / "sparql-engine" / "communes-562xx.nt"
#: Four independent patterns over 947 triples: about 8e11 solutions to count, far beyond any timeout.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "ASK { ?commune <http://rdf.insee.fr/def/geo#codeINSEE> \"56260\" }"
QUERY_TIMEOUT = 5.0
WORKER_MEMORY_MIB = 512
MAX_RESULT_BYTES = 50_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def decoded(response: http.client.HTTPResponse) -> tuple[int, dict[str, str], str]:
    """Return the status, headers (lower-case names) and text of a response, gunzipped when it is compressed."""
    headers = {name.lower(): value for name, value in response.getheaders()}
    body = response.read()
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status, headers, body.decode("utf-8")


class Server:
    """The app in a background thread under the web server that `datatheque serve` uses, with its engine.

    uvicorn runs as `uvicorn.Server`. granian runs embedded: its Rust HTTP server and
    ASGI glue in this process, where `datatheque serve` runs them in worker processes.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.kind = app.state.settings.server
        self.port = free_port()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        if self.kind == "granian":
            from granian.constants import Interfaces
            from granian.server.embed import Server as Granian

            self.loop = asyncio.new_event_loop()
            self.granian = Granian(self.app, port=self.port, interface=Interfaces.ASGINL, log_level="warning")
            self.loop.call_soon(self.started.set)
            self.serve(self.granian.serve())
        else:
            self.uvicorn = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))
            self.loop = asyncio.new_event_loop()
            self.loop.call_soon(self.started.set)
            self.serve(self.uvicorn.serve())

    def serve(self, serving) -> None:
        try:
            self.loop.run_until_complete(serving)
        finally:
            self.loop.close()

    def start(self) -> None:
        self.thread.start()
        assert self.started.wait(10), "the server did not start"
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, f"{self.kind} did not listen"
                time.sleep(0.02)

    def stop(self) -> None:
        if self.kind == "granian":
            self.loop.call_soon_threadsafe(self.granian.stop)
        else:
            self.uvicorn.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.close()

    @property
    def engine(self) -> QueryEngine:
        return self.app.state.engine

    def get(self, path: str, headers: dict[str, str] | None = None, **parameters: str) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            target = path + ("?" + urlencode(parameters) if parameters else "")
            connection.request("GET", target, headers={"Accept-Language": "en", **(headers or {})})
            return decoded(connection.getresponse())
        finally:
            connection.close()

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/sparql", body=body.encode("utf-8"), headers={"Content-Type": content_type, **(headers or {})})
            return decoded(connection.getresponse())
        finally:
            connection.close()

    def query(self, text: str, headers: dict[str, str] | None = None, **parameters: str) -> tuple[int, dict[str, str], str]:
        return self.get("/sparql", headers, query=text, **parameters)


def load_fixture(store_root: Path, graph: str) -> None:
    with write_transaction(store_root) as (_, store):
        store.load(path=str(COMMUNES), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(graph))


@pytest.fixture(scope="module", params=WEB_SERVERS)
def server(request, tmp_path_factory):
    """A server with 2 workers of 512 MiB, 1 waiting place, a 0.3 s queue wait and a small result cap, under each web server."""
    store_root = tmp_path_factory.mktemp("engine") / "store"
    settings = make_settings(
        store_root,
        server=request.param,
        query_timeout=QUERY_TIMEOUT,
        query_workers=2,
        query_queue_wait=0.3,
        query_queue_length=1,
        max_result_bytes=MAX_RESULT_BYTES,
        query_worker_memory=WORKER_MEMORY_MIB,
    )
    load_fixture(store_root, settings.graph_iri("geo"))
    running = Server(create_app(settings))
    running.start()
    assert running.query(QUICK)[0] == 200  # starts the workers
    yield running
    running.stop()


def wait_until_gone(pid: int, seconds: float) -> bool:
    """Wait until a process no longer exists (killed and reaped); tell whether it is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def metric_value(text: str, sample: str) -> float:
    """Return the value of one sample line of the exposition text, or 0 when it is absent."""
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == sample:
            return float(value)
    return 0.0


def test_timeout_kills_worker(server):
    pids_before = server.engine.worker_pids()
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        slow = pool.submit(server.query, EXPLOSIVE, timeout="1")
        time.sleep(0.2)
        quick_started = time.monotonic()
        quick_status, _, quick_body = server.query(QUICK)
        quick_duration = time.monotonic() - quick_started
        status, _, body = slow.result()
        duration = time.monotonic() - started

    assert quick_status == 200
    assert '"boolean":true' in quick_body
    assert quick_duration < 0.8  # so it ended before the slow query's timeout
    assert status == 503
    assert "timed out after 1 s" in body
    assert 1.0 <= duration < 2.0
    killed = pids_before - server.engine.worker_pids()
    assert len(killed) == 1
    assert wait_until_gone(killed.pop(), 2.0)
    assert len(server.engine.worker_pids()) == 2


def test_timeout_capped_by_setting(server):
    assert server.engine.effective_timeout(60) == QUERY_TIMEOUT
    assert server.engine.effective_timeout(0.5) == 0.5
    assert server.engine.effective_timeout(None) == QUERY_TIMEOUT


def unseen(query: str) -> str:
    """Return the query with a comment that makes its text new, so that the engine has no measure of it."""
    return f"{query} # {uuid.uuid4()}"


def test_concurrency_cap_rejects(server):
    with ThreadPoolExecutor(3) as pool:
        busy = [pool.submit(server.query, EXPLOSIVE, timeout="1.2") for _ in range(2)]
        time.sleep(0.3)
        waiting = pool.submit(server.query, unseen(QUICK))
        time.sleep(0.1)
        started = time.monotonic()
        rejected_status, rejected_headers, rejected_body = server.query(unseen(QUICK))
        rejected_after = time.monotonic() - started
        waited_status, waited_headers, _ = waiting.result()
        busy_statuses = [future.result()[0] for future in busy]

    assert rejected_status == 503
    assert rejected_headers["retry-after"] == "1"
    assert "Too many queries" in rejected_body
    assert rejected_after < 0.2
    assert waited_status == 503
    assert waited_headers["retry-after"] == "1"
    assert busy_statuses == [503, 503]
    assert server.query(QUICK)[0] == 200


def answers_while_workers_busy(server, queries: list[str]) -> list[tuple[int, float]]:
    """Send each query while both query workers run an explosive query; return their statuses and durations."""
    answers = []
    with ThreadPoolExecutor(2) as pool:
        busy = [pool.submit(server.query, EXPLOSIVE, timeout="1.5") for _ in range(2)]
        time.sleep(0.4)
        for query in queries:
            started = time.monotonic()
            answers.append((server.query(query)[0], time.monotonic() - started))
        assert [future.result()[0] for future in busy] == [503, 503]
    return answers


def test_known_quick_query_runs_inline(server):
    # A query measured as quick on the served generation gets its result while every worker is busy, but a new text
    # gets 503. So does the known text once a write has published a new generation, until it is measured again.
    known = unseen("SELECT ?nom WHERE { ?c <http://rdf.insee.fr/def/geo#codeINSEE> \"56121\" ; <http://rdf.insee.fr/def/geo#nom> ?nom }")
    for _ in range(3):
        assert server.query(known)[0] == 200

    (known_status, known_seconds), (new_status, _) = answers_while_workers_busy(server, [known, unseen(QUICK)])

    assert known_status == 200
    assert known_seconds < 0.2
    assert new_status == 503

    with write_transaction(server.app.state.settings.store):
        pass  # publishes a copy of the generation: the same data, measured again
    [(after_write_status, _)] = answers_while_workers_busy(server, [known])

    assert after_write_status == 503
    assert server.query(known)[0] == 200


def test_service_clause_rejected(server):
    # pyoxigraph would send the SERVICE part to the endpoint it names; here that endpoint counts requests.
    received = []

    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.path)
            self.send_error(500)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    endpoint = http.server.HTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{endpoint.server_port}/sparql> {{ ?s ?p ?o }} }}"
        status, _, body = server.query(query)
    finally:
        endpoint.shutdown()
        endpoint.server_close()

    assert status == 400
    assert "Federated queries (SERVICE) are not allowed" in body
    assert received == []


def test_memory_cap_stops_query(server):
    # Sorting every combination of three triples needs far more than 512 MiB.
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"
    pids_before = server.engine.worker_pids()
    started = time.monotonic()

    status, _, body = server.query(query)

    assert status == 503
    assert "worker process abort" in body
    assert f"more than {WORKER_MEMORY_MIB} MiB of memory" in body
    assert time.monotonic() - started < QUERY_TIMEOUT
    assert len(pids_before - server.engine.worker_pids()) == 1
    assert server.query(QUICK)[0] == 200


def test_result_cap_advises_paging(server):
    status, _, body = server.query("CONSTRUCT WHERE { ?s ?p ?o }")
    paged_status, _, paged_body = server.query("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10", format="ntriples")

    assert status == 400
    assert f"larger than {MAX_RESULT_BYTES} bytes" in body
    assert "LIMIT" in body
    assert "OFFSET" in body
    assert paged_status == 200
    assert len(paged_body.splitlines()) == 10


def test_disconnect_kills_worker(server):
    pids_before = server.engine.worker_pids()
    connection = socket.create_connection(("127.0.0.1", server.port))
    connection.sendall(f"GET /sparql?{urlencode({'query': EXPLOSIVE})} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    time.sleep(0.3)
    connection.close()
    closed = time.monotonic()

    deadline = closed + QUERY_TIMEOUT - 1
    while server.engine.worker_pids() >= pids_before and time.monotonic() < deadline:
        time.sleep(0.02)
    killed = pids_before - server.engine.worker_pids()
    assert len(killed) == 1
    assert wait_until_gone(killed.pop(), 1.0)
    assert time.monotonic() - closed < QUERY_TIMEOUT - 1


def test_metrics_count_queries(server):
    sample = 'datatheque_sparql_requests_total{status="200",format="application/sparql-results+json"}'
    _, _, before = server.get("/metrics")
    server.query(QUICK)
    status, headers, after = server.get("/metrics")

    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    assert metric_value(after, sample) == metric_value(before, sample) + 1
    assert metric_value(after, 'datatheque_sparql_query_duration_seconds_count{outcome="ok"}') >= 1
    assert "# TYPE datatheque_sparql_query_timeouts_total counter" in after


def test_metrics_count_timeouts(server):
    _, _, before = server.get("/metrics")
    server.query(EXPLOSIVE, timeout="0.3")
    _, _, after = server.get("/metrics")

    assert metric_value(after, "datatheque_sparql_query_timeouts_total") == metric_value(before, "datatheque_sparql_query_timeouts_total") + 1
    assert metric_value(after, 'datatheque_sparql_requests_total{status="503",format="text/plain"}') >= 1
    assert metric_value(after, "datatheque_sparql_worker_restarts_total") >= 1


def test_point_lookup_inline_matches_worker(server):
    commune = "<http://127.0.0.1:8000/id/commune/56260>"
    lookup = f"SELECT ?p ?o WHERE {{ {commune} ?p ?o }}"
    # The same pattern with a FILTER is no point lookup, so a worker process evaluates it.
    filtered = f"SELECT ?p ?o WHERE {{ {commune} ?p ?o FILTER(true) }}"
    pids_before = server.engine.worker_pids()

    inline_status, _, inline_body = server.query(lookup, format="csv")
    worker_status, _, worker_body = server.query(filtered, format="csv")

    assert is_point_query(lookup)
    assert not is_point_query(filtered)
    assert inline_status == 200
    assert worker_status == 200
    assert sorted(inline_body.splitlines()) == sorted(worker_body.splitlines())
    assert len(inline_body.splitlines()) > 5
    assert server.engine.worker_pids() == pids_before


#: GET requests that the lean path takes or leaves to the endpoint: (URL parameters, headers).
LEAN_PATH_REQUESTS = [
    ([("query", QUICK)], {}),
    ([("query", "SELEC nothing")], {}),
    ([("query", "DESCRIBE <http://127.0.0.1:8000/id/commune/56260>")], {}),
    ([("query", "SELECT ?p ?o WHERE { <http://127.0.0.1:8000/id/commune/56260> ?p ?o }")], {"Accept": "text/csv"}),
    ([("query", "SELECT ?c WHERE { ?c ?p ?o } LIMIT 3")], {"Accept": "text/tab-separated-values;q=0.5, application/sparql-results+xml"}),
    ([("query", "CONSTRUCT WHERE { ?c <http://rdf.insee.fr/def/geo#codeINSEE> ?code } LIMIT 2")], {"Accept": "*/*"}),
    ([("query", QUICK)], {"Accept": "image/png"}),
    ([("query", QUICK), ("format", "xml")], {}),
    ([("query", QUICK), ("output", "csv")], {}),
    ([("query", QUICK), ("format", "png")], {}),
    ([("query", QUICK), ("format", ""), ("output", "tsv")], {}),
    ([("query", QUICK), ("timeout", "2")], {}),
    ([("query", QUICK), ("timeout", "-1")], {}),
    ([("query", QUICK), ("query", QUICK)], {}),
    ([("query", QUICK), ("default-graph-uri", "http://127.0.0.1:8000/graph/geo")], {}),
    ([("query", QUICK), ("update", "CLEAR ALL")], {}),
    ([("query", QUICK), ("utm_source", "newsletter")], {}),
    ([("query", "SELECT ?c ?p ?o WHERE { ?c ?p ?o } LIMIT 40")], {}),
    ([("query", "SELECT ?c ?p ?o WHERE { ?c ?p ?o } LIMIT 40"), ("timeout", "3")], {"Accept": "text/csv"}),
    ([("query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")], {}),
]


def test_fast_path_matches_full_stack(server):
    # The lean path and the endpoint functions leave requests that accept gzip to the whole middleware stack.
    for parameters, headers in LEAN_PATH_REQUESTS:
        target = "/sparql?" + urlencode(parameters)
        fast = server.get(target, headers=headers)
        full = server.get(target, headers={**headers, "Accept-Encoding": "gzip"})

        assert fast[0] == full[0], parameters
        for name in ("content-type", "vary", "access-control-allow-origin", "access-control-expose-headers", "retry-after"):
            assert fast[1].get(name) == full[1].get(name), (parameters, name)
        assert fast[2] == full[2], parameters
    assert server.get("/sparql?query=ASK%7B%7D%FF")[0] == server.get("/sparql?query=ASK%7B%7D%FF", {"Accept-Encoding": "gzip"})[0] == 400


def test_fast_path_html_matches_full_stack(server):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for query, status in ((QUICK, 200), ("SELEC nothing", 400)):
        fast = server.query(query, headers=browser)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request("GET", "/sparql?" + urlencode({"query": query}), headers={**browser, "Accept-Language": "en", "Accept-Encoding": "gzip"})
            full = connection.getresponse()
            full_body = full.read()
        finally:
            connection.close()
        if full.getheader("content-encoding") == "gzip":
            full_body = gzip.decompress(full_body)

        assert fast[0] == status
        assert fast[0] == full.status
        assert fast[1]["content-type"].startswith("text/html")
        assert fast[1]["content-type"] == full.getheader("content-type")
        assert fast[1]["vary"] == full.getheader("vary")
        assert fast[2] == full_body.decode("utf-8")


def test_fast_path_matches_full_stack_post(server):
    requests = [
        (QUICK, "application/sparql-query"),
        (urlencode({"query": QUICK}), "application/x-www-form-urlencoded"),
        (urlencode({"update": "CLEAR ALL"}), "application/x-www-form-urlencoded"),
        ("SELECT ?c ?p ?o WHERE { ?c ?p ?o } LIMIT 40", "application/sparql-query"),
    ]
    for body, content_type in requests:
        fast = server.post(body, content_type)
        full = server.post(body, content_type, headers={"Accept-Encoding": "gzip"})

        assert fast[0] == full[0]
        assert fast[1]["content-type"] == full[1]["content-type"]
        assert fast[1].get("vary") == full[1].get("vary")
        assert fast[2] == full[2]
    assert fast[1]["vary"] == "Accept, Accept-Encoding"

    assert server.post(urlencode({"update": "CLEAR ALL"}), "application/x-www-form-urlencoded")[0] == 401  # no token
    assert '"boolean":true' in server.query(QUICK)[2]  # and changed nothing


def test_from_clause_replaces_union(server):
    count = "SELECT (COUNT(*) AS ?n) {from_clause} WHERE {{ ?s ?p ?o }}"
    triples = len(COMMUNES.read_text("utf-8").splitlines())

    union = server.query(count.format(from_clause=""), format="csv")
    named = server.query(count.format(from_clause="FROM <http://127.0.0.1:8000/graph/geo>"), format="csv")
    elsewhere = server.query(count.format(from_clause="FROM <http://127.0.0.1:8000/graph/none>"), format="csv")

    assert union[2].split() == ["n", str(triples)]
    assert named[2].split() == ["n", str(triples)]
    assert elsewhere[2].split() == ["n", "0"]


def test_query_too_large_rejected(tmp_path):
    settings = make_settings(tmp_path / "store", max_query_bytes=100)
    engine = QueryEngine(settings, StoreHandle(settings.store))
    query = "ASK {} # " + "x" * 100

    with pytest.raises(QueryTooLarge) as raised:
        asyncio.run(engine.execute(query, default_graphs=None, named_graphs=None, media_type=None, timeout=None))

    assert raised.value.status == 413
    assert raised.value.params == {"size": len(query), "max": 100}
    assert engine.worker_pids() == set()


def test_histogram_buckets_cumulative():
    histogram = Histogram("h", "help", ("outcome",), buckets=(0.1, 1.0))
    for value in (0.05, 0.5, 0.5, 3.0):
        histogram.observe(value, "ok")

    lines = list(histogram.samples())

    assert lines == [
        'h_bucket{outcome="ok",le="0.1"} 1',
        'h_bucket{outcome="ok",le="1"} 3',
        'h_bucket{outcome="ok",le="+Inf"} 4',
        'h_sum{outcome="ok"} 4.05',
        'h_count{outcome="ok"} 4',
    ]


def test_shared_metrics_sum_processes(tmp_path):
    # Another web process counts one 200 and one running query, then stops.
    other = (
        "from pathlib import Path; from api.metrics import SharedMetrics, SparqlMetrics\n"
        "metrics = SparqlMetrics(); metrics.requests.inc('200', 'text/csv'); metrics.in_progress.inc()\n"
        f"SharedMetrics(Path({str(tmp_path)!r}), metrics).publish()\n"
    )
    subprocess.run([sys.executable, "-c", other], check=True, cwd=Path(__file__).parent.parent)
    metrics = SparqlMetrics()
    shared = SharedMetrics(tmp_path, metrics)
    metrics.requests.inc("200", "text/csv")
    metrics.requests.inc("400", "text/plain")
    metrics.in_progress.inc()

    text = shared.exposition()

    assert metric_value(text, 'datatheque_sparql_requests_total{status="200",format="text/csv"}') == 2
    assert metric_value(text, 'datatheque_sparql_requests_total{status="400",format="text/plain"}') == 1
    assert metric_value(text, "datatheque_sparql_queries_in_progress") == 1  # the stopped process's is left out
    assert (tmp_path / f"{os.getpid()}.json").exists()


def test_exposition_escapes_labels():
    metrics = SparqlMetrics()
    metrics.rejected.inc('quote " and \\ back')

    assert 'datatheque_sparql_rejected_total{reason="quote \\" and \\\\ back"} 1' in metrics.exposition()
