"""Shared fixtures: settings over a temporary store, the bundled build, the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph.build import build
from graph.settings import PROJECT_ROOT, Settings, load_settings
from graph.store import open_current

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SHARED = PROJECT_ROOT.parent / "shared"
BASE = "http://127.0.0.1:8000"


def make_settings(store: Path, **overrides) -> Settings:
    """Return the project's settings (datatheque.toml) over another store directory."""
    return load_settings(PROJECT_ROOT / "datatheque.toml", environ={}, store=store, **overrides)


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory) -> Settings:
    """Settings whose store contains one build of the bundled default sources."""
    settings = make_settings(tmp_path_factory.mktemp("bundled") / "store")
    report = build(settings)
    assert report.published, report
    return settings


@pytest.fixture(scope="session")
def bundled_store(bundled_settings):
    """The bundled build, opened read-only."""
    return open_current(bundled_settings.store, read_only=True)


@pytest.fixture(scope="session")
def client(bundled_settings):
    """The real app over the bundled build, through HTTP (TestClient)."""
    from api.app import create_app

    with TestClient(create_app(bundled_settings), base_url=BASE) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def clear_client_cookies(request):
    """Clear the shared client's cookies after each test, so a `?lang=en` switch does not follow other tests."""
    yield
    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies.clear()
