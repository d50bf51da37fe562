"""Time the HTML pages of a commune and of a département, beside their RDF document and a SPARQL DESCRIBE.

    .venv/bin/python benchmarks/pages_benchmark.py [--requests N] [--store DIR]

Builds the bundled sources into a temporary store (or uses `--store`), then
sends N GET requests per URL through the real app in-process (Starlette's
TestClient: no network, no gzip), after 20 warm-up requests. The time of a
request is measured around the call, so it is the server-side time plus the
in-process transport (well under a millisecond). The peers, in the same run:
the Turtle document of the same resource (`/data/….ttl`) and a plain
`DESCRIBE` of it through pyoxigraph, with no HTTP at all.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from graph.build import build  # noqa: E402
from graph.settings import PROJECT_ROOT, load_settings  # noqa: E402
from graph.store import open_current  # noqa: E402

BASE = "http://127.0.0.1:8000"
CASES = (
    ("commune page", "/page/commune/56260"),
    ("commune RDF (Turtle)", "/data/commune/56260.ttl"),
    ("département page", "/page/departement/56"),
    ("département RDF (Turtle)", "/data/departement/56.ttl"),
    ("search", "/recherche?q=ploermel"),
)
WARM_UP = 20


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Return p50 and p99 of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def time_calls(call, count: int) -> list[float]:
    for _ in range(WARM_UP):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per URL (default 200)")
    parser.add_argument("--store", type=Path, help="an already built store directory (default: build the bundled sources)")
    arguments = parser.parse_args()

    if arguments.store:
        settings = load_settings(PROJECT_ROOT / "datatheque.toml", environ={}, store=arguments.store)
    else:
        settings = load_settings(PROJECT_ROOT / "datatheque.toml", environ={}, store=Path(tempfile.mkdtemp()) / "store")
        build(settings)
    client = TestClient(create_app(settings), base_url=BASE)
    store = open_current(settings.store, read_only=True)

    rows = []
    for name, path in CASES:
        def request(path: str = path) -> None:
            response = client.get(path, headers={"accept-encoding": "identity"})
            assert response.status_code == 200, (path, response.status_code)
        rows.append((name, *percentiles(time_calls(request, arguments.requests))))
    for name, iri in (("commune DESCRIBE (pyoxigraph)", "/id/commune/56260"), ("département DESCRIBE (pyoxigraph)", "/id/departement/56")):
        def describe(iri: str = BASE + iri) -> None:
            list(store.query(f"DESCRIBE <{iri}>", use_default_graph_as_union=True))
        rows.append((name, *percentiles(time_calls(describe, arguments.requests))))

    print(f"{arguments.requests} requests per row, {platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    print("| what | p50 (ms) | p99 (ms) |")
    print("|---|---:|---:|")
    for name, p50, p99 in rows:
        print(f"| {name} | {p50:.1f} | {p99:.1f} |")


if __name__ == "__main__":
    main()
