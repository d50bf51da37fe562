"""Benchmark the /sparql endpoint against `oxigraph serve` on the same store, over HTTP on 127.0.0.1.

Both servers get the same query mix, one query kind at a time, with the same
number of concurrent clients (separate client processes, each on one
keep-alive connection). Every request draws its parameter (a commune code,
a word) at random, so repeated requests are not the same query. For each
query kind and client count the script prints the throughput of each
server, their ratio, and the p50 and p99 latencies. Our app runs under each
web server given by `--server` (granian and uvicorn by default), each measured
against `oxigraph serve` in the same turns. With `--floor`, a plain app that
only calls pyoxigraph (benchmarks/plain_sparql_app.py) is measured too.

Setup and run (see benchmarks/README.md):

    .venv/bin/datatheque fetch                    # all of France into var/national
    python3 -m venv var/bench-venv && var/bench-venv/bin/pip install oxigraph==0.5.13
    .venv/bin/python benchmarks/sparql_benchmark.py --build --oxigraph var/bench-venv/bin/oxigraph

`--build` builds the sources of datatheque.toml into var/bench/store, with
the Etalab territories read from the national files. Without it, the script
serves the store given by `--store`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

BASE = "http://127.0.0.1:8000"
PREFIXES = (
    "PREFIX igeo: <http://rdf.insee.fr/def/geo#> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
    "PREFIX dct: <http://purl.org/dc/terms/> PREFIX dtq: <" + BASE + "/def#> "
)
WORDS = ("saint", "sur", "ville", "mont", "bois", "les", "val", "port", "champ", "roche")

#: Query kinds: the SPARQL text, with `{code}` (a commune), `{dep}` (a département) or `{word}` drawn
#: at random for each request, and the Accept header. Most scans are bounded by a département, so that
#: each request takes milliseconds and a run counts hundreds of them. `epci_totals` covers all of France.
QUERIES = {
    "lookup": (PREFIXES + "SELECT ?p ?o WHERE { <" + BASE + "/id/commune/{code}> ?p ?o }", "application/sparql-results+json"),
    "describe": ("DESCRIBE <" + BASE + "/id/commune/{code}>", "application/n-triples"),
    "group_by": (
        PREFIXES + "SELECT ?a (COUNT(?c) AS ?n) (SUM(?pop) AS ?total) WHERE { ?c igeo:subdivisionDe <" + BASE + "/id/departement/{dep}> ; "
        "igeo:subdivisionDirecteDe ?a ; dtq:population ?pop } GROUP BY ?a",
        "application/sparql-results+json",
    ),
    "epci_totals": (
        PREFIXES + "SELECT ?epci (COUNT(?c) AS ?n) (SUM(?pop) AS ?total) WHERE { ?epci dtq:membre ?c . ?c dtq:population ?pop } GROUP BY ?epci",
        "application/sparql-results+json",
    ),
    "order_limit": (
        PREFIXES + "SELECT ?c ?nom ?pop WHERE { ?c igeo:subdivisionDe <" + BASE + "/id/departement/{dep}> ; igeo:nom ?nom ; "
        "dtq:population ?pop } ORDER BY DESC(?pop) LIMIT 20",
        "application/sparql-results+json",
    ),
    "text_filter": (
        PREFIXES + "SELECT ?c ?nom WHERE { ?c igeo:subdivisionDe <" + BASE + "/id/departement/{dep}> ; igeo:nom ?nom "
        'FILTER(CONTAINS(LCASE(?nom), "{word}")) }',
        "application/sparql-results+json",
    ),
    "join": (
        PREFIXES + "SELECT ?dataset ?title ?territory ?nom WHERE { ?dataset a dcat:Dataset ; dct:spatial ?territory . "
        "OPTIONAL { ?dataset dct:title ?title } ?territory igeo:nom ?nom }",
        "application/sparql-results+json",
    ),
}


@dataclasses.dataclass
class Measure:
    """The responses of a run: their count, their latencies in seconds, and the failures (status other than 200)."""

    requests: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _read_response(connection: socket.socket, buffer: bytearray) -> tuple[int, bytearray]:
    """Read one HTTP/1.1 response (Content-Length or chunked) and return its status and the bytes after it."""
    while b"\r\n\r\n" not in buffer:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = bytearray(rest)
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        while len(body) < length:
            body += connection.recv(65536)
        return status, body[length:]
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            while b"\r\n" not in body:
                body += connection.recv(65536)
            size_line, _, body = bytes(body).partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            body = bytearray(body)
            while len(body) < size + 2:
                body += connection.recv(65536)
            body = body[size + 2:]
            if size == 0:
                return status, body
    raise ValueError("response with neither Content-Length nor chunked encoding")


def _client(port: int, path: str, query: str, accept: str, codes: dict[str, list[str]], seconds: float, seed: int, results) -> None:
    """Send requests for `seconds` on one keep-alive connection and put the Measure in `results`."""
    generator = random.Random(seed)
    connection = socket.create_connection(("127.0.0.1", port))
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = bytearray()
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()
    end = started + seconds
    while True:
        text = query.replace("{word}", generator.choice(WORDS))
        for name, values in codes.items():
            text = text.replace("{" + name + "}", generator.choice(values))
        request = (
            f"GET {path}?query={quote(text)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\n\r\n"
        ).encode()
        sent = time.perf_counter()
        if sent >= end:
            break
        connection.sendall(request)
        status, buffer = _read_response(connection, buffer)
        latencies.append(time.perf_counter() - sent)
        if status != 200:
            failures += 1
    connection.close()
    results.put(Measure(len(latencies), time.perf_counter() - started, latencies, failures))


def measure(port: int, path: str, query: str, accept: str, codes: dict[str, list[str]], clients: int, seconds: float) -> Measure:
    """Run `clients` client processes at once against one server and merge their measures."""
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_client, args=(port, path, query, accept, codes, seconds, index, results))
        for index in range(clients)
    ]
    for process in processes:
        process.start()
    parts = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return Measure(
        sum(part.requests for part in parts),
        max(part.seconds for part in parts),
        [latency for part in parts for latency in part.latencies],
        sum(part.failures for part in parts),
    )


def merge(slices: list[Measure]) -> Measure:
    """Merge the measures of consecutive slices of one run."""
    return Measure(
        sum(part.requests for part in slices),
        sum(part.seconds for part in slices),
        [latency for part in slices for latency in part.latencies],
        sum(part.failures for part in slices),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(f"GET {path}?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if _read_response(connection, bytearray())[0] == 200:
                    return
        except (OSError, ValueError):
            time.sleep(0.2)
    raise RuntimeError(f"no server responded on port {port} within {timeout} s: check its output above for errors")


def build_national(store: Path) -> None:
    """Build the sources of datatheque.toml into `store`, with the territories read from var/national."""
    from graph.build import build
    from graph.settings import load_settings

    settings = load_settings(PROJECT_ROOT / "datatheque.toml", environ={}, store=store)
    sources = tuple(
        dataclasses.replace(source, location=str(settings.national_dir)) if source.kind == "etalab-geo" else source
        for source in settings.sources
    )
    report = build(dataclasses.replace(settings, sources=sources))
    for source in report.sources:
        print(f"built {source.name}: {source.status}, {source.triples} triples", file=sys.stderr)
    if not report.published:
        raise SystemExit("the build published nothing")


def territory_codes(store: Path) -> dict[str, list[str]]:
    """Return the INSEE codes of the communes (`code`) and départements (`dep`) in the store."""
    from pyoxigraph import Store

    from graph.store import current_generation

    generation = current_generation(store)
    if generation is None:
        raise SystemExit(f"the store {store} has no generation: run with --build")
    opened = Store.read_only(str(generation))
    codes = {}
    for name, kind in (("code", "Commune"), ("dep", "Departement")):
        query = f"SELECT ?code WHERE {{ ?t a <http://rdf.insee.fr/def/geo#{kind}> ; <http://rdf.insee.fr/def/geo#codeINSEE> ?code }}"
        codes[name] = [row["code"].value for row in opened.query(query, use_default_graph_as_union=True)]
    return codes


def web_server_command(server: str, port: int, workers: int, factory: str = "api.web_server:create_web_app", log_config: Path | None = None) -> list[str]:
    """Return the command that serves an app factory (default: ours) as `datatheque serve` does, under granian or uvicorn.

    `log_config` is a JSON `logging.config.dictConfig` file, as `datatheque serve` configures its web processes.
    """
    logging_options = ["--log-config", str(log_config)] if log_config else []
    if server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--loop", "uvloop", "--no-access-log", *logging_options, factory]
    return [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log", *logging_options]


def write_log_config(server: str, scratch: Path) -> Path:
    """Write the logging configuration of `datatheque serve` for a web server, its app log in `scratch`, and return its path."""
    from api.web_server import logging_config

    if server == "granian":
        from granian.log import LOGGING_CONFIG
    else:
        from uvicorn.config import LOGGING_CONFIG
    path = scratch / f"logging-{server}.json"
    path.write_text(json.dumps(logging_config(LOGGING_CONFIG, scratch / f"datatheque-{server}.log")), "utf-8")
    return path


def start_servers(
    store: Path, oxigraph: str, web_servers: list[str], workers: int, scratch: Path, floor: bool = False
) -> dict[str, tuple[subprocess.Popen, int, str]]:
    """Start our app under each web server, the plain app under the first if `floor`, and `oxigraph serve-read-only` on a copy of the same generation (last)."""
    from graph.store import current_generation

    # The timeout and the wait for a free worker are raised, because `oxigraph serve` has neither: slow queries
    # under 4 clients are then measured rather than stopped or rejected.
    environment = {
        **os.environ,
        "DATATHEQUE_STORE": str(store),
        "DATATHEQUE_BASE_URI": BASE,
        "DATATHEQUE_QUERY_TIMEOUT": "60",
        "DATATHEQUE_QUERY_QUEUE_WAIT": "60",
    }
    servers = {}
    for server in web_servers:
        port = free_port()
        command = web_server_command(server, port, workers, log_config=write_log_config(server, scratch))
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment)
        servers[f"datatheque ({server})"] = (process, port, "/sparql")
    if floor:
        port = free_port()
        command = web_server_command(web_servers[0], port, workers, factory="plain_sparql_app:create_app")
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**environment, "PYTHONPATH": f"{PROJECT_ROOT / 'benchmarks'}:{PROJECT_ROOT}"})
        servers[f"plain app ({web_servers[0]})"] = (process, port, "/sparql")
    copy = scratch / "oxigraph"
    shutil.copytree(current_generation(store), copy)
    oxigraph_port = free_port()
    peer = subprocess.Popen(
        [oxigraph, "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{oxigraph_port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    servers["oxigraph"] = (peer, oxigraph_port, "/query")
    return servers


def start_rdflib_endpoint(store: Path, command: str, scratch: Path) -> tuple[subprocess.Popen, int, str]:
    """Dump the union of the named graphs to N-Triples and serve it with rdflib-endpoint (in memory)."""
    from pyoxigraph import RdfFormat, Store

    from graph.store import current_generation

    dump = scratch / "union.nt"
    union = Store.read_only(str(current_generation(store))).query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    union.serialize(str(dump), RdfFormat.N_TRIPLES)
    port = free_port()
    process = subprocess.Popen(
        [command, "serve", str(dump), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return process, port, "/"


def compare(servers: dict[str, tuple[subprocess.Popen, int, str]], queries: list[str], clients_counts: list[int], seconds: int, codes) -> None:
    """Print one table row per query, client count and server of ours: throughputs against the last server, their ratio, and latencies."""
    *ours_names, peer_name = list(servers)
    print(f"| query | clients | server | req/s | {peer_name} req/s | ratio | p50 / p99 ms | {peer_name} p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name in queries:
        query, accept = QUERIES[name]
        for clients in clients_counts:
            for _, port, path in servers.values():
                measure(port, path, query, accept, codes, clients, 1.0)  # warm-up
            # The servers take turns in slices of one second, so that a change in the load of the
            # machine weighs on all alike.
            slices: dict[str, list[Measure]] = {server: [] for server in servers}
            for _ in range(max(1, seconds)):
                for server, (_, port, path) in servers.items():
                    slices[server].append(measure(port, path, query, accept, codes, clients, 1.0))
            peer = merge(slices[peer_name])
            for ours_name in ours_names:
                ours = merge(slices[ours_name])
                failures = f" ({ours.failures} / {peer.failures} failed)" if ours.failures or peer.failures else ""
                print(
                    f"| {name} | {clients} | {ours_name} | {ours.throughput:.1f} | {peer.throughput:.1f} | "
                    f"{ours.throughput / peer.throughput:.2f}{failures} | "
                    f"{ours.percentile(0.5) * 1000:.2f} / {ours.percentile(0.99) * 1000:.2f} | "
                    f"{peer.percentile(0.5) * 1000:.2f} / {peer.percentile(0.99) * 1000:.2f} |",
                    flush=True,
                )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "var" / "bench" / "store", help="store to serve (default: var/bench/store)")
    parser.add_argument("--build", action="store_true", help="build the sources, territories from var/national, into --store first")
    parser.add_argument("--oxigraph", default="oxigraph", help="the `oxigraph` command of the PyPI package oxigraph")
    parser.add_argument("--rdflib-endpoint", help="the `rdflib-endpoint` command (PyPI package rdflib-endpoint[cli]), to compare aggregations with it too")
    parser.add_argument("--rdflib-queries", nargs="+", default=["group_by", "epci_totals"], choices=list(QUERIES), help="query kinds run against rdflib-endpoint (default: the aggregations)")
    parser.add_argument("--server", nargs="+", choices=["granian", "uvicorn"], default=["granian", "uvicorn"], help="web servers of our app, each measured (default: granian uvicorn)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="web processes of our app (default: CPU cores)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4], help="concurrent clients (default: 1 4)")
    parser.add_argument("--seconds", type=int, default=5, help="measured seconds per query, server and client count, in one-second slices taken in turns")
    parser.add_argument("--floor", action="store_true", help="also serve benchmarks/plain_sparql_app.py, pyoxigraph behind the first web server with no checks")
    parser.add_argument("--queries", nargs="+", default=list(QUERIES), choices=list(QUERIES), help="query kinds to run")
    args = parser.parse_args(argv)

    if args.build:
        build_national(args.store)
    codes = territory_codes(args.store)
    print(f"{len(codes['code'])} communes, {len(codes['dep'])} départements in {args.store}; {os.cpu_count()} CPU cores; {args.workers} web processes per server", file=sys.stderr)

    with tempfile.TemporaryDirectory() as scratch:
        servers = start_servers(args.store, args.oxigraph, args.server, args.workers, Path(scratch), floor=args.floor)
        processes = [process for process, _, _ in servers.values()]
        try:
            for _, port, path in servers.values():
                wait_until_ready(port, path)
            compare(servers, args.queries, args.clients, args.seconds, codes)
            if args.rdflib_endpoint:
                peer = start_rdflib_endpoint(args.store, args.rdflib_endpoint, Path(scratch))
                processes.append(peer[0])
                wait_until_ready(peer[1], peer[2], timeout=900)
                print()
                # oxigraph's own ratio to rdflib-endpoint shows how much of ours is pyoxigraph's.
                ours = {name: servers[name] for name in servers if name.startswith("datatheque") or name == "oxigraph"}
                compare(ours | {"rdflib-endpoint": peer}, args.rdflib_queries, args.clients, args.seconds, codes)
        finally:
            stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
