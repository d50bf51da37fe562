"""argparse's own strings ("usage: ", "options", its errors) in the CLI language.

argparse (CPython 3.11) looks each of its strings up when it
builds the parser or reports an error, through its module globals `argparse._`
and `argparse.ngettext`, which it imports from `gettext`. Swapping those two
names while the parser is built and run translates them through our catalogue.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import Iterator

from graph.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translations

# The msgids of argparse that the `datatheque` parser can show, marked here so
# `make messages` keeps them in the catalogue. argparse's wording is kept
# as-is, because it is argparse that looks the msgids up. argparse appends ":"
# to the section headings "positional arguments" and "options", so their French
# translations end with a no-break space, as French puts one before a colon.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
)


@contextmanager
def argparse_language(language: str) -> Iterator[None]:
    """Translate argparse's own strings into a language while the block runs.

    NOTE: this swaps module globals of argparse, so another thread that uses
    argparse meanwhile also gets the translation. The CLI parses in one thread.
    """
    catalogue = translations(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = catalogue.gettext, catalogue.ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved
