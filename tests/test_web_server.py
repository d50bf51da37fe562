"""`datatheque serve` under each web server: settings, web processes, and metrics summed over them.

The serve test starts the real command in a child process on 127.0.0.1 over a
small real store (947 triples of Morbihan communes) and talks to it over HTTP.
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from pyoxigraph import NamedNode, RdfFormat

from api.web_server import LOG_FLUSH_INTERVAL, BufferedFileHandler, LogFormatter, web_processes
from graph.cli import LOG_FORMAT
from graph.settings import PROJECT_ROOT, WEB_SERVERS, SettingsError
from graph.store import write_transaction
from tests.conftest import FIXTURES, make_settings

COMMUNES = FIXTURES / "sparql-engine" / "communes-562xx.nt"
QUICK = "ASK { ?commune <http://rdf.insee.fr/def/geo#codeINSEE> \"56260\" }"
REQUESTS = 12
SAMPLE = 'datatheque_sparql_requests_total{status="200",format="application/sparql-results+json"}'


def test_settings_server_unknown(tmp_path):
    with pytest.raises(SettingsError, match="uvicorn, granian"):
        make_settings(tmp_path / "store", server="gunicorn")


def test_web_processes_default(tmp_path):
    assert web_processes(make_settings(tmp_path / "store")) == (os.cpu_count() or 1)
    assert web_processes(make_settings(tmp_path / "store", web_workers=3)) == 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, target: str) -> tuple[int, str]:
    """One request on its own connection, so that the web processes share them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def metric_value(text: str, sample: str) -> float:
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == sample:
            return float(value)
    return 0.0


def test_log_formatter_matches_standard():
    standard = logging.Formatter(LOG_FORMAT)
    cached = LogFormatter(LOG_FORMAT)
    records = [
        logging.LogRecord("api.sparql_engine", logging.INFO, "", 0, "query %s in %.1f ms", ("ok", 0.25), None)
        for _ in range(3)
    ]
    records[1].created += 0.999
    records[2].created += 3600.5

    assert [cached.format(record) for record in records] == [standard.format(record) for record in records]


def test_buffered_log_writes_lines(tmp_path):
    path = tmp_path / "app.log"
    handler = BufferedFileHandler(str(path))
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    try:
        handler.handle(logging.LogRecord("api", logging.INFO, "", 0, "query one", None, None))
        handler.handle(logging.LogRecord("api", logging.WARNING, "", 0, "worker killed", None, None))
        at_once = path.read_text("utf-8")
        handler.handle(logging.LogRecord("api", logging.INFO, "", 0, "query two", None, None))
        time.sleep(LOG_FLUSH_INTERVAL * 3)
        later = path.read_text("utf-8")
    finally:
        handler.close()

    assert at_once == "INFO query one\nWARNING worker killed\n"
    assert later == at_once + "INFO query two\n"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve") / "store"
    settings = make_settings(root)
    with write_transaction(root) as (_, store):
        store.load(path=str(COMMUNES), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(settings.graph_iri("geo")))
    return root


@pytest.mark.parametrize("server", WEB_SERVERS)
def test_serve_sums_metrics(server, store_root, tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    app_log = store_root.parent / "datatheque.log"
    app_log_start = app_log.stat().st_size if app_log.exists() else 0
    environment = {**os.environ, "DATATHEQUE_SERVER": server, "DATATHEQUE_WEB_WORKERS": "2", "DATATHEQUE_QUERY_WORKERS": "1"}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "graph.cli", "serve", "--store", str(store_root), "--port", str(port)],
            cwd=PROJECT_ROOT, env=environment, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = get(port, "/sparql?" + urlencode({"query": QUICK}))
                break
            except OSError:
                assert process.poll() is None, log_path.read_text("utf-8")
                assert time.monotonic() < deadline, f"{server} did not answer"
                time.sleep(0.1)
        answers = [get(port, "/sparql?" + urlencode({"query": QUICK})) for _ in range(REQUESTS)]
        time.sleep(1.5)  # each web process writes its metrics file within a second
        _, metrics = get(port, "/metrics")
    finally:
        process.terminate()
        process.wait(timeout=30)

    assert status == 200
    assert [code for code, _ in answers] == [200] * REQUESTS
    assert all('"boolean":true' in body.replace(" ", "") for _, body in answers)
    assert metric_value(metrics, SAMPLE) == REQUESTS + 1
    log = log_path.read_text("utf-8")
    if server == "granian":
        assert "Started worker-2" in log
    else:
        assert log.count("Started server process") == 2
    # Every web process writes one line per query to the app's log file.
    app_lines = app_log.read_bytes()[app_log_start:].decode("utf-8").splitlines()
    query_lines = [line for line in app_lines if " api.sparql_engine: query ok in " in line]
    assert len(query_lines) == REQUESTS + 1
    assert all(line.endswith(QUICK) for line in query_lines)
