"""`datatheque query` against a built store."""

import json

from graph.cli import main

MORBIHAN_COUNT = (
    "PREFIX igeo: <http://rdf.insee.fr/def/geo#> SELECT (COUNT(*) AS ?n) "
    "{ ?c a igeo:Commune ; igeo:subdivisionDe <http://127.0.0.1:8000/id/departement/56> }"
)


def expected_count(bundled_store) -> str:
    rows = list(bundled_store.query(MORBIHAN_COUNT, use_default_graph_as_union=True))
    return rows[0]["n"].value


def test_query_table_shows_values(bundled_settings, bundled_store, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    status = main(["query", MORBIHAN_COUNT, "--store", str(bundled_settings.store)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert lines[0].strip() == "n"
    assert lines[2].strip() == expected_count(bundled_store)


def test_query_json_results(bundled_settings, bundled_store, capsys):
    status = main(["query", MORBIHAN_COUNT, "--store", str(bundled_settings.store), "--format", "json"])
    results = json.loads(capsys.readouterr().out)
    assert status == 0
    assert results["results"]["bindings"][0]["n"]["value"] == expected_count(bundled_store)


def test_query_syntax_error_exit_1(bundled_settings, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    status = main(["query", "SELECT * {", "--store", str(bundled_settings.store)])
    assert status == 1
    assert "Requête SPARQL invalide" in capsys.readouterr().err


def test_query_empty_store_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    status = main(["query", "ASK {}", "--store", str(tmp_path / "none")])
    assert status == 2
    assert "datatheque build" in capsys.readouterr().err
