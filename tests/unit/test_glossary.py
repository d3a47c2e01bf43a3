"""One name for each thing: the catalogs follow docs/glossary.md.

Every text whose English names a key term uses that term's stem in Finnish and Swedish, the
words the glossary rules out appear in no translation, the check-in's long Finnish name is used
once, and the five areas of the plan are named as the glossary names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.messages.closing_text import AREA
from bot.text.i18n import gettext as translate
from bot.text.i18n import source_catalog_dir, use_locale

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"

# English word in a message id -> the stem its Finnish and Swedish translations use.
KEY_TERMS: dict[str, dict[str, str]] = {
    r"check-ins?": {"fi": "kysely", "sv": "avstämning"},
    r"coach(es)?": {"fi": "valmenta", "sv": "arbetscoach"},
    r"flags?": {"fi": "huomio", "sv": "flagg"},
    r"goals?": {"fi": "tavoit", "sv": "mål"},
}
# Words ruled out, as the glossary's last table lists them.
NOT_USED: dict[str, tuple[str, ...]] = {
    "fi": ("hälytys", "hälytyks", "luovuttu", "luovuit", "/cancel lopettaa"),
    "sv": ("incheckning", "jobbcoach", "arbetskraftsbyrå", "tillbakataget"),
}


def _texts(locale: str) -> Iterator[tuple[str, str]]:
    """(English message id, its translation) for every text of a catalog."""
    path = source_catalog_dir() / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield str(ids[0]), " ".join(str(s) for s in strings)


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "", text)


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_every_text_that_names_a_key_term_uses_the_glossarys_word(locale: str) -> None:
    wrong = [
        (english, translation)
        for english, translation in _texts(locale)
        for pattern, stems in KEY_TERMS.items()
        if re.search(rf"(?<![\w/:-]){pattern}\b", _without_placeholders(english), re.I)
        and stems[locale] not in translation.lower()
    ]
    assert wrong == [], "\n".join(f"{e!r} -> {t!r}" for e, t in wrong)


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_words_the_glossary_rules_out_are_not_used(locale: str) -> None:
    found = [
        (word, translation)
        for _english, translation in _texts(locale)
        for word in NOT_USED[locale]
        if word in translation.lower()
    ]
    assert found == []


def test_the_check_ins_full_finnish_name_is_used_once() -> None:
    uses = [t for _e, t in _texts("fi") if "kuulumiskysely" in t.lower()]
    assert len(uses) == 1, uses


def _glossary_areas() -> dict[str, dict[str, str]]:
    """The five areas' names per language, from the glossary's table."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## The five areas of the plan", 1)[1].split("##", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if "|" in line]
    header = [cell.strip() for cell in rows[0]]
    return {
        row[0].strip(): dict(zip(header[1:], (c.strip() for c in row[1:]), strict=True))
        for row in rows[2:]
    }


def test_the_five_areas_are_named_as_the_glossary_names_them() -> None:
    glossary = _glossary_areas()
    assert len(glossary) == 5
    named = {row["en"]: row for row in glossary.values()}
    for msgid in AREA.values():
        assert msgid in named, msgid
        for locale in ("fi", "sv"):
            with use_locale(locale):
                assert translate(msgid) == named[msgid][locale], (locale, msgid)
