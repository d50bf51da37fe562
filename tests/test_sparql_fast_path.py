"""The URL decoding of the lean /sparql path, against urllib's, which the endpoint functions use."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, unquote_plus

from api.sparql_fast_path import lean_parameters, unquote_plus_strict

#: Pieces of URL values: valid and invalid escapes in both cases, UTF-8 and non-UTF-8 bytes, `+` and backslashes.
PIECES = [b"%", b"+", b"\\", b"x", b"4", b"A", b"f", b"z", b"%C3%A9", b"%2", b"%FF", b"%Af", b"%e9", b"\\x", b"%5C", b"%2B", b" "]


def urllib_value(value: bytes) -> str | type:
    try:
        return unquote_plus(value.decode("latin-1"), errors="strict")
    except UnicodeDecodeError:
        return UnicodeDecodeError


def lean_value(value: bytes) -> str | type:
    try:
        return unquote_plus_strict(value)
    except UnicodeDecodeError:
        return UnicodeDecodeError


def test_unquote_matches_urllib():
    generator = random.Random(5)
    values = [b"".join(generator.choice(PIECES) for _ in range(generator.randint(0, 10))) for _ in range(20_000)]

    mismatches = [value for value in values if lean_value(value) != urllib_value(value)]

    assert mismatches == []
    assert sum(urllib_value(value) is UnicodeDecodeError for value in values) > 1000


def test_lean_parameters_match_parse_qsl():
    cases = [
        b"query=SELECT+*+%7B%7D&format=csv&timeout=2",
        b"output=xml&query=ASK%7B%7D&&utm_source=x",
        b"query=&format=",
        b"query=a%3Db%26c",
    ]
    for case in cases:
        expected = dict(parse_qsl(case.decode(), keep_blank_values=True))

        parameters = lean_parameters(case)

        assert {name.decode(): value for name, value in parameters.items()} == {
            name: value for name, value in expected.items() if name in ("query", "format", "output", "timeout")
        }


def test_lean_parameters_leave_other_requests():
    for case in (
        b"format=csv",
        b"query=ASK%7B%7D&query=ASK%7B%7D",
        b"query=ASK%7B%7D&update=CLEAR+ALL",
        b"query=ASK%7B%7D&named-graph-uri=http%3A%2F%2Fexample.org%2Fg",
        b"q%75ery=ASK%7B%7D",
        b"query=%FF",
    ):
        assert lean_parameters(case) is None, case
