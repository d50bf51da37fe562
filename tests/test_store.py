"""Store generations: atomic publication, failed writes, reopening readers."""

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from graph.store import StoreHandle, StoreNotBuilt, current_generation, write_transaction

GRAPH = NamedNode("http://127.0.0.1:8000/graph/test")


def quad(value: str) -> Quad:
    return Quad(NamedNode("http://127.0.0.1:8000/id/x"), NamedNode("http://example.org/p"), Literal(value), GRAPH)


def test_empty_store_not_built(tmp_path):
    with pytest.raises(StoreNotBuilt):
        StoreHandle(tmp_path).get()


def test_transaction_publishes_copy(tmp_path):
    with write_transaction(tmp_path) as (_, store):
        store.add(quad("first"))
    first = current_generation(tmp_path)
    handle = StoreHandle(tmp_path)
    assert len(list(handle.get().quads_for_pattern(None, None, None, GRAPH))) == 1

    with write_transaction(tmp_path) as (_, store):
        store.add(quad("second"))
    assert current_generation(tmp_path) != first
    values = {q.object.value for q in handle.get().quads_for_pattern(None, None, None, GRAPH)}
    assert values == {"first", "second"}


def test_failed_transaction_keeps_served_graph(tmp_path):
    with write_transaction(tmp_path) as (_, store):
        store.add(quad("kept"))
    served = current_generation(tmp_path)

    with pytest.raises(RuntimeError):
        with write_transaction(tmp_path) as (path, store):
            store.clear_graph(GRAPH)
            raise RuntimeError("lift failed")
    assert current_generation(tmp_path) == served
    assert not path.exists()
    values = {q.object.value for q in StoreHandle(tmp_path).get().quads_for_pattern(None, None, None, GRAPH)}
    assert values == {"kept"}


def test_old_generations_deleted(tmp_path):
    for index in range(5):
        with write_transaction(tmp_path) as (_, store):
            store.add(quad(str(index)))
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 3
    assert current_generation(tmp_path) in generations
