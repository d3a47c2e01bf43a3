"""Locales: a person's app language picks one of ours or Finnish; catalogs speak all three."""

from __future__ import annotations

import datetime as dt

from bot.text.dates import format_datetime
from bot.text.i18n import _, resolve_locale, use_locale


def test_app_language_maps_to_our_locales() -> None:
    assert resolve_locale("sv-FI") == "sv"
    assert resolve_locale("en") == "en"
    assert resolve_locale("fi") == "fi"
    assert resolve_locale("de") == "fi"
    assert resolve_locale(None) == "fi"
    assert resolve_locale("ru", default="en") == "en"


def test_each_locale_translates() -> None:
    msgid = "Which language do you want? Choose one:"
    seen = set()
    for locale in ("fi", "sv", "en"):
        with use_locale(locale):
            seen.add(_(msgid))
    assert len(seen) == 3
    with use_locale("en"):
        assert _(msgid) == msgid


def test_dates_in_the_persons_timezone_and_language() -> None:
    moment = dt.datetime(2026, 7, 1, 5, 30, tzinfo=dt.UTC)  # 08:30 in Helsinki (summer)
    assert "8.30" in format_datetime(moment, timezone="Europe/Helsinki", locale="fi")
    assert "8.30" in format_datetime(moment, timezone="Europe/Helsinki", locale="sv")
    assert "08:30" in format_datetime(moment, timezone="Europe/Helsinki", locale="en")
