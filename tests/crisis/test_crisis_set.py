"""The crisis detector measured on the test set beside this file (fi.txt, sv.txt, en.txt): recall
and false alarms per tier and language against the targets, and the reading rules that make it
work on what people really type."""

from __future__ import annotations

import re

import pytest

from bot.services import crisis_model, crisis_words
from bot.services.crisis import MODEL_RULE, Policy, Tier, assess
from bot.services.crisis_words import LexiconError, normalise, parse_lexicon, tokens
from tests.crisis.measure import (
    CRISIS_RECALL,
    ORDINARY_TO_ANY,
    ORDINARY_TO_CRISIS,
    UNSEEN_CRISIS_RECALL,
    UNSEEN_ORDINARY_TO_ANY,
    WORRY_RECALL,
    cross_figures,
    examples,
    measure,
    training_texts,
    unseen_batches,
)


def test_the_set_has_enough_messages_of_each_tier_in_each_language() -> None:
    found = examples()
    counts = {
        (e.language, e.expected): sum(1 for x in found if (x.language, x.expected) == key)
        for e in found
        for key in [(e.language, e.expected)]
    }
    assert sum(1 for e in found if e.expected == Tier.CRISIS) >= 150
    assert sum(1 for e in found if e.expected == Tier.WORRY) >= 60
    assert sum(1 for e in found if e.expected == Tier.NONE) >= 200
    for language in ("fi", "sv", "en"):
        for tier in Tier:
            assert counts.get((language, tier), 0) >= 20, (language, tier)


def test_recall_and_false_alarms_meet_the_targets_in_each_language() -> None:
    figures = measure()
    missed = "\n".join(
        f"{e.language}:{e.line} {e.expected.name} -> {got.name}: {e.text}"
        for e, got in figures.misses
    )
    assert figures.failures() == [], f"targets missed; the messages read wrongly:\n{missed}"
    for language in figures.languages:
        assert figures.rate(language, "crisis_recall") >= CRISIS_RECALL
        assert figures.rate(language, "worry_recall") >= WORRY_RECALL
        assert figures.rate(language, "ordinary_to_crisis") <= ORDINARY_TO_CRISIS
        assert figures.rate(language, "ordinary_to_any") <= ORDINARY_TO_ANY


@pytest.mark.parametrize(
    "text",
    [
        # What the old phrase lists missed, as a new user wrote it through the bot.
        "en jaksa enää elää",
        "en halua enää elää",
        "haluan vaan kuolla",
        "tapan itteni",
        "itsari",
        "satutin itseäni",
        "hirttäydyn",
        "jag vill bara dö",
        "tar mitt liv",
        "end it all",
        "self harm",
        "take my life",
        "dont want to live",
    ],
)
def test_what_the_phrase_lists_missed_reaches_the_crisis_tier(text: str) -> None:
    assert assess(text).tier() == Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    ["en jaksa mitään", "kaikki on ihan turhaa", "jag orkar inte mer", "i can't do this anymore"],
)
def test_exhaustion_and_hopelessness_without_death_are_worry(text: str) -> None:
    assert assess(text).tier() == Tier.WORRY


@pytest.mark.parametrize(
    "text",
    [
        "kuolin nauruun",
        "tapoin aikaa",
        "deadline",
        "this is killing me",
        "jag dog av skratt",
        "leikkasin hiukset",
        "akku kuoli",
    ],
)
def test_ordinary_uses_of_the_same_words_are_nothing(text: str) -> None:
    assert assess(text).tier() == Tier.NONE


@pytest.mark.parametrize(
    "text",
    [
        "minulla ei ole itsemurha-ajatuksia",
        "my friend's dad killed himself",
        "my cousin committed suicide last year",
        "jag är inte suicidal",
        "hans pappa tog livet av sig",
        "kaveri teki itsemurhan",
    ],
)
def test_negated_or_reported_crisis_is_worry_never_nothing(text: str) -> None:
    assessment = assess(text)
    assert assessment.tier() == Tier.WORRY, assessment.hits


def test_the_higher_tier_wins_when_a_message_has_both() -> None:
    # Negated once, meant once: the crisis stands.
    text = "minulla ei ole itsemurha-ajatuksia. tai no, haluan kuolla"
    assert assess(text).tier() == Tier.CRISIS


def test_worry_with_the_means_at_hand_is_a_crisis() -> None:
    assert assess("en jaksa enää").tier() == Tier.WORRY
    # The lexicons count the means alone for nothing (the word model, a second reader, may
    # read a crisis into so short a message: when unsure, the higher tier wins).
    lexicons_only = Policy(rules={MODEL_RULE: Tier.NONE})
    assert assess("mulla on lääkkeet").tier(lexicons_only) == Tier.NONE
    assert assess("en jaksa enää. mulla on lääkkeet").tier(lexicons_only) == Tier.CRISIS


