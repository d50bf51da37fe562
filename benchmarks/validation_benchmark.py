"""Compare our SHACL engine with pyshacl on the full-France geography plus a catalogue.

Usage (after `datatheque fetch`, which writes the national files to var/national):

    .venv/bin/python benchmarks/validation_benchmark.py [--national var/national] [--datasets 3000]

Both engines get the same shapes (`shapes/*.ttl` and the DCAT-AP 3.0.1 core
and recommended shapes) and the same data: the geography lifted from the
national Etalab files by a real build, and a generated DCAT catalogue of
`--datasets` datasets with two distributions each, whose `dct:spatial`
points to real communes. pyshacl gets rdflib copies of the graphs (the copy
is timed apart). The script prints a Markdown table and whether the two
engines found the same results.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Store
from pyshacl import validate as pyshacl_validate

from graph.build import build
from graph.settings import PROJECT_ROOT, Settings, SourceConfig
from graph.shacl_fallback import source_graph_for_pyshacl
from graph.shapes import SH
from graph.validation import Validator, default_shape_files, load_shapes

BASE = "http://127.0.0.1:8000"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def catalogue_quads(store: Store, graph: NamedNode, datasets: int, seed: int = 7) -> list[Quad]:
    """Generate a DCAT catalogue; about one dataset in ten misses a recommended or mandatory property."""
    randomizer = random.Random(seed)
    communes = [row["c"] for row in store.query("SELECT ?c WHERE { GRAPH ?g { ?c a <http://rdf.insee.fr/def/geo#Commune> } } LIMIT 5000")]
    quads = []

    def add(subject, predicate: str, value) -> None:
        quads.append(Quad(subject, NamedNode(predicate), value, graph))

    catalogue = NamedNode(f"{BASE}/catalogue")
    publisher = NamedNode(f"{BASE}/id/organisation/bench")
    add(catalogue, RDF_TYPE, NamedNode(DCAT + "Catalog"))
    add(catalogue, DCT + "title", Literal("Catalogue de test", language="fr"))
    add(catalogue, DCT + "description", Literal("Catalogue généré pour la mesure.", language="fr"))
    add(catalogue, DCT + "publisher", publisher)
    add(publisher, RDF_TYPE, NamedNode(FOAF + "Agent"))
    add(publisher, FOAF + "name", Literal("Datathèque"))
    for index in range(datasets):
        dataset = NamedNode(f"{BASE}/id/dataset/bench-{index}")
        add(catalogue, DCAT + "dataset", dataset)
        add(dataset, RDF_TYPE, NamedNode(DCAT + "Dataset"))
        if randomizer.random() > 0.05:
            add(dataset, DCT + "title", Literal(f"Jeu de données {index}", language="fr"))
        add(dataset, DCT + "description", Literal(f"Description du jeu {index}.", language="fr"))
        if randomizer.random() > 0.1:
            add(dataset, DCT + "publisher", publisher)
        add(dataset, DCT + "spatial", randomizer.choice(communes))
        add(dataset, DCT + "modified", Literal("2024-05-01", datatype=NamedNode(XSD + "date")))
        for number in range(2):
            distribution = NamedNode(f"{dataset.value}/distribution/{number}")
            add(dataset, DCAT + "distribution", distribution)
            add(distribution, RDF_TYPE, NamedNode(DCAT + "Distribution"))
            add(distribution, DCAT + "accessURL", NamedNode(f"https://example.org/files/{index}-{number}.csv"))
            add(distribution, DCT + "format", NamedNode("http://publications.europa.eu/resource/authority/file-type/CSV"))
    return quads


def result_keys(report: rdflib.Graph, keys: dict) -> Counter:
    severities = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
    found: Counter = Counter()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        if (None, SH.detail, result) in report:
            continue
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        found[
            (
                f"<{report.value(result, SH.focusNode)}>",
                keys.get(shape, str(shape)),
                str(path) if isinstance(path, rdflib.URIRef) else "",
                severities[report.value(result, SH.resultSeverity)],
            )
        ] += 1
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", type=Path, default=PROJECT_ROOT / "var" / "national", help="folder of the national Etalab JSON files")
    parser.add_argument("--datasets", type=int, default=3000, help="datasets in the generated catalogue")
    parser.add_argument("--skip-pyshacl", action="store_true", help="time our engine only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    if not (args.national / "communes.json").exists():
        print(f"{args.national}/communes.json not found: run `datatheque fetch` first", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(base_uri=BASE, store=Path(directory) / "store", sources=(SourceConfig("geo", "etalab-geo", str(args.national)),))
        started = time.perf_counter()
        report = build(settings)
        build_seconds = time.perf_counter() - started
        from graph.store import open_current

        store = open_current(settings.store)
        catalogue_graph = NamedNode(settings.graph_iri("catalogue"))
        store.bulk_extend(catalogue_quads(store, catalogue_graph, args.datasets))

        shapes = load_shapes(default_shape_files(), base_uri=BASE)
        keys = {}
        for node_shape in shapes.shapes:
            keys[node_shape.node] = node_shape.key
            for property_shape in node_shape.properties:
                keys[property_shape.node] = property_shape.key
        validator = Validator(shapes)
        target_classes = {str(c) for shape in shapes.shapes for c in shape.target_classes}
        rows = []
        for name in ("geo", "catalogue"):
            graph = settings.graph_iri(name)
            triples = sum(1 for _ in store.quads_for_pattern(None, None, None, NamedNode(graph)))
            started, cpu_started = time.perf_counter(), time.process_time()
            ours = validator.validate_graph(store, graph)
            ours_seconds, ours_cpu = time.perf_counter() - started, time.process_time() - cpu_started
            ours_keys = Counter((str(r.focus), r.shape, r.path_iri or "", r.severity.value) for r in ours.results)
            row = {"graph": name, "triples": triples, "ours": ours_seconds, "ours_cpu": ours_cpu, "results": len(ours.results), "fallback": ours.fallback_shapes}
            if not args.skip_pyshacl:
                started = time.perf_counter()
                data = source_graph_for_pyshacl(store, graph, target_classes)
                row["copy"] = time.perf_counter() - started
                started, cpu_started = time.perf_counter(), time.process_time()
                _, pyshacl_report, _ = pyshacl_validate(data, shacl_graph=shapes.graph, inference="none", advanced=True, allow_warnings=True)
                row["pyshacl"], row["pyshacl_cpu"] = time.perf_counter() - started, time.process_time() - cpu_started
                theirs = result_keys(pyshacl_report, keys)
                row["pyshacl_results"] = sum(theirs.values())
                row["only_ours"] = sum((ours_keys - theirs).values())
                row["only_pyshacl"] = sum((theirs - ours_keys).values())
                for key in list(ours_keys - theirs)[:5] + list(theirs - ours_keys)[:5]:
                    print("difference:", key, file=sys.stderr)
            rows.append(row)

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the end")
    print(f"build of the geography (lift, load, validate, publish): {build_seconds:.1f} s, sources: {[s.status for s in report.sources]}")
    print()
    print("| graph | triples | ours: wall / CPU (s) | results | shapes via pyshacl | copy to rdflib (s) | pyshacl: wall / CPU (s) | pyshacl results | only ours | only pyshacl |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['graph']} | {row['triples']} | {row['ours']:.1f} / {row['ours_cpu']:.1f} | {row['results']} | {row['fallback']} | "
            f"{row.get('copy', float('nan')):.1f} | {row.get('pyshacl', float('nan')):.1f} / {row.get('pyshacl_cpu', float('nan')):.1f} | "
            f"{row.get('pyshacl_results', '-')} | "
            f"{row.get('only_ours', '-')} | {row.get('only_pyshacl', '-')} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
