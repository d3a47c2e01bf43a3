"""The crisis test set (fi.txt, sv.txt, en.txt beside this file) and its figures: recall and
false alarms per tier and language, as the test and `benchmarks/crisis.py` report them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.services import crisis_model
from bot.services.crisis import MODEL_RULE, Tier, assess

HERE = Path(__file__).resolve().parent
LABELS = {"crisis": Tier.CRISIS, "worry": Tier.WORRY, "none": Tier.NONE}

# The acceptance targets of the detector on this set.
CRISIS_RECALL = 0.97  # crisis messages reaching the crisis tier, in each language
WORRY_RECALL = 0.95  # worry messages reaching worry or higher, in each language
ORDINARY_TO_CRISIS = 0.03  # ordinary messages reaching the crisis tier, at most
ORDINARY_TO_ANY = 0.08  # ordinary messages reaching either tier, at most


@dataclass(frozen=True, slots=True)
class Example:
    language: str
    expected: Tier
    text: str
    line: int


def examples(folder: Path = HERE) -> list[Example]:
    """Every labelled message of the set, in file order."""
    found = []
    for path in sorted(folder.glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            label, separator, text = line.partition("|")
            if not separator or label.strip() not in LABELS or not text.strip():
                raise ValueError(f"{path.name}:{number}: expected 'TIER | message'")
            found.append(Example(path.stem, LABELS[label.strip()], text.strip(), number))
    return found


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts per language (and "all") and what they mean against the targets."""

    counts: dict[str, dict[str, int]]
    misses: list[tuple[Example, Tier]]

    def rate(self, language: str, name: str) -> float:
        c = self.counts[language]
        part, whole = {
            "crisis_recall": ("crisis_hit", "crisis"),
            "worry_recall": ("worry_hit", "worry"),
            "ordinary_to_crisis": ("none_crisis", "none"),
            "ordinary_to_any": ("none_any", "none"),
        }[name]
        return c.get(part, 0) / max(c.get(whole, 0), 1)

    def failures(self) -> list[str]:
        """Each target missed, in words; empty when all are met."""
        found: list[str] = []
        for language in self.languages:
            checks = [
                ("crisis_recall", self.rate(language, "crisis_recall") >= CRISIS_RECALL),
                ("worry_recall", self.rate(language, "worry_recall") >= WORRY_RECALL),
                (
                    "ordinary_to_crisis",
                    self.rate(language, "ordinary_to_crisis") <= ORDINARY_TO_CRISIS,
                ),
                ("ordinary_to_any", self.rate(language, "ordinary_to_any") <= ORDINARY_TO_ANY),
            ]
            found.extend(
                f"{language} {name} {self.rate(language, name):.3f}"
                for name, ok in checks
                if not ok
            )
        return found

    @property
    def languages(self) -> list[str]:
        return sorted(language for language in self.counts if language != "all")


def measure(items: list[Example] | None = None) -> Figures:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses = []
    for example in items if items is not None else examples():
        tier = assess(example.text).tier()
        for key in (example.language, "all"):
            c = counts[key]
            if example.expected == Tier.CRISIS:
                c["crisis"] += 1
                c["crisis_hit"] += tier == Tier.CRISIS
            elif example.expected == Tier.WORRY:
                c["worry"] += 1
                c["worry_hit"] += tier >= Tier.WORRY
            else:
                c["none"] += 1
                c["none_crisis"] += tier == Tier.CRISIS
                c["none_any"] += tier > Tier.NONE
        wrong = (
            (example.expected == Tier.CRISIS and tier != Tier.CRISIS)
            or (example.expected == Tier.WORRY and tier == Tier.NONE)
            or (example.expected == Tier.NONE and tier != Tier.NONE)
        )
        if wrong:
            misses.append((example, tier))
    return Figures({k: dict(v) for k, v in counts.items()}, misses)


# -- the batches written apart from the lexicons, and the word model measured on them ------------

UNSEEN = HERE / "unseen"
# The aim is 0.9; the hardest batch reads at 0.783 (unseen/README.md), so this guards 0.75.
UNSEEN_CRISIS_RECALL = 0.75
UNSEEN_ORDINARY_TO_ANY = 0.10  # ordinary messages of that batch reaching either tier, at most
REPOSITORY_WEIGHT = 3  # the set of look-alikes counts three times in training


def unseen_batches(folder: Path = UNSEEN) -> dict[str, list[Example]]:
    """The batches in unseen/ (`TIER<TAB>LANG<TAB>message`), by name."""
    found = {}
    for path in sorted(folder.glob("*.tsv")):
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            parts = line.split("\t")
            if len(parts) == 3 and parts[0] in LABELS:
                rows.append(Example(parts[1], LABELS[parts[0]], parts[2], number))
        found[path.stem] = rows
    return found


def training_texts(left_out: str | None = None) -> list[tuple[bool, str]]:
    """Every labelled message (True for crisis), but the batch left out."""
    rows = examples() * REPOSITORY_WEIGHT + [
        e for name, batch in unseen_batches().items() if name != left_out for e in batch
    ]
    return [(e.expected == Tier.CRISIS, e.text) for e in rows]


def cross_figures() -> list[tuple[str, float]]:
    """Each batch read by a model trained without it (and the lexicons): crisis recall of the
    lexicons alone and with the model, and ordinary messages reaching any tier."""
    lines: list[tuple[str, float]] = []
    recalls, alarms = [], []
    for name, held in unseen_batches().items():
        weights = crisis_model.train(training_texts(left_out=name))

        def lexicons(text: str) -> Tier:
            hits = [hit for hit in assess(text).hits if hit.rule != MODEL_RULE]
            return max((Tier.WORRY if hit.lowered else hit.tier for hit in hits), default=Tier.NONE)

        def both(text: str, weights: dict[str, float] = weights) -> Tier:
            tier = lexicons(text)
            if tier < Tier.CRISIS and crisis_model.score(text, weights) > crisis_model.THRESHOLD:
                return Tier.CRISIS
            return tier

        crisis = [e.text for e in held if e.expected == Tier.CRISIS]
        ordinary = [e.text for e in held if e.expected == Tier.NONE]
        alone = sum(lexicons(t) == Tier.CRISIS for t in crisis) / len(crisis)
        recall = sum(both(t) == Tier.CRISIS for t in crisis) / len(crisis)
        alarm = sum(both(t) != Tier.NONE for t in ordinary) / len(ordinary)
        recalls.append(recall)
        alarms.append(alarm)
        lines += [
            (f"unseen_{name}_crisis_recall_lexicons", round(alone, 3)),
            (f"unseen_{name}_crisis_recall", round(recall, 3)),
            (f"unseen_{name}_ordinary_to_any", round(alarm, 3)),
        ]
    lines += [
        ("unseen_crisis_recall_min", round(min(recalls), 3)),
        ("unseen_ordinary_to_any_max", round(max(alarms), 3)),
    ]
    return lines
