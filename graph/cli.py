"""The `datatheque` command: build, serve, query, fetch and validate.

A thin layer over plain functions; every message goes through the
translation catalogue (French by default, English when LANG says so).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from graph.i18n import language_from_environment, translate
from graph.settings import Settings, SettingsError, load_settings

log = logging.getLogger("datatheque")


class Console:
    """Prints translated messages to stderr (progress) or stdout (results)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message: str, stream=None, **params: object) -> None:
        # sys.stderr is looked up at each call, so a redirected stderr (tests, wrappers) gets the output.
        print(translate(message, self.language, params), file=stream or sys.stderr, flush=True)

    def translate(self, message: str, params: dict[str, object] | None = None) -> str:
        return translate(message, self.language, params)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: datatheque.toml)")
    parser.add_argument("--store", type=Path, help="store directory (default: var/store)")
    parser.add_argument("--base-uri", help="base URI of minted IRIs (default: http://127.0.0.1:8000)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step (INFO level)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datatheque", description="Datathèque: the open knowledge graph of a territory.")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="lift, validate and load the sources into the store")
    _add_common(build)
    build.add_argument("--sources", nargs="+", metavar="NAME", help="build only these sources")

    serve = commands.add_parser("serve", help="serve the graph over HTTP, building it first when the store is empty")
    _add_common(serve)
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default: 8000)")

    query = commands.add_parser("query", help="run a SPARQL query against the store")
    _add_common(query)
    query.add_argument("sparql", help="the SPARQL query")
    query.add_argument("--format", default="table", choices=["table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"], help="output format (default: table)")

    fetch = commands.add_parser("fetch", help="download the national files (all of France)")
    _add_common(fetch)
    fetch.add_argument("--url", help="URL of the npm tarball or of a folder of JSON files")
    fetch.add_argument("--output", type=Path, help="target directory (default: var/national)")

    validate = commands.add_parser("validate", help="validate the source graphs of the store against the SHACL shapes")
    _add_common(validate)
    validate.add_argument("--source", nargs="+", metavar="NAME", help="validate only these sources (default: all built sources)")
    validate.add_argument("--format", default="text", choices=["text", "json", "turtle"], help="output format (default: text)")

    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    extra = {}
    for name in ("host", "port"):
        if hasattr(args, name):
            extra[name] = getattr(args, name)
    if getattr(args, "output", None):
        extra["national_dir"] = args.output
    if getattr(args, "url", None):
        extra["national_url"] = args.url
    return load_settings(args.config, store=args.store, base_uri=args.base_uri, **extra)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = make_parser().parse_args(argv)
    configure_logging(args.verbose)
    console = Console(language_from_environment())
    try:
        settings = settings_from(args)
    except SettingsError as error:
        console("Configuration error: %(error)s", error=str(error))
        return 2

    from graph import commands

    handler = getattr(commands, "run_" + args.command)
    return handler(settings, args, console)


if __name__ == "__main__":
    sys.exit(main())