def test_a_rope_got_for_no_ordinary_use_is_a_crisis() -> None:
    # People who wrote messages for the test without seeing the rules read a rope bought with
    # nothing else said as a crisis; a rope for the boat or the tent is ordinary.
    for text in ("ostin köyden", "bought a rope today", "har köpt ett rep"):
        assert assess(text).tier() == Tier.CRISIS, text
    for text in (
        "ostin köyden veneeseen",
        "got a new rope for the tent",
        "köpte ett rep till båten",
    ):
        assert assess(text).tier() == Tier.NONE, text


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("HALUAN Kuolla", "haluan kuolla"),
        ("hal\u200buan ku\u200dolla", "haluan kuolla"),  # zero-width characters
        ("ha\u0301luan", "haluan"),  # a combining mark
        ("ｈａｌｕａｎ", "haluan"),  # full-width letters (NFKC)
        ("don’t", "dont"),
        ("self-harm", "self harm"),
        ("k*ll su!cide", "kll sucide"),
        ("ÄÖÅ", "aoa"),
    ],
)
def test_text_is_normalised_as_people_type_it(typed: str, read: str) -> None:
    assert normalise(typed) == read


def test_stretched_letters_and_digits_for_letters_still_match() -> None:
    for text in ("haluun kuollaaaa", "tapan ittteni", "i want to dieeeee", "i want to k1ll myself"):
        assert assess(text).tier() == Tier.CRISIS, text
    assert tokens(normalise("k1ll 8.30")) == ["\n", "kill", "8", "\n", "30", "\n"]


def test_words_run_together_or_split_apart_still_match() -> None:
    for text in ("itse murha", "selfharm", "itsemurha-ajatuksia", "haluunkuolla", "iwanttodie"):
        assert assess(text).tier() == Tier.CRISIS, text


def test_the_language_of_a_clear_message_is_told() -> None:
    assert assess("jag vill inte leva längre").language == "sv"
    assert assess("mä en jaksa enää elää").language == "fi"
    assert assess("i don't want to live anymore").language == "en"
    assert assess("kms").language is None  # too short to tell: the person's own language


def test_an_organisation_can_switch_a_tier_off_or_move_a_rule() -> None:
    assessment = assess("haluan kuolla")
    assert assessment.tier() == Tier.CRISIS
    moved = Policy(rules={"fi.want_to_die": Tier.WORRY})
    assert assessment.tier(moved) == Tier.WORRY
    assert assessment.tier(Policy(rules={"fi.want_to_die": Tier.NONE})) == Tier.NONE
    assert assess("en jaksa mitään").tier(Policy(worry=False)) == Tier.NONE
    assert assessment.tier(Policy(crisis=False)) == Tier.NONE
    # Settings as stored in the organisation; an unknown tier name is ignored.
    stored = {"crisis_words": {"worry": False, "rules": {"fi.want_to_die": "worry", "x": "?"}}}
    policy = Policy.from_settings(stored)
    assert policy.worry is False and dict(policy.rules) == {"fi.want_to_die": Tier.WORRY}


def test_every_rule_has_an_id_with_its_language() -> None:
    tiers = crisis_words.matcher().rule_tiers
    assert tiers["fi.want_to_die"] == Tier.CRISIS
    assert tiers["sv.cannot_cope"] == Tier.WORRY
    assert all(rule.split(".")[0] in ("fi", "sv", "en") for rule in tiers)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[crisis x]\n@nowhere kuolla\n", "@nowhere is not defined above"),
        ("[crisis x]\nhaluan ..9 kuolla\n", "a gap is"),
        ("[crisis x]\n(haluan|tahdon kuolla\n", "a ( without its )"),
        ("[wish x]\nkuolla\n", "unknown section"),
        ("kuolla\n", "text before the first [section]"),
        ("[crisis x]\n$ kuolla\n", "cannot start with $"),
        ("[crisis x]\nkuol~\n", "too short to allow a typo"),
    ],
)
def test_a_broken_lexicon_line_is_named_with_its_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(LexiconError, match=re.escape(problem)) as raised:
        parse_lexicon("fi", text, source="fi.txt")
    assert "fi.txt:" in str(raised.value)


def test_the_shipped_word_model_is_what_the_labelled_messages_train() -> None:
    # A message added to the set without training again would leave the model behind it.
    assert crisis_model.read() == crisis_model.train(training_texts())


def test_messages_never_seen_by_the_word_model_are_caught_at_the_unseen_targets() -> None:
    figures = dict(cross_figures())
    assert len(unseen_batches()) >= 4
    assert figures["unseen_crisis_recall_min"] >= UNSEEN_CRISIS_RECALL, figures
    assert figures["unseen_ordinary_to_any_max"] <= UNSEEN_ORDINARY_TO_ANY, figures


def test_the_word_model_catches_what_no_phrase_rule_names_and_respects_a_negation() -> None:
    # Words the lexicons have no rule for, in the way a client might put them.
    text = "i keep looking down from the 12th floor thinking about it"
    assert crisis_model.score(text) > crisis_model.THRESHOLD
    assert assess(text).tier() == Tier.CRISIS
    assert assess("minulla ei ole itsemurha-ajatuksia").tier() == Tier.WORRY
    assert assess("can we move the meeting to friday?").tier() == Tier.NONE
    # Everyday greetings and plans are not evidence, however the pieces weigh.
    for everyday in (
        "hi its me again, how are you",
        "mä oon taas täällä, moi",
        "I dont want to go to the meeting",
        "Hello again, it's me",
    ):
        assert assess(everyday).tier() == Tier.NONE, everyday
    # An organisation can move the model's hits to worry, as any rule.
    policy = Policy(rules={MODEL_RULE: Tier.WORRY})
    assert [hit.rule for hit in assess(text).hits] == [MODEL_RULE]
    assert assess(text).tier(policy) == Tier.WORRY
    assert assess(text).tier(Policy(rules={MODEL_RULE: Tier.NONE})) == Tier.NONE
