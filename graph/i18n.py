"""The one translation catalogue, for the CLI, the web pages and reports.

Messages are English msgids; `locale/{language}/LC_MESSAGES/messages.po`
holds their translations, read directly with Babel (no compile step).
French is the default language.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from typing import Mapping

import io

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from graph.settings import PROJECT_ROOT

LOCALE_DIR = PROJECT_ROOT / "locale"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def N_(message: str) -> str:
    """Mark a msgid for extraction where it is translated later (problems, tables)."""
    return message


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """Return the translations of a language, falling back to the msgids."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def language_from_environment(environ: Mapping[str, str] | None = None, default: str = DEFAULT_LANGUAGE) -> str:
    """Return the CLI language from LC_ALL, LC_MESSAGES or LANG ("en_US.UTF-8" gives "en").

    >>> language_from_environment({"LANG": "en_GB.UTF-8"})
    'en'
    >>> language_from_environment({"LANG": "C.UTF-8"})
    'fr'
    """
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        code = value.split("_")[0].split(".")[0].lower()
        if code in LANGUAGES:
            return code
    return default


def negotiate_language(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Return the best language of an Accept-Language header among those translated.

    >>> negotiate_language("en-GB,en;q=0.9,fr;q=0.8")
    'en'
    >>> negotiate_language("de, fr;q=0.5")
    'fr'
    >>> negotiate_language(None)
    'fr'
    """
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.strip().split("-")[0].lower()
        if code == "*":
            code = default
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else default


def gettext_for(language: str):
    """Return the `gettext` function of a language."""
    return translations(language if language in LANGUAGES else DEFAULT_LANGUAGE).gettext


def translate(message: str, language: str, params: Mapping[str, object] | None = None) -> str:
    """Translate a msgid and format it with %-style params, floats written in the language's way.

    >>> translate("%(seconds)s s", "fr", {"seconds": 0.5}), translate("%(seconds)s s", "en", {"seconds": 60.0})
    ('0,5 s', '60 s')
    """
    text = gettext_for(language)(message)
    return text % localized(params, language) if params else text


def localized(params: Mapping[str, object], language: str) -> dict[str, object]:
    """Return the params with each float written for the language (`0,5` in French); other values stay as they are.

    >>> localized({"timeout": 60.0, "size": 50000, "name": "query"}, "en")
    {'timeout': '60', 'size': 50000, 'name': 'query'}
    """
    return {name: format_decimal(value, locale=language) if isinstance(value, float) else value for name, value in params.items()}


def ngettext(singular: str, plural: str, count: int, language: str, params: Mapping[str, object] | None = None) -> str:
    """Translate the plural form of a msgid that fits `count` and format it with %-style params.

    `count` is also a param, unless `params` gives it already formatted.

    >>> ngettext("%(count)s record", "%(count)s records", 1, "en")
    '1 record'
    >>> ngettext("%(count)s record", "%(count)s records", 0, "en")
    '0 records'
    """
    catalogue = translations(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return catalogue.ngettext(singular, plural, count) % localized({"count": count, **(params or {})}, language)


def format_number(value: int | float, language: str) -> str:
    """Format a number for a language: thousands separators, and two decimals for a float.

    >>> format_number(0.456, "fr")
    '0,46'
    >>> format_number(12345, "en")
    '12,345'
    """
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.00", locale=language)
    return format_decimal(value, locale=language)


def localize_numbers(params: Mapping[str, object], language: str) -> dict[str, object]:
    """Return params with their int and float values formatted for a language.

    Identifiers that look like numbers (ports, codes, years) must be passed as str.
    """
    return {
        name: format_number(value, language) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        for name, value in params.items()
    }
