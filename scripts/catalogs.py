"""Keep the translation catalogs in step with the code.

    python scripts/catalogs.py update   # add new texts to every catalog, drop texts no longer used
    python scripts/catalogs.py check    # fail if a text is missing, untranslated, fuzzy or stale

Message ids are the English text, so the English catalog's new entries are filled with the id.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "bot"
LOCALES_DIR = ROOT / "locales"
LOCALES = ("fi", "sv", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def extract() -> Catalog:
    """Every translatable text in the package."""
    template = Catalog(project="companion-bot", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")], keywords=KEYWORDS
    ):
        template.add(
            message,
            locations=[(f"bot/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="companion-bot", charset="utf-8")
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _is_empty(message: Message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return not all(message.string)
    return not message.string


def update() -> None:
    template = extract()
    for locale in LOCALES:
        catalog = load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and _is_empty(message):
                    message.string = message.id
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fp:
            write_po(
                fp,
                catalog,
                width=100,
                omit_header=False,
                # By text, without line numbers: a change elsewhere in the code moves no entry.
                sort_output=True,
                include_lineno=False,
                include_previous=False,
            )
        print(f"{path.relative_to(ROOT)}: {len(catalog)} texts")


def _placeholders(text: str | Iterable[str]) -> set[str]:
    parts = [text] if isinstance(text, str) else list(text)
    return {p for part in parts for p in _PLACEHOLDER.findall(part)}


def problems() -> list[str]:
    """Everything wrong with the catalogs, as lines a developer can act on."""
    template = extract()
    wanted = {m.id for m in template if m.id}
    found: list[str] = []
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            found.append(f"{locale}: no catalog at {path.relative_to(ROOT)}")
            continue
        catalog = load(locale)
        have = {m.id for m in catalog if m.id}
        for missing in sorted(map(str, wanted - have)):
            found.append(f"{locale}: not in the catalog: {missing!r}")
        for stale in sorted(map(str, have - wanted)):
            found.append(f"{locale}: no longer in the code: {stale!r}")
        for message in catalog:
            if not message.id:
                continue
            if _is_empty(message):
                found.append(f"{locale}: untranslated: {message.id!r}")
            elif message.fuzzy:
                found.append(f"{locale}: fuzzy: {message.id!r}")
            elif _placeholders(message.id) != _placeholders(message.string):
                found.append(f"{locale}: placeholders differ: {message.id!r}")
            else:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                source_has_markup = any("<" in i or "&" in i for i in ids)
                if not source_has_markup and any("<" in s or "&" in s for s in strings):
                    found.append(f"{locale}: '<' or '&' would break HTML: {message.id!r}")
    return found


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        update()
        return 0
    if argv[1:] == ["check"]:
        found = problems()
        for line in found:
            print(line)
        if found:
            print(
                f"{len(found)} catalog problems; run `python scripts/catalogs.py update` and "
                "translate the new texts"
            )
            return 1
        print("catalogs complete: " + ", ".join(LOCALES))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
