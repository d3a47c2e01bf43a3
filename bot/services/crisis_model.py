"""The second reader of words of crisis: a small word model beside the lexicons.

The lexicons (`crisis_lexicon/`) read what a clinician can review, concept by concept; but every
new writer finds new ways to say the same thing, and phrase rules alone caught about two in three
crisis messages of text written apart from them. This model reads the same normalised words
(`crisis_words.tokens`) as pieces: each word, each pair of words next to each other and the
four- and five-letter pieces of each word (so `hirttäydyn`, `hirteen` and `hirttää` share
`hirt`). Each piece has a weight, the log of how much more often it stands in crisis messages
than in others among every labelled message of the repository (naive Bayes); a text's score is
the highest of its windows of words, each the sum of its pieces' weights over the square root of
their number, so a crisis sentence in the middle of a long message is not diluted.

The weights are data (`crisis_lexicon/model.tsv`), made by `python scripts/crisis_model.py
train` from `tests/crisis/`; the detector counts a score over `THRESHOLD` as a crisis, never
lower than what the lexicons found, and lowered to worry when the lexicons found the words
negated or told of someone else.
"""

from __future__ import annotations

import functools
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.services.crisis_words import tokens

MODEL_PATH = Path(__file__).resolve().parent / "crisis_lexicon" / "model.tsv"
# The score over which a text counts as a crisis: chosen by leaving each batch of unseen
# messages out of the training in turn (scripts/crisis_model.py cross).
THRESHOLD = 1.0
WINDOW = 24  # words in a window; windows overlap by half
MIN_WORDS = 5
MIN_COUNT = 2  # a piece seen fewer times than this carries no weight
MIN_WEIGHT = 0.05  # nor does one this close to even
EPOCHS = 30
RATE = 1.0
L2 = 1e-5
BIAS = "bias"


def pieces(words: list[str]) -> set[str]:
    """The pieces of a run of words that carry weight."""
    found: set[str] = set()
    # The tokens mark the end of a sentence with a line break: as a piece it is "|".
    words = ["|" if word == "\n" else word for word in words]
    for index, word in enumerate(words):
        found |= _word_pieces(word)
        if index + 1 < len(words):
            found.add("b:" + word + "_" + words[index + 1])
    return found


def train(examples: Iterable[tuple[bool, str]]) -> dict[str, float]:
    """Weights from labelled texts (True for crisis): a logistic regression over the pieces,
    fitted by a fixed number of passes in a fixed order, so the same texts give the same model."""
    rows = [(is_crisis, sorted(pieces(tokens(text)))) for is_crisis, text in examples]
    seen: Counter[str] = Counter(piece for _, found in rows for piece in found)
    rows = [(y, [piece for piece in found if seen[piece] >= MIN_COUNT]) for y, found in rows]
    weights: dict[str, float] = {}
    bias = 0.0
    order = random.Random(7)
    for epoch in range(EPOCHS):
        rate = RATE / (1 + epoch)
        order.shuffle(rows)
        for is_crisis, found in rows:
            if not found:
                continue
            scale = 1 / math.sqrt(len(found))
            total = bias + scale * sum(weights.get(piece, 0.0) for piece in found)
            error = (1.0 if is_crisis else 0.0) - 1 / (1 + math.exp(-max(min(total, 30), -30)))
            bias += rate * error
            step = rate * error * scale
            for piece in found:
                weight = weights.get(piece, 0.0)
                weights[piece] = weight + step - rate * L2 * weight
    weights = {piece: round(w, 3) for piece, w in weights.items() if abs(w) >= MIN_WEIGHT}
    weights[BIAS] = round(bias, 3)
    return weights


def score(text: str, weights: Mapping[str, float] | None = None) -> float:
    """How much a text reads like a crisis: the best of its windows of words.

    Linear in the length of the text: each distinct word's pieces are weighed once, and the
    windows are summed from running totals."""
    table = model() if weights is None else weights
    words = ["|" if word == "\n" else word for word in tokens(text)]
    if sum(word != "|" for word in words) < MIN_WORDS:
        # Too few words to weigh: a greeting is not evidence; the lexicons read short texts.
        return -math.inf
    weighed: dict[str, tuple[float, int]] = {}
    sums = [0.0]
    counts = [0]
    for index, word in enumerate(words):
        if word not in weighed:
            own = _word_pieces(word)
            weighed[word] = (sum(table.get(piece, 0.0) for piece in own), len(own))
        total, count = weighed[word]
        if index + 1 < len(words):
            total += table.get("b:" + word + "_" + words[index + 1], 0.0)
            count += 1
        sums.append(sums[-1] + total)
        counts.append(counts[-1] + count)
    best = -math.inf
    step = WINDOW // 2
    for start in range(0, max(len(words) - step, 1), step):
        end = min(start + WINDOW, len(words))
        window = (sums[end] - sums[start]) / math.sqrt(max(counts[end] - counts[start], 1))
        best = max(best, window)
    return best + table.get(BIAS, 0.0)


def _word_pieces(word: str) -> set[str]:
    marked = "#" + word + "#"
    found = {"w:" + word}
    for size in (4, 5):
        for start in range(len(marked) - size + 1):
            found.add("c:" + marked[start : start + size])
    return found


def write(weights: Mapping[str, float], path: Path = MODEL_PATH) -> None:
    """Keep weights as data, one piece a line, sorted so a change shows as a small diff."""
    lines = [
        "# Weights of the crisis word model: made by `python scripts/crisis_model.py train`",
        "# from tests/crisis/. Do not edit by hand: change the labelled messages and train.",
    ]
    lines += [f"{piece}\t{weight}" for piece, weight in sorted(weights.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read(path: Path = MODEL_PATH) -> dict[str, float]:
    """Weights from their data file (none when it is missing)."""
    if not path.exists():
        return {}
    weights = {}
    # Split on newlines only: a piece may hold any other character a person typed.
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#"):
            continue
        piece, _, weight = line.partition("\t")
        weights[piece] = float(weight)
    return weights


@functools.cache
def model() -> dict[str, float]:
    """The weights, read once per process."""
    return read()
