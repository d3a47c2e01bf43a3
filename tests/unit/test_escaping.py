"""Escaping by construction: one helper (bot/text/html_text.py) makes every person-supplied value
safe for an HTML message, and every module uses it; a value with direction controls is isolated so
it cannot turn the rest of the line around."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.sandbox.html_markup import parse_html
from bot.text.html_text import escape, isolate, plain_text

PACKAGE = Path(__file__).resolve().parents[2] / "bot"
FSI, PDI, RLO = "\u2068", "\u2069", "\u202e"


def test_every_module_escapes_through_the_one_helper() -> None:
    direct = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "sandbox" not in path.parts
        and path.name != "html_text.py"
        and re.search(r"\bhtml\.escape\(", path.read_text(encoding="utf-8"))
    ]
    assert direct == []


@pytest.mark.parametrize(
    "name",
    [
        "Liisa <L&L>",
        '<a href="https://evil.example">x</a>',
        "&amp;",
        "<b>",
        "Matti\u200b\u202e Laine",
        "x\u2069y\u202e",
        "\u2067open",
    ],
)
def test_a_hostile_name_is_shown_as_written(name: str) -> None:
    markup = f"<b>Hello</b> {escape(name)}!"
    text, entities = parse_html(markup)  # as Telegram reads it
    assert name in text
    assert [e["type"] for e in entities] == ["bold"]
    assert plain_text(markup) == text


def test_direction_controls_stay_inside_the_name() -> None:
    assert escape("plain") == "plain"
    assert escape(f"a{RLO}b") == f"{FSI}a{RLO}b{PDI}"
    # A closing isolate of the name's own does not close ours; an opening of its own is closed.
    for value in (f"x{PDI}y{RLO}", f"\u2067x{RLO}", f"{PDI}{PDI}{RLO}"):
        wrapped = isolate(value)
        depth = 0
        for char in wrapped:
            depth += char in "\u2066\u2067\u2068"
            depth -= char == PDI
            assert depth >= 0
        assert depth == 0, repr(wrapped)
        assert wrapped[0] == FSI and value in wrapped
