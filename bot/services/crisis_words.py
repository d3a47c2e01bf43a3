"""The reading machine behind crisis detection: it normalises a text the way people actually
type (case, Unicode forms, zero-width and combining marks, stretched letters, hyphens and
apostrophes, digits for letters), splits it into words and sentence ends, and matches the
concept lexicons of `crisis_lexicon/` against it.

The lexicons are plain text files, one per language, written to be read and changed by a
clinician (`crisis_lexicon/README.txt` explains the syntax). A lexicon names *concepts* (sets of
words and short phrases: wanting, dying, oneself ...) and *rules* that combine them within a few
words (in order, `..N`, or on either side, `~N`), each rule raising the crisis or the worry tier;
*ordinary* patterns (kuolin nauruun, killing time) take words out of play, *lower* patterns
(minulla ei ole itsemurha-ajatuksia, my friend's dad killed himself) bring a crisis down to
worry, never to nothing, and *escalate* patterns (a rope, saved-up pills, "tonight") make worry
in the same message a crisis.

Matching is linear in the length of the text: every distinct word is looked up once in hash
tables (its exact form, its prefixes of the few lengths the stems have, and a one-typo comparison
with the handful of key words marked for it), a pattern is tried only when the words of its least
common step occur, and a pattern walks at most a bounded number of words from each place its
first element matched. There are no regular expressions with nested quantifiers. No telegram
here: this is a domain service.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import gc
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

LEXICON_PACKAGE = "bot.services"
LEXICON_FOLDER = "crisis_lexicon"
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")

MAX_GAP = 8
MAX_FILLERS = 8  # filler words skipped between two elements, at most
KNOWN_WORDS = 50_000  # words whose lookups are kept between texts
MIN_FUZZY = 5  # a word shorter than this is never matched with a typo


class Tier(enum.IntEnum):
    """How much a text worries us: nothing, worry (exhaustion, hopelessness) or crisis."""

    NONE = 0
    WORRY = 1
    CRISIS = 2


class LexiconError(ValueError):
    """A lexicon file that cannot be read; the message names the file and the line."""


# -- normalising ---------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
        "\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066"
        "\u2067\u2068\u2069\u3164\ufeff\ufe0e\ufe0f",
    ),
    None,
)
# Apostrophes of every kind vanish inside words (don't = dont); hyphens join nothing (self-harm =
# self harm, and the two words are also tried as one); long dashes end a clause.
_PUNCTUATION = str.maketrans(
    {
        "'": None,
        "’": None,
        "‘": None,
        "`": None,
        "´": None,
        "ʼ": None,
        "ʹ": None,
        "′": None,
        "-": " ",
        "‐": " ",
        "‑": " ",
        "‒": " ",
        "_": " ",
        "–": ";",
        "—": ";",
        "―": ";",
        "…": ".",
    }
)
# The marked letters of Finnish, Swedish and their neighbours, folded at once; anything else
# with a mark goes through Unicode decomposition.
_FOLD = str.maketrans(
    {
        c: unicodedata.normalize("NFD", c)[0]
        for c in "àáâãäåèéêëìíîïòóôõöùúûüýÿñçšžčćđ"
        if unicodedata.normalize("NFD", c)[0] != c
    }
)
_TABLE = {**_INVISIBLE, **_FOLD, **_PUNCTUATION}  # one pass for all three
_MARKED = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_STRETCHED = re.compile(r"([^\W\d_])\1\1+")  # three or more of one letter: one
_CENSORED = re.compile(r"(?<=[^\W\d_])[*!@$#]+(?=[^\W\d_])")  # k*ll, su!cide
_CENSOR_MARK = re.compile(r"[*@$#]|!(?=[^\W\d_])")  # a quick test before the slower one
_TOKEN = re.compile(r"[^\W_]+|[.!?;,:\n]+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_HAS_DIGIT = re.compile(r"\d")


def normalise(text: str) -> str:
    """Lower case, compatibility forms folded (NFKC), invisible characters and diacritics
    removed (ä = a, ö = o: people type without them), apostrophes removed and hyphens made
    spaces. Stretched letters are left to `tokens` (three may stand for one or for two)."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold().translate(_TABLE)
    if _MARKED.search(text):  # a letter with a mark the table does not know, or a loose mark
        text = _COMBINING.sub("", unicodedata.normalize("NFD", text)).translate(_TABLE)
    return _CENSORED.sub("", text) if _CENSOR_MARK.search(text) else text


