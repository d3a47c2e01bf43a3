"""Plain language, measured in every catalog: clients read with difficulty.

The texts only clients read (those whose every use is in a client's module below) keep their
sentences short: none over 20 words, the median at most 10. Each client button shows an emoji
and then a word. A failure names the worst ten. Coaches' and employers' texts may be longer.
"""

from __future__ import annotations

import ast
import re
import statistics
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.text.i18n import source_catalog_dir

ROOT = Path(__file__).resolve().parents[2]
# Modules whose texts go to clients only.
CLIENT_MODULES = frozenset(
    {
        "bot/flows/checkin.py",
        "bot/flows/consent.py",
        "bot/flows/followup.py",
        "bot/flows/goal.py",
        "bot/flows/onboarding.py",
        "bot/handlers/home.py",
        "bot/handlers/progress.py",
        "bot/messages/followup_notices.py",
        "bot/messages/keyboards.py",
    }
)
# Where client buttons are made, with the pickers they share.
BUTTON_MODULES = (*sorted(CLIENT_MODULES), "bot/messages/goal_texts.py", "bot/messages/pickers.py")
BUTTON_CALLS = frozenset({"_button", "InlineKeyboardButton", "KeyboardButton"})
# Tables of texts in those modules that are not buttons: states, lines and lists in messages.
NOT_BUTTONS = frozenset({"STATUS_WORDS", "STATUS_WORDS_COACH", "SHARED", "LET_GO_REASONS"})
MAX_WORDS, MEDIAN_WORDS = 20, 10


def _sentences(locale: str) -> list[tuple[int, str]]:
    """(words, sentence) for every sentence of the client's texts in one catalog."""
    path = source_catalog_dir() / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    found: list[tuple[int, str]] = []
    for message in catalog:
        if not message.id or not message.locations:
            continue
        if not {location for location, _line in message.locations} <= CLIENT_MODULES:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        text = " ".join(str(s) for s in strings) or " ".join(str(i) for i in ids)
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
            words = [w for w in re.sub(r"\{[^}]*\}", "X", sentence).split() if re.search(r"\w", w)]
            if words:
                found.append((len(words), sentence))
    return found


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_client_sentences_are_short(locale: str) -> None:
    sentences = _sentences(locale)
    assert len(sentences) > 100, "the client's texts were found"
    worst = sorted(sentences, reverse=True)[:10]
    report = "\n".join(f"{n:3} {s}" for n, s in worst)
    median = statistics.median(n for n, _s in sentences)
    print(f"{locale}: {len(sentences)} sentences, median {median} words, worst ten:\n{report}")
    assert worst[0][0] <= MAX_WORDS, report
    assert median <= MEDIAN_WORDS, report


def _starts_with_emoji(label: str) -> bool:
    first = label[:1]
    return bool(first) and (
        unicodedata.category(first) == "So" or (ord(first) > 0x2000 and not first.isalnum())
    )


def _marked(node: ast.AST) -> str | None:
    """The English text of `_("...")` or `N_("...")`, else None."""
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in ("_", "N_", "gettext")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _table_labels(tree: ast.Module) -> list[str]:
    """Texts in the module's tables of options (upper-case names): the buttons' words."""
    labels: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Dict):
            continue
        name = getattr(node.targets[0], "id", "")
        if not name.isupper() or name in NOT_BUTTONS:
            continue
        for value in node.value.values:
            parts = value.elts if isinstance(value, ast.Tuple) else [value]
            labels.extend(text for part in parts if (text := _marked(part)) is not None)
    return labels


def _button_labels() -> list[tuple[str, str]]:
    """(module, English label) of every client button written out in the code."""
    labels: list[tuple[str, str]] = []
    for module in BUTTON_MODULES:
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        labels.extend((module, label) for label in _table_labels(tree))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            label = node.args[0]
            if (
                name in BUTTON_CALLS
                and isinstance(label, ast.Call)
                and getattr(label.func, "id", "") in ("_", "N_", "gettext")
                and label.args
                and isinstance(label.args[0], ast.Constant)
                and isinstance(label.args[0].value, str)
            ):
                labels.append((module, label.args[0].value))
    return labels


def test_client_buttons_show_an_emoji_then_a_word() -> None:
    labels = _button_labels()
    assert len(labels) > 10
    wrong = [
        (module, label)
        for module, label in labels
        if not (_starts_with_emoji(label) and re.search(r"\s\w", label))
    ]
    assert wrong == []
