"""Helpers of the SPARQL protocol tests: the real app over a scratch store, with write tokens."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from graph.settings import Settings, Token
from graph.store import open_current, write_transaction
from tests.conftest import BASE, make_settings

#: May write every graph.
ADMIN = Token("admin", "admin-secret")
#: May write only the graphs whose IRI starts with {BASE}/graph/club.
CLUB = Token("club", "club-secret", (BASE + "/graph/club*",))


def bearer(token: Token) -> dict[str, str]:
    """Return the Authorization header of a token."""
    return {"Authorization": f"Bearer {token.secret}"}


def scratch_settings(store: Path, **overrides) -> Settings:
    """Return settings over a scratch store, with the ADMIN and CLUB tokens and one query worker."""
    overrides.setdefault("query_workers", 1)
    return make_settings(store, tokens=(ADMIN, CLUB), **overrides)


def reset_store(settings: Settings, graphs: Mapping[str, Path]) -> None:
    """Publish a generation holding exactly the given N-Triples files, each as a named graph."""
    with write_transaction(settings.store) as (_, store):
        store.clear()
        for iri, path in graphs.items():
            triples = parse(path=str(path), format=RdfFormat.N_TRIPLES)
            store.extend(Quad(t.subject, t.predicate, t.object, NamedNode(iri)) for t in triples)


def store_quads(settings: Settings) -> set[Quad]:
    """Return every quad of the served generation."""
    return set(open_current(settings.store, read_only=True))


@contextmanager
def scratch_client(settings: Settings) -> Iterator[TestClient]:
    """Run the real app over the settings' store and stop its query workers afterwards."""
    from api.app import create_app

    app = create_app(settings)
    with TestClient(app, base_url=BASE) as client:
        yield client
    engine = getattr(app.state, "engine", None)
    if engine is not None:
        engine.close()
