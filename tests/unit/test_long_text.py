"""Cutting a long HTML message into parts (bot/text/html_text.py): each part fits Telegram's limit
and is valid HTML on its own (checked with the sandbox's parser, which refuses what Telegram
refuses), and together the parts show every word, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sandbox.html_markup import parse_html
from bot.text.html_text import escape, plain_text, shown_length, split_html

# Letters, an emoji, markup-like characters, breaks, a right-to-left mark, a zero-width space.
TEXTS = ["a", "ö", "😀", "<", ">", "&", " ", "\n", ". ", "\n\n", "word", "ääkkönen", "&amp;"]
PIECES = st.sampled_from([*TEXTS, "\u200f", "\u200b"])


def _check(markup: str, limit: int) -> None:
    parts = split_html(markup, limit)
    for part in parts:
        text, _entities = parse_html(part)  # raises on broken markup, as Telegram would
        assert shown_length(part) <= limit
        assert text == plain_text(part)
    # Only whitespace at a cut is left out; a word longer than a part is cut inside as last resort.
    shown = "".join("".join(plain_text(p).split()) for p in parts)
    assert shown == "".join(plain_text(markup).split())


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=400), st.integers(min_value=8, max_value=300))
def test_plain_words_escaped_then_cut(pieces: list[str], limit: int) -> None:
    _check(escape("".join(pieces)), limit)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["b", "i", "u", "s", "code"]), st.lists(PIECES)), max_size=30
    ),
    st.integers(min_value=8, max_value=200),
)
def test_markup_across_the_cuts_is_closed_and_opened_again(
    runs: list[tuple[str, list[str]]], limit: int
) -> None:
    markup = "".join(f"<{tag}>{escape(''.join(words))}</{tag}> " for tag, words in runs) or "x"
    _check(markup, limit)


def test_the_longest_texts_cut_at_paragraphs_first() -> None:
    paragraph = escape("Mörkö <ääni> & 😀 öljy. " * 40).strip()
    markup = "💬 <b>Kaisa</b>:\n" + "\n\n".join([paragraph] * 10)
    parts = split_html(markup)
    assert len(parts) > 1
    assert all(plain_text(p).endswith("öljy.") for p in parts)
    assert parts[0].startswith("💬 <b>Kaisa</b>:")
