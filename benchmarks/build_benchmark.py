"""Time the build of the territories, beside pyoxigraph's bulk loader and rdflib's parser.

    .venv/bin/python benchmarks/build_benchmark.py [--national DIR] [--repeat N] [--no-readme]

For the bundled Brittany extract (data/decoupage-administratif) and, when
`datatheque fetch` has written them, the national files (var/national), it
measures in separate child processes, so that each peak memory is its own:

- `lift`: the etalab-geo lift alone (JSON → facade → CONSTRUCT), triples in memory;
- `lift + load`: the lift, then loading the triples into a new on-disk store generation;
- `build`: `datatheque build` of that one source: lift, SHACL validation, load, provenance;
- peers on the N-Triples of the same triples: pyoxigraph's `Store.bulk_load` into an
  on-disk store, and rdflib's N-Triples parser into an in-memory Graph.

Triples per second divide the number of lifted triples by the wall-clock time.
Peak memory is the child's maximum resident set size (`resource.getrusage`).
The section between the markers below in benchmarks/README.md is replaced
with the results unless `--no-readme` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

README = PROJECT_ROOT / "benchmarks" / "README.md"
START_MARKER = "<!-- build-benchmark:start -->"
END_MARKER = "<!-- build-benchmark:end -->"
STEPS = ("lift", "lift + load", "build", "pyoxigraph bulk_load", "rdflib parse")
BASE = "http://127.0.0.1:8000"


def _peak_memory_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _lift(directory: Path):
    from pyoxigraph import Store

    from graph.settings import Settings, SourceConfig
    from graph.sources import LiftContext, lift_function

    settings = Settings(base_uri=BASE)
    return lift_function("etalab-geo")(SourceConfig("geo", "etalab-geo", str(directory)), LiftContext(settings, Store()))


def measure(step: str, directory: Path, ntriples: Path, work: Path) -> dict[str, float]:
    """Run one step in this process and return its duration, triples and peak memory."""
    from pyoxigraph import NamedNode, Quad, RdfFormat, Store

    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    if step == "lift":
        triples = len(_lift(directory).triples)
    elif step == "lift + load":
        from graph.store import write_transaction

        lifted = _lift(directory)
        graph = NamedNode(f"{BASE}/graph/geo")
        with write_transaction(work / "store") as (_, store):
            store.bulk_extend(Quad(t.subject, t.predicate, t.object, graph) for t in lifted.triples)
        triples = len(lifted.triples)
    elif step == "build":
        from graph.build import build
        from graph.settings import Settings, SourceConfig

        settings = Settings(base_uri=BASE, store=work / "store", sources=(SourceConfig("geo", "etalab-geo", str(directory)),))
        report = build(settings)
        if report.failed:
            raise RuntimeError(f"the build failed: {report.sources[0].problems[:3]}")
        triples = report.sources[0].triples
    elif step == "pyoxigraph bulk_load":
        # Into the same named graph as the build: a named graph has more indexes to fill than the default graph.
        store = Store(str(work / "oxigraph"))
        store.bulk_load(path=ntriples, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(f"{BASE}/graph/geo"))
        store.flush()
        triples = len(store)
    elif step == "export":
        triples = export_ntriples(directory, ntriples)
    elif step == "rdflib parse":
        import rdflib

        triples = len(rdflib.Graph().parse(ntriples, format="nt"))
    else:
        raise ValueError(f"unknown step {step!r}")
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu_started,
        "triples": triples,
        "peak_mib": _peak_memory_mib(),
    }


def export_ntriples(directory: Path, path: Path) -> int:
    """Write the lifted triples of a directory as N-Triples, for the peers; return their number."""
    from pyoxigraph import RdfFormat, serialize

    triples = list(dict.fromkeys(_lift(directory).triples))
    serialize(triples, output=str(path), format=RdfFormat.N_TRIPLES)
    return len(triples)


def run_child(step: str, directory: Path, ntriples: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="datatheque-bench-") as work:
        command = [sys.executable, __file__, "--child", step, str(directory), str(ntriples), work]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def benchmark(name: str, directory: Path, repeat: int) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="datatheque-nt-") as temporary:
        ntriples = Path(temporary) / "geo.nt"
        # The export runs in a child too: Linux keeps a process's peak RSS across fork and exec, so
        # a parent that had lifted the national files would pass its peak on to every child.
        count = int(run_child("export", directory, ntriples)["triples"])
        print(f"{name}: {count} distinct triples, {ntriples.stat().st_size / 2**20:.1f} MiB of N-Triples", file=sys.stderr)
        for step in STEPS:
            runs = [run_child(step, directory, ntriples) for _ in range(repeat)]
            seconds = statistics.median(run["seconds"] for run in runs)
            row = {
                "data": name,
                "step": step,
                "triples": int(runs[0]["triples"]),
                "seconds": seconds,
                "cpu_seconds": statistics.median(run["cpu_seconds"] for run in runs),
                "all_seconds": [round(run["seconds"], 2) for run in runs],
                "triples_per_second": runs[0]["triples"] / seconds,
                "peak_mib": max(run["peak_mib"] for run in runs),
            }
            print(f"  {step}: {seconds:.2f} s, {row['cpu_seconds']:.2f} s of CPU, {row['peak_mib']:.0f} MiB", file=sys.stderr)
            rows.append(row)
    return rows


def markdown(rows: list[dict[str, object]], command: str, repeat: int) -> str:
    lines = [
        START_MARKER,
        "## Build of the territories",
        "",
        f"Command: `{command}` (script `benchmarks/build_benchmark.py`), run on {time.strftime('%Y-%m-%d')}.",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}; shared with other jobs during the run, so durations are noisy.",
        f"Each step runs {repeat} time(s) in a fresh child process; the table gives the median wall-clock duration,",
        "the median CPU time (user + system, all threads of the child) and the maximum peak resident memory.",
        "Triples per second divide the lifted triples by the wall-clock duration. On a loaded machine the CPU",
        "time is the steadier figure: for the steps that run on one thread it estimates the wall-clock time on",
        "an idle machine.",
        "`lift` is the etalab-geo lift alone; `lift + load` adds loading into a new on-disk store generation;",
        "`build` is `datatheque build` of that one source (lift, SHACL validation, load, provenance); the peers",
        "load the N-Triples of the same triples: pyoxigraph's `Store.bulk_load` into the same named graph on disk,",
        "rdflib's N-Triples parser into an in-memory Graph.",
        "",
        "| data | step | triples | wall s (median) | runs (wall s) | CPU s (median) | triples / s | peak memory (MiB) |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['data']} | {row['step']} | {row['triples']:,} | {row['seconds']:.2f} | "
            f"{', '.join(str(s) for s in row['all_seconds'])} | {row['cpu_seconds']:.2f} | "
            f"{row['triples_per_second']:,.0f} | {row['peak_mib']:.0f} |"
        )
    lines += _summary(rows)
    lines.append(END_MARKER)
    return "\n".join(lines) + "\n"


def _summary(rows: list[dict[str, object]]) -> list[str]:
    """Compare the national lift + load with the aim and the peers, in CPU seconds."""
    national = {row["step"]: row for row in rows if str(row["data"]).startswith("France")}
    if not national:
        return []
    lift_load, bulk, rdflib_parse = national["lift + load"], national["pyoxigraph bulk_load"], national["rdflib parse"]
    return [
        "",
        f"All of France, in CPU seconds: lift + load {lift_load['cpu_seconds']:.1f} "
        f"(aim: under 15 s on 2 cores), of which the lift {national['lift']['cpu_seconds']:.1f}; "
        f"pyoxigraph's bulk loader alone {bulk['cpu_seconds']:.1f}; rdflib's parser alone {rdflib_parse['cpu_seconds']:.1f}; "
        f"the whole build {national['build']['cpu_seconds']:.1f}.",
    ]


def update_readme(section: str) -> None:
    text = README.read_text("utf-8") if README.exists() else "# Benchmarks\n"
    if START_MARKER in text and END_MARKER in text:
        before, _, rest = text.partition(START_MARKER)
        _, _, after = rest.partition(END_MARKER)
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    README.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the build of the territories beside pyoxigraph and rdflib.")
    parser.add_argument("--national", type=Path, default=PROJECT_ROOT / "var" / "national", help="directory of the national files (default: var/national)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step (default: 3)")
    parser.add_argument("--no-readme", action="store_true", help="print the results without updating benchmarks/README.md")
    parser.add_argument("--child", nargs=4, metavar=("STEP", "DIRECTORY", "NTRIPLES", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        step, directory, ntriples, work = args.child
        print(json.dumps(measure(step, Path(directory), Path(ntriples), Path(work))))
        return 0

    rows = benchmark("Brittany (bundled)", PROJECT_ROOT / "data" / "decoupage-administratif", args.repeat)
    if (args.national / "communes.json").exists():
        rows += benchmark("France (national)", args.national, args.repeat)
    else:
        print(f"{args.national} has no national files: run `datatheque fetch` to time all of France", file=sys.stderr)

    command = "python benchmarks/build_benchmark.py" + (f" --repeat {args.repeat}" if args.repeat != 3 else "")
    section = markdown(rows, command, args.repeat)
    print(section)
    if not args.no_readme:
        update_readme(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
