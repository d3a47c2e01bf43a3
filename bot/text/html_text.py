"""HTML for Telegram messages (parse_mode HTML): escaping, what a reader sees, and length.

Every message the bot composes is HTML, so every value a person supplied goes in through
`escape` (the one helper for it: markup-like characters escaped, direction controls isolated),
best by building the message with `html`, which escapes each value by construction.
`plain_text` turns such HTML back into the words Telegram shows, to compare or count them, and
`split_html` cuts a text too long for one message into parts that each fit, at paragraphs or
sentences, never inside a tag or an entity.
"""

from __future__ import annotations

import html as html_lib
import re

# Telegram's HTML: tags, and the entities &lt; &gt; &amp; &quot; and numeric ones.
_TAG = re.compile(r"<[^<>]*>")
# A message's text may be 4096 characters long as the reader sees it (after the markup).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


# Explicit direction controls (embeddings, overrides, isolates): in a name they would turn the
# rest of the line around for the reader ("Trojan Source"), so such a value is kept in an isolate.
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_FIRST_STRONG_ISOLATE, _POP_ISOLATE = "\u2068", "\u2069"
_ISOLATE_OPENINGS = frozenset("\u2066\u2067\u2068")


def escape(value: object) -> str:
    """A person-supplied value made safe for a message sent with parse_mode HTML: markup-like
    characters escaped, and direction controls kept from reaching past the value.

    Every value a person wrote (a name, a title, their words) goes through this before it is put
    into a message; the bot's own words and markup never do.
    """
    text = html_lib.escape(str(value), quote=False)
    if _DIRECTION_CONTROLS.isdisjoint(text):
        return text
    return isolate(text)


class Html(str):
    """Markup the bot composed itself (a quote, a bold name): `html` puts it in as it is."""


def html(template: str, /, **values: object) -> str:
    """The bot's own words (`template`, HTML with `{name}` places) with each value put in escaped,
    so a name or someone's words can never become markup; an `Html` value goes in as it is."""
    return template.format(
        **{
            key: value if isinstance(value, Html) else escape(value)
            for key, value in values.items()
        }
    )


def isolate(text: str) -> str:
    """`text` in a first-strong isolate that ends exactly where the text ends, whatever it holds:
    an opening for each closing of its own that has no opening, and a closing for each opening
    of its own left open, so that nothing in it reaches past it."""
    opened = unmatched = 0
    for char in text:
        if char in _ISOLATE_OPENINGS:
            opened += 1
        elif char == _POP_ISOLATE:
            if opened:
                opened -= 1
            else:
                unmatched += 1
    return _FIRST_STRONG_ISOLATE * (unmatched + 1) + text + _POP_ISOLATE * (opened + 1)


def plain_text(markup: str) -> str:
    """The text Telegram shows for HTML that the bot composed (tags gone, entities read)."""
    return html_lib.unescape(_TAG.sub("", markup))


def shown_length(markup: str) -> int:
    """How long the text is as Telegram counts it, counted safely: in UTF-16 code units, which
    are never fewer than the characters (an emoji outside the basic plane counts two)."""
    return len(plain_text(markup).encode("utf-16-le")) // 2


def fits(markup: str, limit: int = TEXT_LIMIT) -> bool:
    """True when the HTML's visible text is within Telegram's limit."""
    return shown_length(markup) <= limit


# -- splitting a long message -------------------------------------------------------------------

# A markup token: a tag, an entity, or one character of text.
_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
# Where a part may end, best first: after a paragraph, a line, a sentence, a word.
_PARAGRAPH, _LINE, _SENTENCE, _WORD = 4, 3, 2, 1
_SENTENCE_ENDS = frozenset(".!?…")
# A break this early in a part would leave it short: a poorer break further on is better.
_SHORTEST_SHARE = 0.5


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _tag_name(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""


def split_html(markup: str, limit: int = TEXT_LIMIT) -> list[str]:
    """HTML cut into messages that each fit Telegram's limit, at the best boundary there is:
    a paragraph, else a line, a sentence, a word, and only as a last resort anywhere.

    Never inside a tag or an entity; a tag open across a cut is closed at the end of one part
    and opened again at the start of the next, so each part is valid HTML on its own.
    """
    if fits(markup, limit):
        return [markup]
    tokens = _TOKEN.findall(markup)
    # Per token: its visible size, the kind of break after it, and the tags open after it.
    sizes: list[int] = []
    kinds: list[int] = []
    open_after: list[tuple[str, ...]] = []
    stack: list[str] = []
    previous = ""
    for token in tokens:
        if token.startswith("<") and len(token) > 1:
            if token.startswith("</"):
                name = _tag_name(token)
                for index in range(len(stack) - 1, -1, -1):
                    if _tag_name(stack[index]) == name:
                        del stack[index]
                        break
            elif not token.endswith("/>"):
                stack.append(token)
            sizes.append(0)
            kinds.append(0)
        else:
            shown = html_lib.unescape(token)
            sizes.append(_units(shown))
            kind = 0
            if shown == "\n":
                kind = _PARAGRAPH if previous == "\n" else _LINE
            elif shown.isspace():
                kind = _SENTENCE if previous in _SENTENCE_ENDS else _WORD
            kinds.append(kind)
            previous = shown
        open_after.append(tuple(stack))
    parts: list[str] = []
    start = 0
    reopened: tuple[str, ...] = ()
    while start < len(tokens):
        end, length = start, 0
        while end < len(tokens) and length + sizes[end] <= limit:
            length += sizes[end]
            end += 1
        if end < len(tokens):
            end = _best_break(kinds, sizes, start, end, limit) + 1
        _add_part(parts, tokens[start:end], reopened, open_after[end - 1])
        start, reopened = end, open_after[end - 1]
    return parts


def _best_break(kinds: list[int], sizes: list[int], start: int, end: int, limit: int) -> int:
    """The token after which the part from `start` (fitting up to `end`) ends best: the best
    kind of break that leaves the part at least half full, else the best kind anywhere, else
    the last token that fits."""
    candidates: list[tuple[bool, int, int]] = []  # (long enough, kind, index)
    length = 0
    for index in range(start, end):
        length += sizes[index]
        if kinds[index]:
            candidates.append((length >= limit * _SHORTEST_SHARE, kinds[index], index))
    if not candidates:
        return end - 1
    return max(candidates)[2]


def _add_part(
    parts: list[str], tokens: list[str], reopened: tuple[str, ...], still_open: tuple[str, ...]
) -> None:
    """One part: the tags open before it, its text without whitespace at the cuts, closed tags."""
    text = "".join(tokens)
    closing = "".join(f"</{_tag_name(tag)}>" for tag in reversed(still_open))
    part = "".join(reopened) + text.strip() + closing
    if plain_text(part).strip():
        parts.append(part)
