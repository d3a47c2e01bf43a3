"""The crisis test set (fi.txt, sv.txt, en.txt beside this file) and its figures: recall and
false alarms per tier and language, as the test and `benchmarks/crisis.py` report them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.services.crisis import Tier, assess

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