def unstretched(token: str) -> tuple[str, str | None]:
    """A word with letters typed three or more times: read as two (ittteni = itteni), and
    also as one (dieeee = die, kuollaaaa = kuolla)."""
    if not _STRETCHED.search(token):
        return token, None
    return _STRETCHED.sub(r"\1\1", token), _STRETCHED.sub(r"\1", token)


BOUNDARY = "\n"  # the one token that stands for every sentence end


def tokens(text: str) -> list[str]:
    """Words and sentence ends of a normalised text, with a sentence end at both ends
    (stretched letters as typed: see `unstretched`)."""
    found = [BOUNDARY]
    digits = _HAS_DIGIT.search(text) is not None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if not token[0].isalnum():
            if found[-1] != BOUNDARY:
                found.append(BOUNDARY)
            continue
        if digits and not token.isalpha() and not token.isdigit():
            token = token.translate(_LEET)  # k1ll = kill, su1c1de = suicide
        found.append(token)
    if found[-1] != BOUNDARY:
        found.append(BOUNDARY)
    return found


# Finnish enclitics (-kin, -kaan, -han, -pa, -ko) after folding: "tapanko" is also "tapan".
_CLITICS = ("kaan", "kin", "han", "pa", "ko")


def _clitic_free(token: str) -> str | None:
    for ending in _CLITICS:
        if token.endswith(ending) and len(token) - len(ending) >= 4:
            return token[: -len(ending)]
    return None


def within_one_edit(a: str, b: str) -> bool:
    """True when `a` becomes `b` by at most one inserted, deleted or changed letter, or one
    swap of neighbours (itsemuhra, suicdie). Linear in the length."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one changed letter
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


# -- the lexicon model ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a pattern: exact, a stem (`kuol*`), and maybe with one typo allowed (`~`)."""

    text: str
    stem: bool = False
    typo: bool = False

    def matches(self, token: str) -> bool:
        if self.stem:
            if token.startswith(self.text):
                return True
        elif token == self.text:
            return True
        if not self.typo:
            return False
        size = len(self.text)
        if not self.stem:
            return within_one_edit(token, self.text)
        return any(
            within_one_edit(token[:cut], self.text)
            for cut in (size - 1, size, size + 1)
            if 0 < cut <= len(token)
        )


@dataclass(frozen=True, slots=True)
class Element:
    """A step of a pattern: any of some words, concepts and the end of a sentence; and how
    many other words may stand between it and the step before."""

    words: tuple[Word, ...] = ()
    concepts: tuple[str, ...] = ()
    end: bool = False
    gap: int = 0
    either_side: bool = False  # ~N: before or after the step before, N words apart at most


@dataclass(frozen=True, slots=True)
class Pattern:
    elements: tuple[Element, ...]
    line: int


class Kind(enum.StrEnum):
    """What a section of a lexicon is for."""

    CONCEPT = "concept"
    CRISIS = "crisis"
    WORRY = "worry"
    ORDINARY = "ordinary"  # ordinary uses: words they cover count for nothing
    LOWER = "lower"  # negated or reported crisis words: a crisis inside becomes worry
    ESCALATE = "escalate"  # means or intent: with words of worry anywhere in the text, crisis


@dataclass(slots=True)
class Section:
    kind: Kind
    name: str  # a concept's name, or a rule's id ("fi.want_to_die")
    patterns: list[Pattern] = field(default_factory=list)


@dataclass(slots=True)
class Lexicon:
    """One language's lexicon as read from its file."""

    language: str
    fillers: frozenset[str]
    markers: frozenset[str]
    sections: list[Section]

    @property
    def rules(self) -> list[Section]:
        return [s for s in self.sections if s.kind in (Kind.CRISIS, Kind.WORRY, Kind.ESCALATE)]


_HEADER = re.compile(r"^\[\s*(\w+)(?:\s+([\w.]+))?\s*\]$")


def _word(raw: str, where: str) -> Word:
    typo = raw.endswith("~")
    raw = raw.rstrip("~")
    stem = raw.endswith("*")
    raw = raw.rstrip("*")
    text = "".join(t for t in tokens(normalise(raw)) if t != BOUNDARY)
    if not text or " " in raw:
        raise LexiconError(f"{where}: {raw!r} is not one word")
    if typo and len(text) < MIN_FUZZY:
        raise LexiconError(f"{where}: {raw!r} is too short to allow a typo")
    return Word(text, stem=stem, typo=typo)


