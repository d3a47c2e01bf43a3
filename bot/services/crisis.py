"""Words of crisis in what a client writes, in any of the three languages whatever the client's
own: the word lists live in the translation catalogs (one list per language, phrases separated
by commas; a phrase ending in * matches any word that starts so, for Finnish stems).
"""

from __future__ import annotations

import functools
import re

from bot.text.i18n import LOCALES, N_, gettext, use_locale

# The English list is the message id; each catalog holds its own language's list.
WORD_LIST = N_(
    "suicide*, suicidal, kill myself, killing myself, end my life, ending my life, "
    "take my own life, want to die, wanna die, wish I was dead, wish I were dead, "
    "better off dead, no reason to live, don't want to live, do not want to live, "
    "hurt myself, harm myself, self-harm*, cut myself, cutting myself, overdose*, "
    "hang myself"
)


def _pattern(phrase: str) -> re.Pattern[str]:
    phrase = phrase.strip().lower()
    stem = phrase.endswith("*")
    words = [re.escape(word) for word in phrase.rstrip("*").split()]
    body = r"\s+".join(words)
    tail = r"\w*" if stem else r"(?!\w)"
    return re.compile(rf"(?<!\w){body}{tail}", re.IGNORECASE)


@functools.cache
def patterns() -> tuple[re.Pattern[str], ...]:
    """Every language's phrases, compiled once per process."""
    found: dict[str, re.Pattern[str]] = {}
    for locale in LOCALES:
        with use_locale(locale):
            listed = gettext(WORD_LIST)
        for phrase in listed.split(","):
            if phrase.strip():
                found.setdefault(phrase.strip().lower(), _pattern(phrase))
    return tuple(found.values())


def _normalise(text: str) -> str:
    return text.replace("’", "'").replace("`", "'").lower()


def mentions_crisis(text: str | None) -> bool:
    """True when the text contains words of crisis in Finnish, Swedish or English."""
    if not text:
        return False
    normal = _normalise(text)
    return any(p.search(normal) for p in patterns())
