"""The understander: a message's words against weighted cues, with structure for questions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from stop_words import get_stop_words

from bot.domain.models import Programme
from bot.domain.routing.analyser import Analyser
from bot.domain.routing.compounds import CompoundSplitter
from bot.domain.routing.spelling import SpellingCorrector
from bot.domain.routing.stemmer import stem
from bot.domain.routing.stopwords import STOP_WORDS
from bot.domain.routing.text import normalise
from bot.domain.routing.thesaurus import Thesaurus, load_thesaurus
from bot.domain.understanding import lexicon
from bot.domain.understanding.intents import COORDINATOR_INTENTS, ROLES, Intent
from bot.domain.understanding.themes import ThemeGuesser

_MENTION = re.compile(r"<at>[^<]*</at>|@\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CLAUSE = re.compile(r"[,.;:!?]+")  # where one clause of a message ends and the next begins
_COMMAND_PREFIX = re.compile(r"^\s*(?:sparring)?(?:vraag|question)\s*:\s*", re.IGNORECASE)
UNKNOWN_SCORE = 1.6  # below this nothing was recognised: the pseudo-score of "unknown"
TEMPERATURE = 0.5  # softmax temperature: a lead of one point is about 7 to 1
SURE = 0.6  # below this confidence the bot asks "Bedoel je ...?"
ROLE_PRIOR = 0.6
# What a message asks for is said in its first sentences; reading further only costs time (the
# spelling corrector and the cues grow with the words). A longer text is read up to here, and a
# question keeps every character in its ``question`` slot.
MAX_READ_CHARS = 400


@dataclass(frozen=True)
class Guess:
    """One ranked reading of a message."""

    intent: Intent
    confidence: float


@dataclass(frozen=True)
class Understanding:
    """What a message means.

    Attributes:
        intent: The best reading.
        slots: ``document_kind``, ``theme`` and ``question`` where found.
        confidence: 0..1; below ``sure`` the bot should offer ``alternatives``.
        alternatives: The next best readings, best first (at most three, never ``unknown``).
    """

    intent: Intent
    slots: dict[str, str]
    confidence: float
    alternatives: tuple[Guess, ...] = field(default=())

    @property
    def sure(self) -> bool:
        """True when the bot may act without asking "Bedoel je ...?"."""
        return self.confidence >= SURE

    def as_record(self) -> dict[str, object]:
        """The contract's JSON fields (``intent``, ``slots``, ``confidence``), without an id."""
        return {"intent": self.intent.value, "slots": dict(self.slots), "confidence": self.confidence}


@dataclass
class _Token:
    word: str  # normalised and, where it was a typo, corrected
    stem: str
    doc: str | None = None  # the document kind it names


@dataclass(frozen=True)
class _Element:
    words: frozenset[str]
    stems: frozenset[str]
    prefixes: tuple[str, ...]
    document: bool

    def matches(self, token: _Token) -> bool:
        # str.startswith takes the whole tuple of prefixes at once (and an empty tuple matches nothing).
        return ((self.document and token.doc is not None) or token.word in self.words or token.stem in self.stems
                or token.word.startswith(self.prefixes))


@dataclass(frozen=True)
class _Pattern:
    elements: tuple[_Element, ...]
    start: bool
    end: bool
    more: bool  # something must follow the match ("vraag: ...", not "vraag" alone)

    def match(self, tokens: Sequence[_Token]) -> tuple[int, ...] | None:
        """The positions the pattern covers, earliest match first, or ``None``."""
        first = range(1) if self.start else range(len(tokens))
        for position in first:
            found = self._from(tokens, 0, position)
            if found is not None:
                return found
        return None

    def _from(self, tokens: Sequence[_Token], number: int, position: int) -> tuple[int, ...] | None:
        if position >= len(tokens) or not self.elements[number].matches(tokens[position]):
            return None
        if number == len(self.elements) - 1:
            last = position == len(tokens) - 1
            return None if (self.end and not last) or (self.more and last) else (position,)
        for following in range(position + 1, min(len(tokens), position + 2 + lexicon.GAP)):
            rest = self._from(tokens, number + 1, following)
            if rest is not None:
                return (position, *rest)
        return None


