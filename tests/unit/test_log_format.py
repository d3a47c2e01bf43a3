"""Log lines keep the traceback of a fault but never the words an exception quotes."""

from __future__ import annotations

import io
import logging

from bot.runtime.log_format import WithoutMessages

# Kept out of the lines a traceback shows, so that only an exception message could log them.
DIARY = "my secret diary"
NOTE = "Liisa's note"


def _logged(error: BaseException) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(WithoutMessages("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("bot.test_log_format")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise error
        except BaseException as exc:
            logger.error("error while handling update %s", 42, exc_info=exc)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def _parse(text: str) -> int:
    return int(text)


def test_a_parser_that_quotes_its_input_leaves_no_words_in_the_log() -> None:
    try:
        _parse(DIARY)
    except ValueError as exc:
        error: BaseException = exc
    line = _logged(error)
    assert DIARY not in line
    assert "error while handling update 42" in line
    assert "builtins.ValueError (the message is not logged" in line
    assert "in _parse" in line and "return int(text)" in line  # where it failed


def test_a_chained_error_hides_both_messages() -> None:
    try:
        try:
            raise KeyError(NOTE)
        except KeyError as inner:
            raise RuntimeError(f"while saving {NOTE}") from inner
    except RuntimeError as exc:
        line = _logged(exc)
    assert NOTE not in line
    assert "builtins.KeyError" in line and "builtins.RuntimeError" in line


def test_network_faults_keep_their_message() -> None:
    line = _logged(TimeoutError("the Bot API did not answer in 20 s"))
    assert "the Bot API did not answer in 20 s" in line
