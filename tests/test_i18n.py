"""The translation catalogue: every msgid has a French translation."""

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from graph.i18n import LOCALE_DIR, language_from_environment, translate
from graph.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "console": None, "translate": None, "QueryFailed": None}
METHOD_MAP = [("graph/**.py", "python"), ("api/**.py", "python"), ("api/templates/**.html", "jinja2")]


def used_msgids() -> set[str]:
    msgids = set()
    for _, _, message, _, _ in extract_from_dir(str(PROJECT_ROOT), METHOD_MAP, keywords=KEYWORDS):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                msgids.add(text)
    return msgids


def catalog(language: str) -> dict[str, str]:
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po_file:
        return {m.id: m.string for m in read_po(po_file, locale=language) if m.id}


def test_every_message_translated_to_french():
    french = catalog("fr")
    missing = sorted(msgid for msgid in used_msgids() if not french.get(msgid))
    assert missing == [], "run `make messages` and translate these in locale/fr/LC_MESSAGES/messages.po"


def test_translations_keep_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid, msgstr in catalog("fr").items():
        if isinstance(msgid, str) and msgstr:
            assert set(placeholder.findall(msgid)) == set(placeholder.findall(msgstr)), msgid


@pytest.mark.parametrize("language, expected", [("fr", "Configuration error"), ("en", "Configuration error")])
def test_translate_falls_back_per_language(language, expected):
    text = translate("Configuration error: %(error)s", language, {"error": "x"})
    if language == "fr":
        assert text == "Erreur de configuration : x"
    else:
        assert text == "Configuration error: x"


def test_cli_language_from_lang():
    assert language_from_environment({"LANG": "en_US.UTF-8"}) == "en"
    assert language_from_environment({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert language_from_environment({}) == "fr"
