"""The `datatheque` command: build, serve, query, fetch and validate.

A thin layer over plain functions; every message goes through the
translation catalogue (French by default, English when LANG selects it).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from graph.argparse_messages import argparse_language
from graph.i18n import DEFAULT_LANGUAGE, gettext_for, language_from_environment, localize_numbers, ngettext, translate
from graph.settings import Settings, SettingsError, load_settings

log = logging.getLogger("datatheque")


class Console:
    """Prints translated messages to stderr (progress) or stdout (results).

    Int and float params are formatted for the language ("0,46" and "12 345" in French),
    so identifiers such as ports or codes must be passed as str.
    """

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message: str, stream=None, **params: object) -> None:
        self.write(self.translate(message, params), stream)

    def write(self, text: str, stream=None) -> None:
        """Print text already translated."""
        # sys.stderr is looked up at each call, so a redirected stderr (tests, wrappers) gets the output.
        print(text, file=stream or sys.stderr, flush=True)

    def translate(self, message: str, params: dict[str, object] | None = None) -> str:
        return translate(message, self.language, localize_numbers(params, self.language) if params else None)

    def ngettext(self, singular: str, plural: str, count: int, **params: object) -> str:
        """Translate the plural form that fits `count`, with `%(count)s` formatted for the language."""
        return ngettext(singular, plural, count, self.language, localize_numbers({"count": count, **params}, self.language))


def _add_common(parser: argparse.ArgumentParser, _) -> None:
    parser.add_argument("--config", type=Path, help=_("TOML configuration file (default: datatheque.toml)"))
    parser.add_argument("--store", type=Path, help=_("store directory (default: var/store)"))
    parser.add_argument("--base-uri", help=_("base URI of minted IRIs (default: http://127.0.0.1:8000)"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log every step (INFO level)"))


def make_parser(language: str = DEFAULT_LANGUAGE) -> argparse.ArgumentParser:
    """Build the parser with its help in a language. Run it inside `argparse_language` to translate argparse's own strings too."""
    _ = gettext_for(language)
    parser = argparse.ArgumentParser(prog="datatheque", description=_("Datathèque: the open knowledge graph of a territory."))
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help=_("lift, validate and load the sources into the store"))
    _add_common(build, _)
    build.add_argument("--sources", nargs="+", metavar="NAME", help=_("build only these sources"))

    serve = commands.add_parser("serve", help=_("serve the graph over HTTP, building it first when the store is empty"))
    _add_common(serve, _)
    serve.add_argument("--host", help=_("address to listen on (default: 127.0.0.1)"))
    serve.add_argument("--port", type=int, help=_("TCP port (default: 8000)"))

    query = commands.add_parser("query", help=_("run a SPARQL query against the store"))
    _add_common(query, _)
    query.add_argument("sparql", help=_("the SPARQL query"))
    query.add_argument("--format", default="table", choices=["table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"], help=_("output format (default: table)"))

    fetch = commands.add_parser("fetch", help=_("download the national files (all of France)"))
    _add_common(fetch, _)
    fetch.add_argument("--url", help=_("URL of the npm tarball or of a folder of JSON files"))
    fetch.add_argument("--output", type=Path, help=_("target directory (default: var/national)"))

    validate = commands.add_parser("validate", help=_("validate the source graphs of the store against the SHACL shapes"))
    _add_common(validate, _)
    validate.add_argument("--source", nargs="+", metavar="NAME", help=_("validate only these sources (default: all built sources)"))
    validate.add_argument("--format", default="text", choices=["text", "json", "turtle"], help=_("output format (default: text)"))

    # The usage line shows the command names, so the error "the following arguments are required"
    # names them too, in place of the English dest "command".
    commands.metavar = "{" + ",".join(commands.choices) + "}"
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


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The log file of the CLI and of the web processes, beside the store.
LOG_FILE_NAME = "datatheque.log"


def configure_logging(verbose: bool, log_file: Path | None = None) -> None:
    """Send the log to stderr with -v, else to `log_file` only (INFO level in both cases).

    Without -v the console shows only the translated messages of the CLI,
    which already name what failed; the log file keeps the details.
    """
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for previous in [h for h in root.handlers if getattr(h, "datatheque_cli", False)]:
        root.removeHandler(previous)
        previous.close()
    if verbose:
        handler: logging.Handler = logging.StreamHandler()
    elif log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()
    else:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.datatheque_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    language = language_from_environment()
    with argparse_language(language):
        args = make_parser(language).parse_args(argv)
    console = Console(language)
    try:
        settings = settings_from(args)
    except SettingsError as error:
        configure_logging(args.verbose)
        console("Configuration error: %(error)s", error=str(error))
        return 2
    configure_logging(args.verbose, settings.store.parent / LOG_FILE_NAME)

    from graph import commands

    handler = getattr(commands, "run_" + args.command)
    return handler(settings, args, console)


if __name__ == "__main__":
    sys.exit(main())