def _is_cancel_phrase(words: list[str]) -> bool:
    """Whether ``words`` are a cancel phrase: as typed, without fillers ("stop nou"), or after a
    leading "nee", which only stresses what follows ("nee ik wil niet verder")."""
    without_filler = [w for w in words if w not in lexicon.FILLER]
    without_no = without_filler[1:] if without_filler[:1] in (["nee"], ["no"]) else without_filler
    return any(" ".join(form) in lexicon.CANCEL_PHRASES for form in (words, without_filler, without_no))


def _compile(pattern: str) -> _Pattern:
    start, end, more = pattern.startswith("^"), pattern.endswith("$"), pattern.endswith("+")
    elements = []
    for part in pattern.strip("^$+").split():
        # A word group may stand as one alternative among others ("{DOC}|{DOCWORD}").
        alternatives = [word for a in part.split("|")
                        for word in (lexicon.GROUPS[a[1:-1]].split() if a[1:-1] in lexicon.GROUPS else [a])]
        document = "{DOC}" in alternatives
        alternatives = [a for a in alternatives if a != "{DOC}"]
        words = frozenset(a.lstrip("=") for a in alternatives if not a.endswith("*"))
        stemmed = frozenset(stem(a) for a in alternatives if a[0] != "=" and not a.endswith("*") and len(a) > 3)
        elements.append(_Element(words, stemmed, tuple(a[:-1] for a in alternatives if a.endswith("*")), document))
    return _Pattern(tuple(elements), start, end, more)


