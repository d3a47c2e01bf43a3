"""Words of crisis and of worry in what a client writes, in Finnish, Swedish or English whatever
the client's own language, in two tiers:

- crisis: suicide, self-harm, wanting to die, a plan or a time. The client gets the crisis answer
  at once and the coach an urgent flag.
- worry: exhaustion and hopelessness without words of death (en jaksa mitään, jag orkar inte
  mer, i can't do this anymore), or a crisis told of someone else or negated. The client gets a
  warm word without emergency numbers and the coach a flag "worrying words", not urgent.

When unsure, the higher tier wins: a false alarm costs a kind message and a coach's glance, a
miss much more. The words live in `crisis_lexicon/` (a file per language that a clinician can
read and change); the reading machine is `crisis_words`. An organisation can switch a tier off
or move a rule to another tier (`Policy`, kept in the organisation's settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.services import crisis_model
from bot.services.crisis_words import LANGUAGES, Hit, Tier, matcher

__all__ = ["LANGUAGES", "Assessment", "Policy", "Tier", "assess", "mentions_crisis", "rule_ids"]

# The word model's hit, as a rule an organisation can move to worry or switch off like any other.
MODEL_RULE = "model.crisis"

# The key of these choices in Organisation.settings.
SETTINGS_KEY = "crisis_words"
TIER_NAMES = {"crisis": Tier.CRISIS, "worry": Tier.WORRY, "off": Tier.NONE}


@dataclass(frozen=True, slots=True)
class Policy:
    """An organisation's choices: each tier on or off, and rules moved to another tier
    (Tier.NONE switches a rule off)."""

    crisis: bool = True
    worry: bool = True
    rules: Mapping[str, Tier] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Policy:
        """The policy kept in an organisation's settings; unknown values are ignored, so a
        rule that was renamed in the lexicon never breaks the answer."""
        stored = dict((settings or {}).get(SETTINGS_KEY) or {})
        rules = {
            str(rule): TIER_NAMES[str(tier)]
            for rule, tier in dict(stored.get("rules") or {}).items()
            if str(tier) in TIER_NAMES
        }
        return cls(
            crisis=bool(stored.get("crisis", True)),
            worry=bool(stored.get("worry", True)),
            rules=rules,
        )

    def tier_of(self, hit: Hit) -> Tier:
        """What one match counts for under this policy."""
        tier = self.rules.get(hit.rule, self._base(hit))
        if hit.lowered:
            tier = min(tier, Tier.WORRY)
        if (tier == Tier.CRISIS and not self.crisis) or (tier == Tier.WORRY and not self.worry):
            return Tier.NONE
        return tier

    @staticmethod
    def _base(hit: Hit) -> Tier:
        return matcher().rule_tiers.get(hit.rule, hit.tier)


DEFAULT_POLICY = Policy()


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a text says: the rules that matched, and the language it is clearly written in
    (None when it is too short or too mixed to tell)."""

    hits: tuple[Hit, ...]
    language: str | None

    def tier(self, policy: Policy = DEFAULT_POLICY) -> Tier:
        return max((policy.tier_of(hit) for hit in self.hits), default=Tier.NONE)

    def rules(self, policy: Policy = DEFAULT_POLICY) -> list[str]:
        """The ids of the rules behind the tier (for logs and the coach's notice, no words)."""
        tier = self.tier(policy)
        if tier == Tier.NONE:
            return []
        return sorted({hit.rule for hit in self.hits if policy.tier_of(hit) == tier})


def _language(markers: Mapping[str, int]) -> str | None:
    ranked = sorted(markers.items(), key=lambda item: item[1], reverse=True)
    (best, count), (_second, runner_up) = ranked[0], ranked[1]
    # Clearly one language: two everyday words at least, and half as many again as the next.
    return best if count >= 2 and count * 2 > runner_up * 3 else None


def assess(text: str | None) -> Assessment:
    """Read a text for words of crisis and of worry in every language."""
    if not text or not text.strip():
        return Assessment((), None)
    reading = matcher().read(text)
    language = _language(reading.markers)
    hits = reading.hits
    # The second reader: what the lexicons missed; lowered with them when they found the words
    # negated or told of someone else.
    missed = not any(hit.tier == Tier.CRISIS and not hit.lowered for hit in hits)
    if missed and crisis_model.score(text) > crisis_model.THRESHOLD:
        lowered = any(hit.lowered for hit in hits)
        end = len(reading.words)
        hits = (*hits, Hit(MODEL_RULE, Tier.CRISIS, language or "", 0, end, lowered))
    return Assessment(hits, language)


def mentions_crisis(text: str | None, policy: Policy = DEFAULT_POLICY) -> bool:
    """True when the text reaches the crisis tier."""
    return assess(text).tier(policy) == Tier.CRISIS


def rule_ids() -> Mapping[str, Tier]:
    """Every rule of every language with the tier its lexicon gives it, and the word model's."""
    return {**matcher().rule_tiers, MODEL_RULE: Tier.CRISIS}
