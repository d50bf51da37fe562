"""A headless Chromium walk through the real server: home, search, commune, département, dataset, language.

Needs the Debian package `chromium` (/usr/bin/chromium) and Playwright from
PyPI; the test is skipped when either is missing. The server is uvicorn,
started here on a free loopback port. A screenshot of the commune page is
kept in tests/artifacts/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from graph.settings import PROJECT_ROOT
from graph.store import open_current

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
DCT_TITLE = "http://purl.org/dc/terms/title"
DCT_SPATIAL = "http://purl.org/dc/terms/spatial"
MORBIHAN = "http://127.0.0.1:8000/id/departement/56"

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None, reason="chromium is not installed")


@pytest.fixture(scope="module")
def server_url(bundled_settings):
    """Serve the bundled build with uvicorn on a free port of 127.0.0.1; stop it after the module."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(bundled_settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def dataset_title(settings, spatial: str | None) -> str | None:
    """Return the French title of a dataset of the bundled graph (covering `spatial` if given), or None."""
    store = open_current(settings.store, read_only=True)
    coverage = f"; <{DCT_SPATIAL}> <{spatial}>" if spatial else ""
    rows = store.query(
        f"""SELECT ?t WHERE {{ ?d a <{DCAT_DATASET}> ; <{DCT_TITLE}> ?t {coverage}
              FILTER(LANG(?t) IN ("fr", "")) }} ORDER BY ?d LIMIT 1""",
        use_default_graph_as_union=True,
    )
    for row in rows:
        return row["t"].value
    return None


def test_browser_walk(server_url, browser, bundled_settings):
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})

    page.goto(server_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    page.fill("#search-home", "ploermel")
    page.keyboard.press("Enter")
    page.wait_for_url("**/recherche?q=ploermel")
    page.get_by_role("link", name="Ploërmel", exact=True).first.click()
    page.wait_for_url("**/page/commune/56165")
    assert page.locator("h1").inner_text() == "Ploërmel"
    assert "Chiffres clés" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "commune-ploermel.png"), full_page=True)

    page.locator(".breadcrumb").get_by_role("link", name="Morbihan").click()
    page.wait_for_url("**/page/departement/56")
    assert page.locator("h1").inner_text() == "Morbihan"

    page.locator(".language-switch").click()
    page.wait_for_url("**/page/departement/56?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Key figures").count() == 1

    page.goto(server_url + "/page/departement/56")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".language-switch").click()
    assert page.locator("html").get_attribute("lang") == "fr"

    # A dataset about the Morbihan is linked from its page; any other dataset is reached through the search.
    # Without any dataset in the bundled graph, this last step is left out.
    title = dataset_title(bundled_settings, MORBIHAN)
    if title is None:
        title = dataset_title(bundled_settings, None)
        if title is not None:
            page.goto(server_url + "/recherche?q=" + title)
    if title is not None:
        page.get_by_role("link", name=title, exact=True).first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == title
        assert page.get_by_role("heading", name="À propos de ce jeu de données").count() == 1
    page.close()
