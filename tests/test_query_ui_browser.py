"""The YASGUI page in headless Chromium: an example query runs and shows its results, with no request off the server.

Uses the uvicorn server and the browser of tests/test_browser.py, so it is
skipped, as that module is, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from api.query_ui import YASGUI_LABELS
from api.sparql_examples import EXAMPLES
from graph.i18n import translate
from tests.conftest import BASE
from tests.test_browser import browser, server_url  # noqa: F401 (pytest fixtures)


#: The English YASGUI words (the argument) still in the page's text, titles, ARIA labels or placeholders.
ENGLISH_WORDS_SCRIPT = """(words) => {
  const found = new Set();
  const root = document.getElementById("yasgui");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) { if (words.includes(walker.currentNode.textContent.trim())) found.add(walker.currentNode.textContent.trim()); }
  root.querySelectorAll("[title], [aria-label], [placeholder]").forEach((element) => {
    ["title", "aria-label", "placeholder"].forEach((name) => { if (words.includes(element.getAttribute(name))) found.add(element.getAttribute(name)); });
  });
  return Array.from(found);
}"""


def test_yasgui_runs_example(server_url, browser, bundled_store) -> None:  # noqa: F811
    # The second example lists the most populated communes of the Morbihan, largest first.
    first_row = next(iter(bundled_store.query(EXAMPLES[1].render(BASE), use_default_graph_as_union=True)))
    page = browser.new_page(locale="fr-FR")
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(server_url + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click("[data-example='1']")
    page.wait_for_selector(".yasr table tbody tr", timeout=15_000)

    assert first_row["nom"].value in page.inner_text(".yasr")
    assert hosts == {urlsplit(server_url).netloc}
    assert errors == []
    page.close()


def test_yasgui_labels_french(server_url, browser) -> None:  # noqa: F811
    page = browser.new_page(locale="fr-FR")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(server_url + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click("[data-example='1']")
    page.wait_for_selector(".yasr table tbody tr", timeout=15_000)

    assert "Requête" in page.inner_text(".tabsList")
    selectors = page.inner_text(".yasr_header")
    assert "Tableau" in selectors
    assert "Réponse brute" in selectors
    assert "Table" not in selectors.split()
    assert re.search(r"\b10 résultats en \d+,\d+ s\b", page.inner_text("#yasgui"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("[aria-label='Ouvrir les paramètres']")
    page.wait_for_selector("text=Méthode de la requête")
    english = page.evaluate(ENGLISH_WORDS_SCRIPT, [label for label in YASGUI_LABELS if translate(label, "fr") != label])
    assert english == []
    assert errors == []
    page.close()
