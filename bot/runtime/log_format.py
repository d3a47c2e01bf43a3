"""How the bot's log lines look: ids and event names, never what people wrote.

A traceback shows where the code failed, but an exception's message can quote its input (a
parser names the text it could not read, a database error its parameters). The formatter keeps
the traceback's frames and the exception's type, and drops the message of every exception that
is not known to carry only the code's own words.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

# Exceptions whose messages come from the code or the network, not from a person's input.
_SAFE_MESSAGES: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError)
_WITHHELD = "(the message is not logged: it may quote what a person wrote)"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class WithoutMessages(logging.Formatter):
    """A formatter whose tracebacks leave out exception messages."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its own rendering of the traceback on the record.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: ExcInfo) -> str:
        _kind, error, tb = ei
        if error is None:
            return super().formatException(ei)
        return "".join(_lines(error, tb)).rstrip("\n")


def _lines(error: BaseException, tb: TracebackType | None) -> list[str]:
    lines: list[str] = []
    cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    if cause is not None:
        lines.extend(_lines(cause, cause.__traceback__))
        lines.append("\nThe above exception led to the following:\n\n")
    lines.append("Traceback (most recent call last):\n")
    lines.extend(traceback.format_tb(tb))
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    if isinstance(error, _SAFE_MESSAGES):
        lines.append(f"{name}: {error}\n")
    else:
        lines.append(f"{name} {_WITHHELD}\n")
    return lines