def _no_group(phrases: list[str]) -> str:
    raise LexiconError("a ( ) group cannot stand inside another")


_PART = re.compile(r"\([^()]*\)|[^\s()]+|[()]")


def _pattern(line: str, where: str, line_number: int, group: Callable[[list[str]], str]) -> Pattern:
    """One pattern line; `group` turns the phrases of a (a b|c d) group into a concept."""
    elements: list[Element] = []
    gap = 0
    either_side = False
    for part in _PART.findall(line):
        if part in ("(", ")"):
            raise LexiconError(f"{where}: a ( without its ) or the other way round")
        if part.startswith("..") or (part.startswith("~") and part[1:].isdigit()):
            size = part.lstrip(".~")
            if not elements or not size.isdigit() or not 1 <= int(size) <= MAX_GAP:
                raise LexiconError(
                    f"{where}: a gap is ..1 to ..{MAX_GAP} or ~1 to ~{MAX_GAP} between two elements"
                )
            gap, either_side = int(size), part.startswith("~")
            continue
        if part.startswith("("):
            options = [o.strip() for o in part[1:-1].split("|")]
            if not all(options):
                raise LexiconError(f"{where}: an empty choice in {part}")
            phrases = [o for o in options if o != "$"]
            elements.append(
                Element(
                    concepts=(group(phrases),) if phrases else (),
                    end="$" in options,
                    gap=gap,
                    either_side=either_side,
                )
            )
        else:
            raws = [raw for raw in part.split("|") if raw]
            elements.append(
                Element(
                    words=tuple(
                        _word(r, where) for r in raws if r != "$" and not r.startswith("@")
                    ),
                    concepts=tuple(r[1:] for r in raws if r.startswith("@")),
                    end="$" in raws,
                    gap=gap,
                    either_side=either_side,
                )
            )
        gap, either_side = 0, False
    if not elements or gap:
        raise LexiconError(f"{where}: a pattern cannot be empty or end with a gap")
    if elements[0].end:
        raise LexiconError(f"{where}: a pattern cannot start with $")
    return Pattern(tuple(elements), line_number)


def parse_lexicon(language: str, text: str, *, source: str = "") -> Lexicon:
    """Read a lexicon file (see the header of any of them for the syntax)."""
    source = source or f"{language}.txt"
    fillers: set[str] = set()
    markers: set[str] = set()
    sections: list[Section] = []
    current: Section | str | None = None
    names: set[str] = set()

    def group(phrases: list[str], number: int) -> str:
        # A (a b|c) group is a concept of its own, placed just before the section using it.
        name = f"({'|'.join(phrases)})@{number}"
        if name not in names:
            names.add(name)
            section = Section(Kind.CONCEPT, name)
            section.patterns = [
                _pattern(phrase, f"{source}:{number}", number, _no_group) for phrase in phrases
            ]
            sections.insert(len(sections) - 1, section)
        return name

    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source}:{number}"
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            kind, name = header.group(1).lower(), header.group(2) or ""
            if kind in ("fillers", "markers"):
                current = kind
                continue
            if kind not in Kind.__members__.values() or not name:
                raise LexiconError(f"{where}: unknown section [{line[1:-1]}]")
            full = name if kind == Kind.CONCEPT else f"{language}.{name}"
            if full in names:
                raise LexiconError(f"{where}: {full} is defined twice")
            names.add(full)
            current = Section(Kind(kind), full)
            sections.append(current)
            continue
        if current is None:
            raise LexiconError(f"{where}: text before the first [section]")
        if isinstance(current, str):
            words = {w for raw_word in line.split() for w in tokens(normalise(raw_word))}
            (fillers if current == "fillers" else markers).update(words - {BOUNDARY})
            continue
        current.patterns.append(
            _pattern(line, where, number, functools.partial(group, number=number))
        )
    lexicon = Lexicon(language, frozenset(fillers), frozenset(markers), sections)
    _check(lexicon, source)
    return lexicon


