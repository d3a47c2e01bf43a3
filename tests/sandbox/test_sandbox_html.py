"""Telegram's HTML parse mode as the sandbox applies it: entities out, Telegram's errors."""

from __future__ import annotations

import pytest

from bot.sandbox.html_markup import MarkupError, parse_html, utf16_length


def test_plain_text_passes_through() -> None:
    assert parse_html("Hello, world") == ("Hello, world", [])


def test_basic_tags_become_entities() -> None:
    text, entities = parse_html(
        "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler>"
    )
    assert text == "bold it u s x"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 4),
        ("italic", 5, 2),
        ("underline", 8, 1),
        ("strikethrough", 10, 1),
        ("spoiler", 12, 1),
    ]


def test_synonyms_and_nesting() -> None:
    text, entities = parse_html("<strong>a <em>b</em></strong><ins>c</ins><del>d</del>")
    assert text == "a bcd"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 3),
        ("italic", 2, 1),
        ("underline", 3, 1),
        ("strikethrough", 4, 1),
    ]


def test_entities_are_decoded() -> None:
    text, _ = parse_html("&lt;Anna &amp; Co&gt; say &quot;hi&quot; &#39;x&#x27; &#128512;")
    assert text == "<Anna & Co> say \"hi\" 'x' 😀"


def test_offsets_count_utf16_code_units() -> None:
    text, entities = parse_html("😀 <b>ä😀</b>")
    assert text == "😀 ä😀"
    assert entities == [{"offset": 3, "length": 3, "type": "bold"}]
    assert utf16_length("😀") == 2


def test_links_code_pre_blockquote_and_emoji() -> None:
    source = (
        '<a href="https://example.org/?a=1&amp;b=2">site</a> <code>x</code> '
        '<pre><code class="language-python">print()</code></pre> '
        "<blockquote expandable>long</blockquote> <blockquote>q</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> <span class="tg-spoiler">s</span>'
    )
    text, entities = parse_html(source)
    assert text == "site x print() long q 👍 s"
    kinds = {e["type"]: e for e in entities}
    assert kinds["text_link"]["url"] == "https://example.org/?a=1&b=2"
    assert kinds["code"] == {"type": "code", "offset": 5, "length": 1}
    assert kinds["pre"]["language"] == "python"
    assert "expandable_blockquote" in kinds and "blockquote" in kinds
    assert kinds["custom_emoji"]["custom_emoji_id"] == "5368324170671202286"
    assert kinds["spoiler"]["length"] == 1


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("a<b></b>c") == ("ac", [])


def test_tag_names_are_case_insensitive() -> None:
    assert parse_html("<B>x</B>")[1] == [{"offset": 0, "length": 1, "type": "bold"}]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("ok <x>y</x>", 'Unsupported start tag "x" at byte offset 3'),
        ("ä <x>", 'Unsupported start tag "x" at byte offset 3'),  # bytes, not characters
        ("<Anna & Co>", 'Unsupported start tag "anna" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("Tom & Jerry", "Character '&' at byte offset 4 must be escaped as &amp;"),
        ("&nbsp;", "Character '&' at byte offset 0 must be escaped as &amp;"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_errors_use_telegrams_words(source: str, message: str) -> None:
    with pytest.raises(MarkupError) as caught:
        parse_html(source)
    assert str(caught.value) == message


def test_bare_greater_than_is_text() -> None:
    assert parse_html("2 > 1") == ("2 > 1", [])
