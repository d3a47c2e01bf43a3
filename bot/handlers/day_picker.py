"""Choosing weekdays with buttons, shared by /schedule (check-in days) and /settings (working
days): "Monday–Friday", "Every day", or the days one by one with ✅ and ⬜.

A set of days travels in callback data as its ISO digits ("135"), or "0" for no day; each toggle
button carries the set it would make, so no state is kept between presses.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.messages.keyboard import Button, Data
from bot.messages.rhythm_text import EVERY_DAY_TEXT, MONDAY_TO_FRIDAY, day_name
from bot.services.schedules import EVERY_DAY, WEEKDAYS
from bot.text.i18n import _

NONE = "0"


def encode_days(days: str) -> str:
    """A set of ISO weekdays for callback data."""
    clean = "".join(sorted({d for d in days if d in EVERY_DAY}))
    return clean or NONE


def decode_days(text: str) -> str | None:
    """The set of weekdays in callback data; None if it is not one."""
    if text == NONE:
        return ""
    if not text or any(d not in EVERY_DAY for d in text) or len(set(text)) != len(text):
        return None
    return "".join(sorted(text))


def preset_rows(
    current: str, *, choose: Callable[[str], Data], pick: Callable[[str], Data]
) -> list[list[Button]]:
    """Monday–Friday and Every day as one tap each, and a way to choose the days one by one."""
    return [
        [
            Button.sending("📅 " + _(MONDAY_TO_FRIDAY), choose(WEEKDAYS)),
            Button.sending("🗓️ " + _(EVERY_DAY_TEXT), choose(EVERY_DAY)),
        ],
        [Button.sending(_("✏️ Choose the days"), pick(encode_days(current)))],
    ]


def toggle_rows(
    selected: str, *, toggle: Callable[[str], Data], save: Callable[[str], Data]
) -> list[list[Button]]:
    """A button per weekday (✅ chosen, ⬜ not) and 💾 Save."""
    buttons = []
    for digit in EVERY_DAY:
        chosen = digit in selected
        after = selected.replace(digit, "") if chosen else selected + digit
        buttons.append(
            Button.sending(
                f"{'✅' if chosen else '⬜'} {day_name(int(digit), capitalise=True)}",
                toggle(encode_days(after)),
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button.sending(_("💾 Save"), save(encode_days(selected)))])
    return rows
