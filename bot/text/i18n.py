"""Translations: Babel catalogs loaded once, the locale of the person being written to in a
per-update ContextVar. Dates and times are written and read in `bot/text/dates.py`.

Message ids are the English text. Write `_("Hello, {name}!").format(name=...)`, never an
f-string inside `_()`; mark texts defined at import time with `N_()` and translate them where
they are used. A scheduled message has no update: wrap it in `use_locale(person.locale)`.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

from babel.support import Translations

LOCALES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"
DOMAIN = "messages"
# Each language by its own name: a person who cannot read the current language still finds theirs.
LANGUAGE_NAMES: Mapping[str, str] = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

_current_locale: ContextVar[str] = ContextVar("companion_locale", default=DEFAULT_LOCALE)


def _compiled_catalog(locale: str) -> Translations | None:
    """The catalog compiled into the installed package, if there is one."""
    resource = resources.files("bot").joinpath("locale", locale, "LC_MESSAGES", f"{DOMAIN}.mo")
    if not resource.is_file():
        return None
    with resource.open("rb") as fp:
        return Translations(fp, domain=DOMAIN)


def source_catalog_dir() -> Path:
    """Where the `.po` sources live in a checkout of the project."""
    return Path(__file__).resolve().parents[2] / "locales"


def _source_catalog(locale: str) -> Translations | None:
    """Compile a checkout's `.po` file in memory (an editable install has no `.mo` files)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po_path = source_catalog_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.is_file():
        return None
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@functools.cache
def catalogs() -> Mapping[str, gettext_module.NullTranslations]:
    """All catalogs, loaded once per process; read-only afterwards."""
    loaded: dict[str, gettext_module.NullTranslations] = {}
    for locale in LOCALES:
        catalog = _compiled_catalog(locale) or _source_catalog(locale)
        loaded[locale] = catalog if catalog is not None else gettext_module.NullTranslations()
    return loaded


def current_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current update (or task)."""
    _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Speak `locale` inside the block, e.g. for a scheduled message to someone."""
    token = _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str) -> str:
    """The message in the current locale."""
    return catalogs()[current_locale()].gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current locale."""
    return catalogs()[current_locale()].ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for translation without translating it yet (translate it where it is used)."""
    return message


def resolve_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """One of our locales for a Telegram language code such as "sv-FI", else the default."""
    if language_code:
        primary = language_code.replace("_", "-").split("-")[0].lower()
        if primary in LOCALES:
            return primary
    return default if default in LOCALES else DEFAULT_LOCALE
