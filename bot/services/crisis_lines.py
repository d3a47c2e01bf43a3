"""The crisis lines an organisation gives its clients in a crisis, per language, with their
opening hours as data: whether a line is open now, and hours that are never assumed.

Finnish speakers get the main line (the organisation's `crisis_line_name` and
`crisis_line_number`). Swedish and English speakers get MIELI's line in their language with its
opening hours, and the main line as the fallback when theirs is closed. An organisation changes
any of them with `companion org set`; a line whose number it changes keeps no hours unless it
gives them too, so the answer never promises "day and night" for a number nobody vouched for.

Hours are written as `24/7`, or as parts separated by `;`, each days and times: `mon-fri 9-13`,
`mon,wed 16-20`, `wed 13-16,17-21`, `daily 18-22`. Empty means not stated.

The defaults, checked against MIELI's and related pages on 8 December 2026:
- Finnish, MIELI Kriisipuhelin 09 2525 0111, every day round the clock: mentalhealth.fi,
  https://mentalhealth.fi/where-to-go-in-an-emergency ("assistance in Finnish 24 hours a day"),
  and MIELI's release of 1 February 2020 on sttinfo.fi ("päivystää joka päivä vuorokauden
  ympäri").
- Swedish, 09 2525 0112, Monday and Wednesday 16-20, Tuesday, Thursday and Friday 9-13:
  Hufvudstadsbladet, https://www.hbl.fi/artikel/rekordmanga-ringde-till-kristelefonen-i-juli-kan-
  endast-svara-pa-vart-femte-samtal/ ; MIELI's Swedish news page
  https://mieli.fi/sv/nyheter/julen-gor-sig-pamind-i-kristelefonen-redan-manga-veckor-fore-sjalva-
  helgen/ says the line is "vanligen öppen måndag till fredag".
- English, 09 2525 0116, Fridays 9-13: MIELI's own English page, http://mieli.fi/helpline
  ("MIELI Crisis Helpline in English 09 2525 0116 ... Opening hours: Fridays 9 am - 1 pm"; it lists
  the other languages' lines as Finnish 0111, Swedish 0112, Ukrainian 0114 and Russian 0115).
  Older pages (mentalhealth.fi, above, quoting MIELI) give 09 2525 0113 for English and Arabic
  with wider hours; MIELI's own page is taken as current. Where the hours are uncertain the
  narrower ones are kept: outside them the answer gives the Finnish line, which is always open.
  An organisation that knows better sets the line with `companion org set --crisis-line-en-number
  ... --crisis-line-en-hours ...`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.errors import DomainError

SETTINGS_KEY = "crisis_lines"
ROUND_THE_CLOCK = "24/7"

DEFAULT_EMERGENCY = "112"
DEFAULT_NAME = "MIELI Kriisipuhelin"
DEFAULT_NUMBER = "09 2525 0111"
DEFAULT_HOURS = ROUND_THE_CLOCK

# The lines in the other languages: name, number and hours by default.
LANGUAGE_LINES: Mapping[str, tuple[str, str, str]] = {
    "sv": ("MIELI Kristelefon (svenska)", "09 2525 0112", "mon,wed 16-20; tue,thu,fri 9-13"),
    "en": (
        "MIELI Crisis Helpline (English)",
        "09 2525 0116",
        "fri 9-13",
    ),
}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(r"^\s*([a-z,\-]+)\s+([0-9:.,\- ]+)\s*$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Span:
    """Some days (1 = Monday) and one stretch of time on each of them; 24:00 ends a day."""

    days: tuple[int, ...]
    start: dt.time
    end: dt.time | None  # None: until midnight


@dataclass(frozen=True, slots=True)
class Hours:
    """When a line answers: round the clock, or the spans; `text` is as it was written."""

    text: str
    round_the_clock: bool
    spans: tuple[Span, ...]

    def open_at(self, moment: dt.datetime, timezone: str) -> bool:
        if self.round_the_clock:
            return True
        local = moment.astimezone(ZoneInfo(timezone))
        day, time = local.isoweekday(), local.time()
        return any(
            day in span.days and span.start <= time and (span.end is None or time < span.end)
            for span in self.spans
        )


class HoursError(DomainError):
    """Opening hours that cannot be read."""


def _days(text: str) -> tuple[int, ...]:
    if text in ("daily", "every"):
        return (1, 2, 3, 4, 5, 6, 7)
    found: list[int] = []
    for part in text.split(","):
        first, _dash, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise HoursError(f"unknown day in {text!r}: write mon, tue, wed, thu, fri, sat, sun")
        start = DAYS.index(first) + 1
        stop = DAYS.index(last) + 1 if last else start
        if stop < start:
            raise HoursError(f"{part!r} runs backwards")
        found.extend(range(start, stop + 1))
    return tuple(sorted(set(found)))


def _time(text: str) -> dt.time | None:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"{text!r} is not a time: write 9, 9.30 or 16:45")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute == 0:
        return None
    if hour > 23 or minute > 59:
        raise HoursError(f"{text!r} is not a time of day")
    return dt.time(hour, minute)


def parse_hours(text: str | None) -> Hours | None:
    """Read opening hours (see the module's docstring); None when none are stated."""
    text = " ".join((text or "").lower().split())
    if not text:
        return None
    if text in (ROUND_THE_CLOCK, "24h", "always"):
        return Hours(ROUND_THE_CLOCK, True, ())
    spans: list[Span] = []
    for part in text.split(";"):
        match = _PART.match(part)
        if not match:
            raise HoursError(f"{part.strip()!r}: write days and times, like mon-fri 9-13")
        days = _days(match.group(1))
        for stretch in match.group(2).replace(" ", "").split(","):
            begin, dash, finish = stretch.partition("-")
            if not dash:
                raise HoursError(f"{stretch!r}: write a start and an end, like 9-13")
            start = _time(begin) or dt.time(0, 0)
            end = _time(finish)
            if end is not None and end <= start:
                raise HoursError(f"{stretch!r} ends before it starts")
            spans.append(Span(days, start, end))
    return Hours(text, False, tuple(spans))


@dataclass(frozen=True, slots=True)
class Line:
    """A crisis line as a client is told of it."""

    name: str
    number: str
    hours: Hours | None  # None: not stated
    finnish_default: bool = False  # MIELI's Finnish line, as by default


@dataclass(frozen=True, slots=True)
class Lines:
    """What a client in crisis is told: the emergency number, the line in their language (if
    it is not the main line), and the main line."""

    emergency: str
    own: Line | None
    main: Line


def stored(settings: Mapping[str, Any] | None) -> dict[str, dict[str, str]]:
    """The organisation's own crisis lines as kept in its settings."""
    raw = (settings or {}).get(SETTINGS_KEY) or {}
    return {
        str(language): {str(k): str(v) for k, v in dict(values).items()}
        for language, values in dict(raw).items()
        if isinstance(values, Mapping)
    }


def _hours(text: str | None) -> Hours | None:
    try:
        return parse_hours(text)
    except HoursError:
        return None  # kept data that no longer reads: say nothing rather than guess


def main_line(*, name: str, number: str, settings: Mapping[str, Any] | None) -> Line:
    """The main line: the organisation's columns, with hours from its settings (the default
    hours only for the default number)."""
    own = stored(settings).get("fi", {})
    if "hours" in own:
        hours = _hours(own["hours"])
    else:
        hours = parse_hours(DEFAULT_HOURS) if number == DEFAULT_NUMBER else None
    return Line(name, number, hours, finnish_default=number == DEFAULT_NUMBER)


def language_line(language: str, settings: Mapping[str, Any] | None) -> Line | None:
    """The line for Swedish or English speakers; None for Finnish, or when switched off."""
    if language not in LANGUAGE_LINES:
        return None
    name, number, hours = LANGUAGE_LINES[language]
    own = stored(settings).get(language, {})
    name = own.get("name", name)
    if "number" in own:
        if own["number"] != number and "hours" not in own:
            hours = ""  # a number of its own: its hours are not the default ones
        number = own["number"]
    hours = own.get("hours", hours)
    if not number.strip():
        return None
    return Line(name, number, _hours(hours))


def lines_for(
    *,
    language: str,
    emergency: str | None,
    name: str | None,
    number: str | None,
    settings: Mapping[str, Any] | None,
) -> Lines:
    """The lines to give in `language`; the defaults where the organisation set nothing (or
    there is no organisation)."""
    main = main_line(name=name or DEFAULT_NAME, number=number or DEFAULT_NUMBER, settings=settings)
    own = language_line(language, settings)
    if own is not None and own.number == main.number:
        own = None
    return Lines(emergency or DEFAULT_EMERGENCY, own, main)


def configure(
    settings: Mapping[str, Any],
    *,
    language: str,
    name: str | None = None,
    number: str | None = None,
    hours: str | None = None,
    number_changed: bool = False,
) -> dict[str, Any]:
    """New settings with one language's line changed ("fi" is the main line: only its hours
    are kept here). A new number without hours clears the hours."""
    if language not in ("fi", *LANGUAGE_LINES):
        raise DomainError(f"no crisis line for language {language!r}")
    if hours is not None:
        parse_hours(hours)  # refuse what cannot be read, with the reason
    lines = stored(settings)
    own = dict(lines.get(language, {}))
    if name is not None and language != "fi":
        own["name"] = name.strip()[:120]
    if number is not None and language != "fi":
        current = own.get("number", LANGUAGE_LINES[language][1])
        number_changed = number.strip() != current
        own["number"] = number.strip()[:32]
    if hours is not None:
        own["hours"] = " ".join(hours.split())
    elif number_changed:
        own["hours"] = ""
    lines[language] = own
    return {**dict(settings), SETTINGS_KEY: lines}
