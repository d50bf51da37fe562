"""The build report printed by the CLI."""

from graph.cli import Console
from graph.commands import print_problems
from graph.report import Problem, Severity

FIX = "Fill %(path)s for this resource in the source file."
MESSAGE = "The property %(path)s is missing or has too few values (minimum %(limit)s)."


def shacl_problem(focus: str) -> Problem:
    return Problem(
        "shacl-mincount",
        "chaire",
        MESSAGE,
        location=f"<{focus}> dcat:contactPoint",
        fix=FIX,
        severity=Severity.WARNING,
        params={"path": "dcat:contactPoint", "limit": "1"},
    )


def test_problems_grouped_with_count(capsys):
    problems = [shacl_problem(f"http://127.0.0.1:8000/id/dataset/{n}") for n in range(3)]
    print_problems(problems, Console("en"))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "<http://127.0.0.1:8000/id/dataset/0>" in lines[0]
    assert "Fill dcat:contactPoint for this resource" in lines[0]
    assert "2 more places" in lines[1]


def test_problem_fix_formatted_in_french(capsys):
    print_problems([shacl_problem("http://127.0.0.1:8000/id/dataset/x")], Console("fr"))
    output = capsys.readouterr().out
    assert "%(" not in output
    assert "Renseignez dcat:contactPoint" in output
    assert "[avertissement]" in output


def test_location_not_repeated(capsys):
    problem = Problem(
        "missing-field",
        "geo",
        "%(location)s: the field %(field)s is missing",
        location="communes.json#/3",
        params={"location": "communes.json#/3", "field": "nom"},
    )
    print_problems([problem], Console("en"))
    assert capsys.readouterr().out.count("communes.json#/3") == 1