class Understander:
    """Reads messages; build once (it compiles the cues and indexes the vocabulary)."""

    def __init__(self, *, themes: Iterable[str] = Programme.themes, thesaurus: Thesaurus | None = None):
        """Prepare the cues, the spelling targets and the theme profiles.

        Args:
            themes: The programme's themes (for the ``theme`` slot of questions).
            thesaurus: The routing thesaurus (default: the packaged one).
        """
        thesaurus = thesaurus or load_thesaurus()
        self._analyser = Analyser(thesaurus, lexicon.DOMAIN_WORDS)
        self._themes = ThemeGuesser(themes, self._analyser)
        self._cues = [(cue, _compile(cue.pattern)) for cue in lexicon.CUES]
        self._documents: dict[str, str] = {}
        self._document_phrases: list[tuple[tuple[str, ...], str]] = []
        for kind, entries in lexicon.DOCUMENT_WORDS.items():
            for entry in entries:
                words = tuple(normalise(entry).replace("-", " ").split())
                if len(words) == 1:
                    self._documents[stem(words[0])] = kind
                else:
                    self._document_phrases.append((words, kind))
        self._document_phrases.sort(key=lambda item: -len(item[0]))
        # What a kind's word may start a compound with: the kind's own words and the first word of
        # its phrases ("ambitie" of "ambitie brief"), long enough to be the kind's and nothing else's.
        self._document_heads = dict(self._documents)
        for words, kind in self._document_phrases:
            if len(words[0]) >= 7:
                self._document_heads.setdefault(stem(words[0]), kind)
        domain = {key for key in thesaurus.keys if " " not in key} | {stem(w) for w in lexicon.DOMAIN_WORDS}
        self._domain = frozenset(domain)
        self._splitter = CompoundSplitter(domain)
        written = " ".join([cue.pattern for cue in lexicon.CUES] + list(lexicon.GROUPS.values()))
        targets = set(re.findall(r"[a-z][a-z'-]*", written))
        # A prefix ("voorbeeld*") stands for its inflections, and those are what people mistype.
        targets |= {p + ending for p in re.findall(r"([a-z]+)\*", written) for ending in ("en", "s", "e", "ingen")}
        targets |= {w for entries in lexicon.DOCUMENT_WORDS.values() for e in entries for w in normalise(e).split()}
        targets |= lexicon.GREETINGS | lexicon.THANKS | {w for p in lexicon.CANCEL_PHRASES for w in p.split()}
        targets = {t for t in targets if t not in {"doc", "groups"}}
        # Every word the lexicon itself lists is known as it is: "there" (in "hey there") is not a typo of "where".
        known = set(STOP_WORDS) | set(lexicon.COMMON_WORDS) | set(lexicon.DOMAIN_WORDS) | lexicon.FILLER
        known |= lexicon.ADDRESS | lexicon.THANKS_COMPANY | lexicon.PEER_MARKERS | lexicon.QUESTION_STARTS
        known |= {w for phrase in lexicon.GREETING_PHRASES for w in phrase}  # "good afternoon" is no typo of "goede"
        known |= {w for key in thesaurus.keys for w in key.split()}
        self._spelling = SpellingCorrector(targets=targets, known=known)
        # Words that do not count against a command in a longer message: Dutch function words and,
        # for English messages, the stop-words package's English list ("Could I share our ... with
        # you?" is as much a hand-in as "mag ik ... inleveren?"). Only the damping reads these: a
        # question's own score still counts English words as it did.
        self._function_words = frozenset(STOP_WORDS) | {normalise(w) for w in get_stop_words("en") if w.isalpha()}
        # Every word a message of cancel phrases alone can hold: anything else rules that reading out at once.
        self._cancel_vocabulary = ({w for phrase in lexicon.CANCEL_PHRASES for w in phrase.split()}
                                   | lexicon.FILLER | {"nee", "no"})

    def understand(self, text: str, *, role: str = "participant") -> Understanding:
        """Read one message.

        Args:
            text: The message as typed (mentions and markup are ignored).
            role: ``coordinator``, ``colleague``, ``adviser`` or ``participant`` (shifts priors).

        Returns:
            The intent, its slots, a confidence and the ranked alternatives.

        Raises:
            ValueError: ``role`` is not one of the four.
        """
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
        cleaned = " ".join(_MENTION.sub(" ", text or "").split())
        read = cleaned[:MAX_READ_CHARS].rsplit(" ", 1)[0] if len(cleaned) > MAX_READ_CHARS else cleaned
        tokens, greeted = self._tokens(read)
        scores = self._scores(tokens, cleaned=read, greeted=greeted, role=role)
        return self._decide(scores, tokens, cleaned=cleaned)

    def suggest_theme(self, question: str) -> str | None:
        """The programme theme a question is clearly about, or ``None`` when that is not clear.

        Reads at most :data:`MAX_READ_CHARS` characters, like :meth:`understand`.
        """
        return self._themes.guess(" ".join((question or "").split())[:MAX_READ_CHARS])

    def _words(self, text: str) -> list[str]:
        """The normalised words of ``text``, typos put right."""
        return [self._spelling.correct(w.replace("'", "")) for w in _TOKEN.findall(normalise(text))]

    def _tokens(self, cleaned: str) -> tuple[list[_Token], bool]:
        words = self._words(cleaned)
        greeted = False
        while words:  # "Hallo Sparringbot, ..." and "goede morgen": the greeting and the address go
            if words[0] in lexicon.GREETINGS or (greeted and words[0] in lexicon.ADDRESS):
                words, greeted = words[1:], True
            elif tuple(words[:2]) in lexicon.GREETING_PHRASES:
                words, greeted = words[2:], True
            else:
                break
        tokens = [_Token(w, stem(w)) for w in words]
        self._mark_documents(tokens)
        return tokens, greeted

    def _mark_documents(self, tokens: list[_Token]) -> None:
        words = [t.word for t in tokens]
        for phrase, kind in self._document_phrases:
            for start in range(len(words) - len(phrase) + 1):
                if tuple(words[start:start + len(phrase)]) == phrase and all(t.doc is None for t in
                                                                           tokens[start:start + len(phrase)]):
                    for token in tokens[start:start + len(phrase)]:
                        token.doc = kind
        for token in tokens:
            if token.doc is None:
                token.doc = self._document_kind(token)

    def _document_kind(self, token: _Token) -> str | None:
        if token.stem in self._documents:
            return self._documents[token.stem]
        # Compounds that end in a kind: "schoolaccountplan", "voorbeeldambitiebrief".
        for key, kind in self._documents.items():
            if len(key) >= 7 and len(token.stem) > len(key) and token.stem.endswith(key):
                return kind
        # A kind's word joined to a generic one: "evaluatiedocument", "accountplanbestand", "ambitiestuk".
        for ending in lexicon.GENERIC_DOCUMENT_ENDINGS:
            head = token.word[:-len(ending)] if token.word.endswith(ending) else ""
            if len(head) >= 6:
                kind = self._document_heads.get(stem(head)) or self._document_heads.get(head)
                if kind is not None:
                    return kind
        return None

    def _scores(self, tokens: list[_Token], *, cleaned: str, greeted: bool, role: str) -> dict[Intent, float]:
        scores: dict[Intent, float] = {}
        words = [t.word for t in tokens]
        content = [i for i, t in enumerate(tokens)
                   if t.word not in self._function_words and t.word not in lexicon.FILLER
                   and t.doc is None and len(t.word) > 1 and not t.word.isdigit()]
        matched: dict[Intent, list[float]] = {}
        for cue, pattern in self._cues:
            found = pattern.match(tokens)
            if found is None:
                continue
            residual = sum(1 for i in content if i not in found)
            matched.setdefault(cue.intent, []).append(cue.weight - cue.damp * residual)
        for intent, values in matched.items():
            values.sort(reverse=True)
            scores[intent] = values[0] + 0.2 * sum(1 for v in values[1:3] if v > 0)
        scores[Intent.ASK_QUESTION] = max(scores.get(Intent.ASK_QUESTION, 0.0),
                                          self._question_score(tokens, cleaned=cleaned))
        self._social(scores, words, greeted=greeted, cleaned=cleaned)
        self._destructive(scores, tokens, _CLAUSE.split(cleaned))
        for intent in list(scores):
            if scores[intent] <= 0:
                continue
            if intent in COORDINATOR_INTENTS:
                scores[intent] += ROLE_PRIOR if role == "coordinator" else -ROLE_PRIOR
            elif intent is Intent.MY_REQUESTS:
                scores[intent] += ROLE_PRIOR if role in ("colleague", "adviser") else -ROLE_PRIOR / 2
            elif intent is Intent.MY_QUESTIONS and role == "participant":
                scores[intent] += ROLE_PRIOR / 2
        return {intent: score for intent, score in scores.items() if score > 0}

    def _question_score(self, tokens: list[_Token], *, cleaned: str) -> float:
        if not tokens:
            return 0.0
        domain = other = 0
        for token in tokens:
            if token.word in STOP_WORDS or token.word in lexicon.FILLER or len(token.word) < 2 or token.word.isdigit():
                continue
            if token.doc or token.stem in self._domain or any(p in self._domain for p in
                                                              self._splitter.split(token.word)):
                domain += 1
            else:
                other += 1
        shaped = "?" in cleaned or tokens[0].word in lexicon.QUESTION_STARTS
        peer = any(t.word in lexicon.PEER_MARKERS for t in tokens)
        score = 0.8 * shaped + 0.8 * peer + 0.7 * min(domain, 5) + 0.15 * min(other, 6)
        if not domain and not peer:
            # A question about the weather is no sparring question: leave it below "unknown".
            score = min(score, UNKNOWN_SCORE - 0.2)
        return score

    def _social(self, scores: dict[Intent, float], words: list[str], *, greeted: bool, cleaned: str) -> None:
        rest = [w for w in words if w not in lexicon.ADDRESS and w not in lexicon.FILLER]
        if greeted and not rest:
            scores[Intent.GREETING] = 4.0
        thanked = [i for i, w in enumerate(words) if w in lexicon.THANKS]
        if thanked:
            company = lexicon.THANKS | lexicon.THANKS_COMPANY | lexicon.FILLER | lexicon.ADDRESS | lexicon.GREETINGS
            if all(w in company for w in words):
                scores[Intent.THANKS] = 4.0
            elif thanked[0] < 3 and "?" not in cleaned:
                scores[Intent.THANKS] = 2.6
            else:
                scores[Intent.THANKS] = 1.0

    def _destructive(self, scores: dict[Intent, float], tokens: list[_Token], clauses: Sequence[str]) -> None:
        # Only explicit wording earns these two; no cue in the table can produce them.
        scores.pop(Intent.CANCEL, None)
        scores.pop(Intent.DELETE_MY_DATA, None)
        words = [t.word for t in tokens]
        if _is_cancel_phrase(words):
            scores[Intent.CANCEL] = 5.0
        elif len(clauses) > 1 and set(words) <= self._cancel_vocabulary and self._only_cancelling(clauses):
            scores[Intent.CANCEL] = 5.0
        if self._asks_erasure(words):
            scores[Intent.DELETE_MY_DATA] = 5.0

    def _only_cancelling(self, clauses: Sequence[str]) -> bool:
        """Whether the message is cancel phrases and nothing else: "laat maar, ik stop ermee", "nee. stop"."""
        said = [words for words in map(self._words, clauses) if words]
        cancelling = [_is_cancel_phrase(words) for words in said]
        # Besides cancel phrases, a clause may be a bare "nee" or fillers alone.
        neutral = [[w for w in words if w not in lexicon.FILLER] in ([], ["nee"], ["no"]) for words in said]
        return len(said) > 1 and any(cancelling) and all(c or n for c, n in zip(cancelling, neutral, strict=True))

    def _asks_erasure(self, words: list[str]) -> bool:
        verbs = lexicon.GROUPS["DEL"].split()
        erase = [i for i, w in enumerate(words)
                 if any(w.startswith(v[:-1]) if v.endswith("*") else w == v for v in verbs)]
        erase += [i for i, w in enumerate(words) if w in lexicon.SEPARABLE_ERASE and "weg" in words[i + 1:i + 7]]
        if not erase or any(w in lexicon.NEGATIONS for w in words) or any(w in lexicon.DELETE_INFO_MARKERS
                                                                          for w in words):
            return False
        personal = set(lexicon.GROUPS["PERSONAL"].split())
        mine = {"mijn", "my", "al", "all"}
        owned = any(w in personal and any(words[j] in mine for j in range(max(0, i - 3), i))
                    for i, w in enumerate(words))
        about_me = any(words[i] in ("alles", "alle", "everything", "all") and any(
            words[j] in ("mij", "me") and words[j - 1] in ("over", "van", "about", "of", "je", "you")
            for j in range(i + 1, min(len(words), i + 6))) for i in range(len(words)))
        if not (owned or about_me):
            return False
        # The verb must be near what it erases: "verwijder ... mijn gegevens" in one clause.
        targets = [i for i, w in enumerate(words) if w in personal or w in ("alles", "everything")]
        return any(abs(i - j) <= 5 for i in erase for j in targets)

    def _decide(self, scores: dict[Intent, float], tokens: list[_Token], *, cleaned: str) -> Understanding:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], list(Intent).index(item[0])))
        weights = {intent: math.exp(score / TEMPERATURE) for intent, score in ranked}
        weights[Intent.UNKNOWN] = math.exp(UNKNOWN_SCORE / TEMPERATURE)
        total = sum(weights.values())
        if ranked and ranked[0][1] >= UNKNOWN_SCORE:
            intent = ranked[0][0]
        else:
            intent = Intent.UNKNOWN
        confidence = round(weights[intent] / total, 3)
        alternatives = tuple(Guess(i, round(weights[i] / total, 3)) for i, _ in ranked if i is not intent)[:3]
        return Understanding(intent, self._slots(intent, tokens, cleaned), confidence, alternatives)

    def _slots(self, intent: Intent, tokens: list[_Token], cleaned: str) -> dict[str, str]:
        slots: dict[str, str] = {}
        if intent in (Intent.GREETING, Intent.THANKS, Intent.CANCEL, Intent.UNKNOWN, Intent.HELP):
            return slots
        kinds = [t.doc for t in tokens if t.doc]
        if kinds:
            slots["document_kind"] = kinds[0]
        if intent is Intent.ASK_QUESTION:
            question = _COMMAND_PREFIX.sub("", cleaned).strip()
            topical = [t for t in tokens if t.word not in STOP_WORDS and t.word not in lexicon.FILLER]
            if question and len(topical) >= 2:
                slots["question"] = question
                theme = self._themes.guess(question[:MAX_READ_CHARS])
                if theme:
                    slots["theme"] = theme
        return slots
