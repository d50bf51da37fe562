"""The translation catalogue: every msgid has a French translation."""

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from graph.i18n import LOCALE_DIR, language_from_environment, ngettext, translate
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


def translated_msgids(language: str) -> set[str]:
    """Return the msgids with every form translated; a plural entry gives its singular and plural msgid."""
    translated = set()
    for msgid, msgstr in catalog(language).items():
        if isinstance(msgid, tuple):
            if all(msgstr):
                translated.update(msgid)
        elif msgstr:
            translated.add(msgid)
    return translated


def test_every_message_translated_to_french():
    french = translated_msgids("fr")
    missing = sorted(msgid for msgid in used_msgids() if msgid not in french)
    assert missing == [], "run `make messages` and translate these in locale/fr/LC_MESSAGES/messages.po"


def test_translations_keep_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid, msgstr in catalog("fr").items():
        if isinstance(msgid, str) and msgstr:
            assert set(placeholder.findall(msgid)) == set(placeholder.findall(msgstr)), msgid


def test_plural_translations_keep_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid, msgstr in catalog("fr").items():
        if isinstance(msgid, tuple) and all(msgstr):
            assert set(placeholder.findall(msgstr[0])) == set(placeholder.findall(msgid[0])), msgid
            for form in msgstr[1:]:
                assert set(placeholder.findall(form)) == set(placeholder.findall(msgid[1])), msgid


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalogue_has_plural_forms(language):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po_file:
        header = read_po(po_file, locale=language).mime_headers
    assert any(name == "Plural-Forms" and "plural=" in value for name, value in header)


@pytest.mark.parametrize("count, french, english", [(0, "0 triplet", "0 triples"), (1, "1 triplet", "1 triple"), (2, "2 triplets", "2 triples")])
def test_ngettext_plural_per_language(count, french, english):
    assert ngettext("%(count)s triple", "%(count)s triples", count, "fr") == french
    assert ngettext("%(count)s triple", "%(count)s triples", count, "en") == english


def test_makefile_keywords_match():
    """`make messages` runs pybabel with its default keywords plus `-k` ones: together they are the test's KEYWORDS."""
    from babel.messages.extract import DEFAULT_KEYWORDS

    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    extract_line = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    extra = set()
    for option in extract_line.split("-k ")[1:]:
        keyword = option.split()[0]
        extra.add(keyword.split(":")[0])
    assert "--no-default-keywords" not in extract_line
    assert set(KEYWORDS) <= set(DEFAULT_KEYWORDS) | extra


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
