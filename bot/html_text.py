"""HTML for Telegram messages (parse_mode HTML): what a reader sees of it.

Every message the bot composes is HTML, so every value a person supplied must be escaped before it
goes in; `plain_text` turns such HTML back into the words Telegram shows, to compare or count them.
"""

from __future__ import annotations

import html
import re

# Telegram's HTML: tags, and the entities &lt; &gt; &amp; &quot; and numeric ones.
_TAG = re.compile(r"<[^<>]*>")
# A message's text may be 4096 characters long as the reader sees it (after the markup).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def escape(value: object) -> str:
    """A person-supplied value made safe for a message sent with parse_mode HTML."""
    return html.escape(str(value), quote=False)


def plain_text(markup: str) -> str:
    """The text Telegram shows for HTML that the bot composed (tags gone, entities read)."""
    return html.unescape(_TAG.sub("", markup))


def shown_length(markup: str) -> int:
    """How long the text is as Telegram counts it, counted safely: in UTF-16 code units, which
    are never fewer than the characters (an emoji outside the basic plane counts two)."""
    return len(plain_text(markup).encode("utf-16-le")) // 2


def fits(markup: str, limit: int = TEXT_LIMIT) -> bool:
    """True when the HTML's visible text is within Telegram's limit."""
    return shown_length(markup) <= limit
