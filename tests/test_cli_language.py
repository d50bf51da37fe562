"""The `datatheque` CLI in French and English: numbers, plural forms, problem fixes, help and usage errors."""

import argparse
import csv
import os
import re
import socket
import subprocess
import sys
import time

import pytest
from babel.numbers import format_decimal

from graph.cli import Console, main
from graph.commands import print_problems
from graph.report import Problem, Severity
from graph.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
STATS_CSV = FIXTURES / "cli" / "insee-stats.csv"
GEO_DIR = FIXTURES / "geo" / "etalab"
LANGUAGE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def set_language(monkeypatch, lang: str) -> None:
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    """A configuration of the territory fixture and two rows of INSEE figures, one of them outside it."""
    folder = tmp_path_factory.mktemp("cli-language")
    path = folder / "datatheque.toml"
    path.write_text(
        f'base_uri = "http://127.0.0.1:8000"\n'
        f'store = "{folder / "store"}"\n'
        f'[[sources]]\nname = "geo"\nkind = "etalab-geo"\nlocation = "{GEO_DIR}"\n'
        f'[[sources]]\nname = "insee-stats"\nkind = "insee-stats"\nlocation = "{STATS_CSV}"\n',
        encoding="utf-8",
    )
    return path


def communes_of_geo_fixture() -> set[str]:
    import json

    return {record["code"] for record in json.loads((GEO_DIR / "communes.json").read_text(encoding="utf-8"))}


def test_fixture_one_current_commune():
    with STATS_CSV.open(encoding="utf-8", newline="") as csv_file:
        codes = [row["insee_com"] for row in csv.DictReader(csv_file)]
    assert [code in communes_of_geo_fixture() for code in codes].count(True) == 1
    assert len(codes) == 2


def test_build_report_french(monkeypatch, capsys, config_file):
    set_language(monkeypatch, "fr_FR.UTF-8")
    assert main(["build", "--config", str(config_file)]) == 0
    output = capsys.readouterr().out
    line = next(line for line in output.splitlines() if line.startswith("  insee-stats :"))
    assert "depuis 1 enregistrement en " in line
    assert re.search(r" en \d+,\d\d s, ", line)
    assert "0 violation, 1 avertissement" in line
    assert "ses chiffres sont écartés. Correction : Vérifiez le code" in output
    assert not re.search(r"\d\.\d\d s", output)


def test_build_progress_french(monkeypatch, capsys, config_file):
    set_language(monkeypatch, "fr_FR.UTF-8")
    assert main(["build", "--config", str(config_file), "--sources", "insee-stats"]) == 0
    progress = capsys.readouterr().err
    assert re.search(r"Source insee-stats : \d+ triplets en \d+,\d\d s", progress)


def test_build_report_english(monkeypatch, capsys, config_file):
    set_language(monkeypatch, "en_US.UTF-8")
    assert main(["build", "--config", str(config_file)]) == 0
    output = capsys.readouterr().out
    line = next(line for line in output.splitlines() if line.startswith("  insee-stats:"))
    assert "from 1 record in " in line
    assert re.search(r" in \d+\.\d\d s, ", line)
    assert "0 violations, 1 warning" in line
    assert "its figures are left out. Fix: Check the code" in output


def test_validate_thousands_per_language(monkeypatch, capsys, bundled_settings):
    arguments = ["validate", "--store", str(bundled_settings.store), "--base-uri", bundled_settings.base_uri, "--source", "geo", "--format", "text"]
    set_language(monkeypatch, "en_US.UTF-8")
    main(arguments)
    english = capsys.readouterr().out
    checked = int(re.search(r"^geo: ([\d,]+) resources checked", english, re.MULTILINE).group(1).replace(",", ""))
    assert checked >= 1000
    assert f"geo: {format_decimal(checked, locale='en')} resources checked" in english

    set_language(monkeypatch, "fr_FR.UTF-8")
    main(arguments)
    french = capsys.readouterr().out
    assert f"geo : {format_decimal(checked, locale='fr')} ressources vérifiées" in french
    assert str(checked) not in french


def test_problem_plural_french(capsys):
    problems = [
        Problem("shacl-mincount", "chaire", "The property %(path)s is missing or has too few values (minimum %(limit)s).", location=f"<http://127.0.0.1:8000/id/dataset/{n}>", params={"path": "dcat:contactPoint", "limit": "1"}, severity=Severity.WARNING)
        for n in range(2)
    ]
    print_problems(problems, Console("fr"))
    output = capsys.readouterr().out
    assert "(et 1 autre endroit avec le même problème)" in output


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("fr_FR.UTF-8", ["usage : datatheque", "arguments positionnels\u00a0:", "afficher cette aide et quitter", "convertir, valider et charger les sources"]),
        ("en_US.UTF-8", ["usage: datatheque", "positional arguments:", "show this help message and exit", "lift, validate and load the sources"]),
    ],
)
def test_help_per_language(monkeypatch, capsys, lang, expected):
    set_language(monkeypatch, lang)
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    output = capsys.readouterr().out
    for text in expected:
        assert text in output


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("fr_FR.UTF-8", "datatheque query : erreur : argument --format : choix invalide : 'bogus' (choisissez parmi 'table', "),
        ("en_US.UTF-8", "datatheque query: error: argument --format: invalid choice: 'bogus' (choose from 'table', "),
    ],
)
def test_invalid_choice_per_language(monkeypatch, capsys, lang, expected):
    set_language(monkeypatch, lang)
    with pytest.raises(SystemExit) as stop:
        main(["query", "ASK {}", "--format", "bogus"])
    assert stop.value.code == 2
    assert expected in capsys.readouterr().err


def test_missing_command_french(monkeypatch, capsys):
    set_language(monkeypatch, "fr_FR.UTF-8")
    with pytest.raises(SystemExit):
        main([])
    assert "les arguments suivants sont obligatoires : {build,serve,query,fetch,validate}" in capsys.readouterr().err


def test_argparse_strings_restored(monkeypatch, capsys):
    set_language(monkeypatch, "fr_FR.UTF-8")
    with pytest.raises(SystemExit):
        main(["--help"])
    capsys.readouterr()
    assert argparse._("usage: ") == "usage: "
    assert argparse.ArgumentParser(prog="other").format_usage().startswith("usage: other")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_message_french(config_file):
    port = free_port()
    environ = {name: value for name, value in os.environ.items() if name not in LANGUAGE_VARIABLES}
    environ["LANG"] = "fr_FR.UTF-8"
    command = [sys.executable, "-m", "graph.cli", "serve", "--config", str(config_file), "--base-uri", "http://example.org", "--port", str(port)]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT, env=environ)
    try:
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline and "Datathèque" not in line:
            line = server.stderr.readline()
            if not line and server.poll() is not None:
                break
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()
    assert line.strip() == f"Datathèque servie sur http://127.0.0.1:{port}/ (IRI de base : http://example.org)"
