"""The CLI commands, each run with the settings, the parsed arguments and a console."""

from __future__ import annotations

import argparse
import sys

from graph.i18n import N_
from graph.report import Severity, join_fix
from graph.settings import Settings, SettingsError

STATUS_MESSAGES = {
    "built": N_("built"),
    "flagged": N_("published with violations"),
    "failed": N_("failed"),
    "kept": N_("failed, previous graph kept"),
}
SEVERITY_MESSAGES = {
    Severity.VIOLATION: N_("violation"),
    Severity.WARNING: N_("warning"),
    Severity.INFO: N_("info"),
}


def print_build_report(report, console) -> None:
    """Print one line per source, then its problems, translated."""
    console("Build report %(build)s:", stream=sys.stdout, build=report.build_id)
    for source in report.sources:
        console(
            "  %(source)s: %(status)s, %(triples)s from %(records)s in %(duration)s s, %(violations)s, %(warnings)s",
            stream=sys.stdout,
            source=source.name,
            status=console.translate(STATUS_MESSAGES.get(source.status, source.status)),
            triples=console.ngettext("%(count)s triple", "%(count)s triples", source.triples),
            records=console.ngettext("%(count)s record", "%(count)s records", source.records),
            duration=source.duration,
            violations=console.ngettext("%(count)s violation", "%(count)s violations", source.count(Severity.VIOLATION)),
            warnings=console.ngettext("%(count)s warning", "%(count)s warnings", source.count(Severity.WARNING)),
        )
        print_problems(source.problems, console)


def print_problems(problems, console, limit: int = 20) -> None:
    """Print problems grouped by message and fix, with their count and first location."""
    groups: dict[tuple[str, str, str], list] = {}
    for problem in problems:
        key = (problem.severity.value, problem.text(console.language), problem.fix_text(console.language))
        groups.setdefault(key, []).append(problem)
    for (_, text, fix), members in list(groups.items())[:limit]:
        location = members[0].location
        if location and location not in text:
            text = console.translate("%(location)s: %(text)s", {"location": location, "text": text})
        console(
            "    [%(severity)s] %(text)s",
            stream=sys.stdout,
            severity=console.translate(SEVERITY_MESSAGES[members[0].severity]),
            text=join_fix(text, fix, console.language),
        )
        if len(members) > 1:
            more_places = console.ngettext(
                "(and %(count)s more place with the same problem)",
                "(and %(count)s more places with the same problem)",
                len(members) - 1,
            )
            console.write("      " + more_places, stream=sys.stdout)
    if len(groups) > limit:
        more_problems = console.ngettext(
            "… and %(count)s more problem",
            "… and %(count)s more problems",
            sum(len(m) for m in list(groups.values())[limit:]),
        )
        console.write("    " + more_problems, stream=sys.stdout)


def run_build(settings: Settings, args: argparse.Namespace, console) -> int:
    from graph.build import build

    def progress(event: str, source_report) -> None:
        if event == "start":
            console("Building source %(source)s…", source=source_report.name)
        else:
            triples = console.ngettext("%(count)s triple", "%(count)s triples", source_report.triples)
            console("Source %(source)s: %(triples)s in %(duration)s s", source=source_report.name, triples=triples, duration=source_report.duration)

    from graph.validation import ValidationSetupError

    try:
        report = build(settings, args.sources, progress)
    except (SettingsError, ValidationSetupError) as error:
        console("Configuration error: %(error)s", error=str(error))
        return 2
    print_build_report(report, console)
    return 1 if report.failed else 0


def run_serve(settings: Settings, args: argparse.Namespace, console) -> int:
    from graph.store import current_generation

    if current_generation(settings.store) is None:
        console("The store %(store)s is empty: building it first.", store=str(settings.store))
        status = run_build(settings, argparse.Namespace(sources=None), console)
        if current_generation(settings.store) is None:
            return status

    from api.web_server import serve
    from graph.cli import LOG_FILE_NAME

    console("Datathèque served at http://%(host)s:%(port)s/ (base IRI: %(base)s)", base=settings.base_uri, host=settings.host, port=str(settings.port))
    serve(settings, args.config, log_file=None if args.verbose else settings.store.parent / LOG_FILE_NAME)
    return 0


def run_query(settings: Settings, args: argparse.Namespace, console) -> int:
    from graph.query import QueryFailed, run_cli_query

    try:
        output = run_cli_query(settings, args.sparql, args.format)
    except QueryFailed as error:
        console(error.message, **error.params)
        return 1 if error.params.get("kind") != "setup" else 2
    sys.stdout.write(output)
    return 0


def run_fetch(settings: Settings, args: argparse.Namespace, console) -> int:
    from graph.fetch import FetchError, fetch_national

    console("Downloading %(url)s…", url=settings.national_url)
    try:
        written = fetch_national(settings)
    except FetchError as error:
        console(error.message, **error.params)
        return 1
    for path in written:
        console("Written %(path)s", path=str(path))
    return 0


def run_validate(settings: Settings, args: argparse.Namespace, console) -> int:
    """Validate the built graphs: exit 0 when they conform, 1 on a violation, 2 on a setup error."""
    from graph.store import StoreNotBuilt
    from graph.store_validation import format_json, format_text, format_turtle, open_served_store, validate_store
    from graph.validation import ValidationSetupError

    try:
        store = open_served_store(settings)
        reports = validate_store(settings, store, args.source)
    except StoreNotBuilt:
        console("The store %(store)s is empty: run `datatheque build` first.", store=str(settings.store))
        return 2
    except (SettingsError, ValidationSetupError) as error:
        console("Configuration error: %(error)s", error=str(error))
        return 2
    if args.format == "json":
        sys.stdout.write(format_json(reports, console.language))
    elif args.format == "turtle":
        sys.stdout.write(format_turtle(settings, store, reports))
    else:
        sys.stdout.write(format_text(reports, console.language))
    return 0 if all(report.conforms for _, report in reports) else 1
