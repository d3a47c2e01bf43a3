"""Domain errors: refusals the person should be told about in their own language."""

from __future__ import annotations

from bot.text.i18n import N_, gettext


class DomainError(Exception):
    """A rule said no. `user_message` is a msgid (English) marked with N_ for translation."""

    def __init__(self, detail: str, *, user_message: str | None = None) -> None:
        super().__init__(detail)
        self.user_message = user_message


# The one answer to a press of a button that no longer works: old (its question was answered or
# has moved on), or made up. Every flow and handler says it with these words.
STALE_BUTTON = N_("This button no longer works.")


def stale_text() -> str:
    """The answer to a stale or forged press, in the current language."""
    return gettext(STALE_BUTTON)


class StaleButton(DomainError):
    """A press that names nothing this person can act on now; answered with `STALE_BUTTON`."""