def _check(lexicon: Lexicon, source: str) -> None:
    """Concepts are defined before use."""
    defined: set[str] = set()
    for section in lexicon.sections:
        if not section.patterns:
            raise LexiconError(f"{source}: [{section.kind} {section.name}] has no patterns")
        for pattern in section.patterns:
            where = f"{source}:{pattern.line}"
            for element in pattern.elements:
                for concept in element.concepts:
                    if concept not in defined:
                        raise LexiconError(f"{where}: @{concept} is not defined above")
        if section.kind == Kind.CONCEPT:
            defined.add(section.name)


def _lexicon_text(language: str) -> str:
    folder = resources.files(LEXICON_PACKAGE).joinpath(LEXICON_FOLDER)
    return folder.joinpath(f"{language}.txt").read_text(encoding="utf-8")


def load_lexicons() -> dict[str, Lexicon]:
    """Every language's lexicon, read from the package's data files."""
    return {lang: parse_lexicon(lang, _lexicon_text(lang)) for lang in LANGUAGES}


# -- the compiled matcher ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched: its id, its tier, where in the words, and whether a lower pattern
    brought it down to worry."""

    rule: str
    tier: Tier
    language: str
    start: int
    end: int
    lowered: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """What the matcher found in one text, and its words (to tell its language)."""

    hits: tuple[Hit, ...]
    words: tuple[str, ...]
    lexicons: Mapping[str, Lexicon]

    @property
    def markers(self) -> dict[str, int]:
        """Per language: how many of its everyday words the text has."""
        return {
            language: sum(1 for word in self.words if word in lexicon.markers)
            for language, lexicon in self.lexicons.items()
        }


_Spans = dict[int, set[int]]  # start -> ends


@dataclass(frozen=True, slots=True)
class _Step:
    """An element compiled for matching: its words as one element id, its concepts by name."""

    element: int  # -1 when the element has no words
    concepts: tuple[str, ...]
    end: bool
    gap: int
    either_side: bool
    # The word elements of which one must occur for this step to match (its own, and those
    # that wake its concepts): a cheap test before any concept is worked out.
    keys: frozenset[int] = frozenset()


_Compiled = tuple[_Step, ...]
_WORD, _FILLER, _END = 0, 1, 2  # what a word is to the walk of one language


@dataclass(slots=True)
class _Language:
    """One language's lexicon compiled: concepts by name, the other sections in file order,
    and which word elements trigger which patterns of those sections."""

    concepts: dict[str, list[_Compiled]]
    sections: list[tuple[Section, list[_Compiled]]]
    triggers: dict[int, list[tuple[int, int]]]


class Matcher:
    """The lexicons compiled into lookup tables; one per process, read-only after building.

    Reading a text costs one lookup per word (its exact form, the prefixes of the few lengths
    the stems have, stopping at the first prefix no stem shares, and a one-typo comparison with
    the handful of key words marked for it). A rule's pattern is then tried only when the words
    of its least common step occur in the text (everyday words such as "i", "en" or "to" would
    wake hundreds of patterns in every text), and concepts are worked out only when a tried
    pattern needs them.
    """

    def __init__(self, lexicons: Mapping[str, Lexicon]) -> None:
        self.lexicons = dict(lexicons)
        self._element_ids: dict[tuple[Word, ...], int] = {}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._stems: dict[str, list[int]] = defaultdict(list)
        self._typos: dict[str, list[tuple[Word, int]]] = defaultdict(list)
        # Heads of long words: a pair of tokens is also tried as one word when the first could
        # begin a lexicon word ("itse murha", "self harm").
        self._heads: set[str] = set()
        self._known: dict[str, frozenset[int]] = {}
        common = {w for lx in self.lexicons.values() for w in lx.fillers | lx.markers}
        self._languages = {
            language: self._compile(lexicon, common) for language, lexicon in self.lexicons.items()
        }
        self._stem_lengths = sorted({len(stem) for stem in self._stems})
        # Every beginning of every stem: a word whose first letters begin no stem is done.
        self._stem_starts = {stem[:cut] for stem in self._stems for cut in range(1, len(stem))}
        self._rules = {
            s.name: (Tier.WORRY if s.kind == Kind.WORRY else Tier.CRISIS)
            for lexicon in self.lexicons.values()
            for s in lexicon.rules
        }

    def _compile(self, lexicon: Lexicon, common: set[str]) -> _Language:
        concepts: dict[str, list[_Compiled]] = {}
        keys_of: dict[str, frozenset[int]] = {}  # a concept -> word elements it needs one of
        commonness_of: dict[str, int] = {}  # a concept -> how everyday its words are
        sections: list[tuple[Section, list[_Compiled]]] = []
        triggers: dict[int, list[tuple[int, int]]] = defaultdict(list)

        def keys(step: _Step) -> frozenset[int]:
            found = {step.element} if step.element >= 0 else set()
            for name in step.concepts:
                found |= keys_of[name]
            return frozenset(found)

        def commonness(step: _Step, words: tuple[Word, ...]) -> int:
            return sum(w.text in common or len(w.text) <= 2 for w in words) + sum(
                commonness_of[name] for name in step.concepts
            )

        def rarest(steps: _Compiled, elements: Sequence[Element]) -> _Step:
            # A step that may be a sentence end needs no word: it cannot trigger anything.
            ranked = [
                (commonness(step, element.words), -place, place)
                for place, (step, element) in enumerate(zip(steps, elements, strict=True))
                if not step.end
            ]
            return steps[min(ranked)[2]]

        for section in lexicon.sections:
            # A section's one-word lines are matched as one element: their words are looked up
            # together while the text is read, instead of line by line afterwards.
            single: list[Word] = []
            several: list[tuple[Element, ...]] = []
            for pattern in section.patterns:
                only = pattern.elements[0] if len(pattern.elements) == 1 else None
                if only is not None and only.words and not only.concepts and not only.end:
                    single.extend(word for word in only.words if word not in single)
                else:
                    several.append(pattern.elements)
            if single:
                several.insert(0, (Element(words=tuple(single)),))
            compiled = [
                tuple(dataclasses.replace(step, keys=keys(step)) for step in steps)
                for steps in (tuple(self._step(e) for e in elements) for elements in several)
            ]
            chosen = [
                rarest(steps, elements) for steps, elements in zip(compiled, several, strict=True)
            ]
            if section.kind == Kind.CONCEPT:
                concepts[section.name] = compiled
                keys_of[section.name] = frozenset().union(*(keys(step) for step in chosen))
                commonness_of[section.name] = max(
                    commonness(step, element.words)
                    for step, elements in zip(chosen, several, strict=True)
                    for element in elements[:1]
                )
                continue
            number = len(sections)
            sections.append((section, compiled))
            for index, step in enumerate(chosen):
                for key in keys(step):
                    triggers[key].append((number, index))
        return _Language(concepts, sections, dict(triggers))

    def forget_words(self) -> None:
        """Empty the cache of words already looked up (for measuring a cold start)."""
        self._known.clear()

    @property
    def rule_tiers(self) -> Mapping[str, Tier]:
        """Every rule's id and the tier the lexicon gives it."""
        return dict(self._rules)

    def _step(self, element: Element) -> _Step:
        return _Step(
            self._element_id(element.words) if element.words else -1,
            element.concepts,
            element.end,
            element.gap,
            element.either_side,
        )

    def _element_id(self, words: tuple[Word, ...]) -> int:
        known = self._element_ids.get(words)
        if known is not None:
            return known
        number = len(self._element_ids)
        self._element_ids[words] = number
        for word in words:
            (self._stems if word.stem else self._exact)[word.text].append(number)
            if word.typo:
                self._typos[word.text[0]].append((word, number))
            if len(word.text) >= 6:
                self._heads.update(word.text[:cut] for cut in range(2, len(word.text) - 1))
        return number

    def _lookup(self, token: str, shortest: int = 1) -> set[int]:
        """The elements a word matches; with `shortest`, only through lexicon words at least
        that long (a pair tried as one word must match into its second word)."""
        found: set[int] = set(self._exact.get(token, ()))
        size = len(token)
        for length in self._stem_lengths:
            if length > size:
                break
            start = token[:length]
            if length >= shortest:
                ids = self._stems.get(start)
                if ids:
                    found.update(ids)
            if start not in self._stem_starts:
                break
        for word, number in self._typos.get(token[:1], ()):
            if number not in found and len(word.text) >= shortest and word.matches(token):
                found.add(number)
        return found

    def _ids(self, token: str) -> frozenset[int]:
        """Every element a word matches, also read without its Finnish clitic. Words repeat
        from message to message: the answers are kept (a bounded number of them)."""
        ids = self._known.get(token)
        if ids is None:
            found = self._lookup(token)
            bare = _clitic_free(token)
            if bare is not None:
                found |= self._lookup(bare)
            ids = frozenset(found)
            if len(self._known) >= KNOWN_WORDS:
                self._known.clear()  # rare; simpler and as fast as an LRU for this use
            self._known[token] = ids
        return ids

    def _pair(self, first: str, second: str) -> frozenset[int]:
        """The elements two words match together as one (itse murha, self harm), kept."""
        joined = f"{first} {second}"
        ids = self._known.get(joined)
        if ids is None:
            ids = frozenset(self._lookup(first + second, shortest=len(first) + 1))
            if len(self._known) >= KNOWN_WORDS:
                self._known.clear()
            self._known[joined] = ids
        return ids

    def read(self, text: str) -> Reading:
        # Reading makes many small sets and tuples, none of them in a cycle: the cycle collector
        # would only interrupt (about a tenth of the time), so it waits until the text is read.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._read(text)
        finally:
            if collecting:
                gc.enable()

    def _read(self, text: str) -> Reading:
        normal = normalise(text)
        typed = tokens(normal)
        if _STRETCHED.search(normal):
            variants = [unstretched(token) for token in typed]
            words = [double for double, _single in variants]
        else:
            variants, words = [], typed
        count = len(words)
        # element id -> start -> ends
        positions: dict[int, _Spans] = {}
        boundaries: list[int] = []
        sentence: list[int] = []  # the number of each word's sentence (an end: the one it ends)
        heads, known = self._heads, self._known
        for index, token in enumerate(words):
            sentence.append(len(boundaries))
            if token == BOUNDARY:
                boundaries.append(index)
                continue
            ids = known.get(token)
            if ids is None:
                ids = self._ids(token)
            single = variants[index][1] if variants else None
            if single is not None:
                ids = ids | self._ids(single)
            # One set for the word, shared by all its elements: the sets in `positions` are
            # only read (a pair below gets a new one), and a common word has dozens.
            span = {index + 1}
            for number in ids:
                starts = positions.get(number)
                if starts is None:
                    positions[number] = {index: span}
                else:
                    starts[index] = span
            if token in heads:
                following = words[index + 1] if index + 1 < count else BOUNDARY
                if following != BOUNDARY:
                    for number in self._pair(token, following):
                        starts = positions.setdefault(number, {})
                        starts[index] = starts.get(index, set()) | {index + 2}
        ends: _Spans = {b: {b + 1} for b in boundaries}
        hits: list[Hit] = []
        ordinary: list[tuple[int, int]] = []
        lowering: list[tuple[int, int]] = []
        escalating: list[Hit] = []
        # Rules first: most texts match none, and then the ordinary and lower patterns (many of
        # them woken by everyday words: he, she, film ...) need not be tried at all.
        walkers: list[tuple[str, _Walker, list[tuple[int, list[int]]]]] = []
        in_sentences: dict[frozenset[int], set[int]] = {}  # shared, as the positions are
        for language, lexicon in self.lexicons.items():
            compiled = self._languages[language]
            due: dict[int, set[int]] = defaultdict(set)
            for element in positions.keys() & compiled.triggers.keys():
                for number, index in compiled.triggers[element]:
                    due[number].add(index)
            if not due:
                continue
            walker = _Walker(
                words, lexicon.fillers, positions, ends, compiled.concepts, sentence, in_sentences
            )
            later: list[tuple[int, list[int]]] = []
            for number in sorted(due):
                section, patterns = compiled.sections[number]
                if section.kind in (Kind.ORDINARY, Kind.LOWER):
                    later.append((number, sorted(due[number])))
                    continue
                spans = walker.section([patterns[index] for index in sorted(due[number])])
                if not spans:
                    continue
                if section.kind == Kind.ESCALATE:
                    escalating.extend(
                        Hit(section.name, Tier.CRISIS, language, s, max(es))
                        for s, es in spans.items()
                    )
                else:
                    tier = self._rules[section.name]
                    hits.extend(
                        Hit(section.name, tier, language, s, max(es)) for s, es in spans.items()
                    )
            walkers.append((language, walker, later))
        if not hits and len({hit.rule.split(".", 1)[1] for hit in escalating}) < 2:
            return Reading((), tuple(words), self.lexicons)  # nothing, or one escalation alone
        # An ordinary or lower pattern matters only where it meets a hit: in its sentence.
        sentences = {sentence[hit.start] for hit in (*hits, *escalating)}
        for language, walker, later in walkers:
            compiled = self._languages[language]
            walker.only = sentences
            for number, indexes in later:
                section, patterns = compiled.sections[number]
                spans = walker.section([patterns[index] for index in indexes])
                found = ordinary if section.kind == Kind.ORDINARY else lowering
                found.extend((s, e) for s, es in spans.items() for e in es)
        # Words inside an ordinary use count for nothing; a crisis inside a lower pattern is
        # worry. Both are looked up in arrays over the words, so this stays linear.
        covered = [0] * count
        for start, end in ordinary:
            covered[start:end] = [1] * (end - start)
        masked = list(itertools.accumulate(covered, initial=0))  # masked among the first i
        reach = [-1] * (count + 1)  # reach[i]: the furthest end of a lower span starting <= i
        for start, end in lowering:
            reach[start] = max(reach[start], end)
        reach = list(itertools.accumulate(reach, max))

        def is_masked(hit: Hit) -> bool:
            return masked[hit.end] - masked[hit.start] > 0

        def is_lowered(hit: Hit) -> bool:
            return reach[hit.start] >= hit.end

        kept = [
            Hit(hit.rule, Tier.WORRY, hit.language, hit.start, hit.end, lowered=True)
            if hit.tier == Tier.CRISIS and is_lowered(hit)
            else hit
            for hit in hits
            if not is_masked(hit)
        ]
        # Worry and the means or the intent to act on it in one message (en jaksa enää. ostin
        # köyden), or both the means and the intent (teen sen tänä yönä, mulla on lääkkeet):
        # crisis.
        escalating = [h for h in escalating if not is_masked(h) and not is_lowered(h)]
        worried = any(h.tier == Tier.WORRY and not h.lowered for h in kept)
        if worried or len({hit.rule.split(".", 1)[1] for hit in escalating}) >= 2:
            kept.extend(escalating)
        return Reading(tuple(kept), tuple(words), self.lexicons)


class _Walker:
    """Matches one language's patterns over one text's words; concepts are worked out when a
    pattern first needs them, and kept."""

    def __init__(
        self,
        words: Sequence[str],
        fillers: frozenset[str],
        positions: Mapping[int, _Spans],
        ends: _Spans,
        concepts: Mapping[str, list[_Compiled]],
        sentence: Sequence[int],
        in_sentences: dict[frozenset[int], set[int]],
    ) -> None:
        self.words = words
        self.sentence = sentence
        self._in_sentences = in_sentences  # word elements -> the sentences where one occurs
        self.only: set[int] | None = None  # the sentences to match in (None: all of them)
        self.count = len(words)
        self.positions = positions
        self.ends = ends
        self._concept_patterns = concepts
        self._concepts: dict[str, Mapping[int, set[int]]] = {}
        self._fillers = fillers
        self._kinds: list[int] | None = None
        self._merged: dict[int, Mapping[int, set[int]]] = {}  # id of a step -> its spans

    def _shared(self, steps: Sequence[_Step]) -> set[int] | None:
        """The sentences in which every step of a pattern may match (None: any sentence).
        A match never crosses the end of a sentence, and in a long text most patterns that a
        word wakes have no such sentence: they are dropped before any concept is worked out."""
        shared = self.only
        cache = self._in_sentences
        for step in steps:
            if step.end:
                continue
            occurs = cache.get(step.keys)
            if occurs is None:
                sentence, positions = self.sentence, self.positions
                occurs = cache[step.keys] = set()
                for key in step.keys:
                    starts = positions.get(key)
                    if starts:
                        occurs.update(sentence[start] for start in starts)
            shared = occurs if shared is None else shared & occurs
            if not shared:
                break
        return shared

    @property
    def kinds(self) -> list[int]:
        """Each word as WORD, FILLER (of this language) or END (worked out when first needed)."""
        if self._kinds is None:
            fillers = self._fillers
            self._kinds = [
                _END if word == BOUNDARY else _FILLER if word in fillers else _WORD
                for word in self.words
            ]
        return self._kinds

    def concept(self, name: str) -> Mapping[int, set[int]]:
        known = self._concepts.get(name)
        if known is None:
            known = self._concepts[name] = self.section(self._concept_patterns[name])
        return known

    def _present(self, step: _Step) -> bool:
        return (
            step.end
            or step.element in self.positions
            or any(self.concept(name) for name in step.concepts)
        )

    def _spans(self, step: _Step) -> Mapping[int, set[int]]:
        known = self._merged.get(id(step))
        if known is not None:
            return known
        merged = self._merged[id(step)] = self._merge(step)
        return merged

    def _merge(self, step: _Step) -> Mapping[int, set[int]]:
        parts: list[Mapping[int, set[int]]] = []
        if step.element in self.positions:
            parts.append(self.positions[step.element])
        for name in step.concepts:
            spans = self.concept(name)
            if spans:
                parts.append(spans)
        if step.end:
            parts.append(self.ends)
        if len(parts) <= 1:
            return parts[0] if parts else {}
        merged: dict[int, set[int]] = defaultdict(set)
        for part in parts:
            for start, ends in part.items():
                merged[start].update(ends)
        return merged

    def section(self, patterns: Sequence[_Compiled]) -> Mapping[int, set[int]]:
        """The spans where any of the patterns match (start -> ends); only read afterwards."""
        if len(patterns) == 1 and len(patterns[0]) == 1:
            return self._spans(patterns[0][0])
        found: _Spans = {}
        positions, concept = self.positions, self.concept
        for steps in patterns:
            shared = self._shared(steps) if len(steps) > 1 else None
            if shared is not None and not shared:
                continue
            missing = False
            for step in steps:
                if step.end or step.element in positions:
                    continue
                if not any(concept(name) for name in step.concepts):
                    missing = True
                    break
            if missing:
                continue
            if len(steps) == 1:
                for start, ends in self._spans(steps[0]).items():
                    found.setdefault(start, set()).update(ends)
                continue
            for start, end in self.pattern(steps, shared):
                found.setdefault(start, set()).add(end)
        return found

    def pattern(
        self, steps: Sequence[_Step], shared: set[int] | None = None
    ) -> set[tuple[int, int]]:
        """Where the steps match one after the other; only from the `shared` sentences."""
        first = self._spans(steps[0])
        if shared is None:
            current = {(start, end) for start, ends in first.items() for end in ends}
        else:
            sentence = self.sentence
            current = {
                (start, end)
                for start, ends in first.items()
                if sentence[start] in shared
                for end in ends
            }
        kinds, count = self.kinds, self.count
        for step in steps[1:]:
            if not current:
                return current
            spans = self._spans(step)
            following = spans.get
            gap = step.gap
            reached: set[tuple[int, int]] = set()
            if step.either_side:
                reached |= self._before(current, spans, gap)
            for start, end in current:
                # Walk forward: filler words cost nothing (up to MAX_FILLERS of them), other
                # words count against the gap, and the end of a sentence stops the walk. A
                # filler can still be matched itself when a pattern names it.
                position, skipped, fillers = end, 0, 0
                while position < count:
                    afters = following(position)
                    if afters:
                        for after in afters:
                            reached.add((start, after))
                    kind = kinds[position]
                    if kind == _END:
                        break  # a gap never crosses the end of a sentence
                    if kind == _FILLER and fillers < MAX_FILLERS:
                        fillers += 1
                    elif skipped < gap:
                        skipped += 1
                    else:
                        break
                    position += 1
            current = reached
        return current

    def _before(
        self, current: set[tuple[int, int]], spans: Mapping[int, set[int]], gap: int
    ) -> set[tuple[int, int]]:
        """For A ~N B: the spans of B that end before A begins, at most N words away."""
        by_end: dict[int, set[int]] = defaultdict(set)
        for start, ends in spans.items():
            for end in ends:
                by_end[end].add(start)
        kinds = self.kinds
        reached: set[tuple[int, int]] = set()
        for start, end in current:
            edge, skipped, fillers = start, 0, 0
            while edge > 0:
                for earlier in by_end.get(edge, ()):
                    reached.add((earlier, end))
                kind = kinds[edge - 1]
                if kind == _END:
                    break
                if kind == _FILLER and fillers < MAX_FILLERS:
                    fillers += 1
                elif skipped < gap:
                    skipped += 1
                else:
                    break
                edge -= 1
        return reached


@functools.cache
def matcher() -> Matcher:
    """The lexicons of every language, compiled once per process."""
    return Matcher(load_lexicons())
