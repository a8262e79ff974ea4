"""Which entry of a topic answers a question: word similarity, then the keywords the question names.

Within one intent the entries share most of their words (住民票, 国保, 払う), so what tells them apart is the
rest of the question: 更新 or 申請, 払い方 or 計算, 取れますか or 取れない. Each entry is a bag of Sudachi
normalised content words (short and long units, so 印鑑登録証 also counts as 印鑑 and 登録) from its title
and example questions (weighed most), keywords and answer, with a negation marker when a verb is negated;
TF-IDF over all entries and a cosine against the question rank them, and the entry's keywords found in the
question break near-ties.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.nlu.folding import fold
from bot.nlu.message import Message
from bot.nlu.registry import create
from bot.nlu.tokenizer import SudachiTokenizer

# 代名詞 included: the question words いつ, 誰, どこ tell 納期 from 納税義務者 (固定資産税はいつ/誰が払う)
CONTENT_POS = {"名詞", "代名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞"}
NEGATIONS = {"ない", "ぬ", "ず"}  # 取れない, 払えず: the question is about something failing
NEGATED = "neg:ない"
# 出さないといけない, 行かなくてもいい: a duty or its absence, not something failing; dropped before the words are read
OBLIGATION = re.compile(
    r"(?:ないと|なければ|なきゃ|なくては|なくちゃ)(?:いけない|いけません|ならない|なりません|だめ|ダメ|駄目)|なくて(?:も)?(?:いい|よい|良い|大丈夫)"
)
FIELD_WEIGHTS = {"title": 3.0, "examples": 3.0, "keywords": 2.0, "answer": 0.5}
EXAMPLE_WEIGHT = 0.3  # the share of the closest question (title or example) in the score
NEGATION_WEIGHT = 0.15  # how far a negated question leans to entries about something failing
KEYWORD_WEIGHT = 0.05  # the share of the score that keywords matched verbatim add, at most
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_HIRAGANA_RUN = re.compile(r"[\u3041-\u309fー]+")
MIN_READING = 3  # a shorter reading (いつ, とき, かた) matches too much ordinary hiragana
TOPIC_SHARE = 0.7  # a noun most entries of the topic carry (住民票 6 of 6, 戸籍 5 of 7) names the topic, not an entry

_TOKENIZERS: list[SudachiTokenizer] = []
_LOCK = threading.Lock()


class Candidate(Protocol):
    id: str
    keywords: list[str]  # folded


C = TypeVar("C", bound=Candidate)


def _tokenizers() -> list[SudachiTokenizer]:
    with _LOCK:
        if not _TOKENIZERS:
            for mode in ("A", "C"):
                tokenizer = create("SudachiTokenizer", {"mode": mode}, {})
                assert isinstance(tokenizer, SudachiTokenizer)
                _TOKENIZERS.append(tokenizer)
        return _TOKENIZERS


def readings(text: str) -> Counter[tuple[str, str]]:
    """(hiragana reading, written form) of the nouns of `text` written otherwise than in hiragana (住民票, 国保,
    マイナンバーカード), in both split modes."""
    out: Counter[tuple[str, str]] = Counter()
    for tokenizer in _tokenizers():
        for token in tokenizer.tokenize(Message.build(text).norm):
            if token.pos == "名詞" and len(token.reading) >= MIN_READING and token.text != token.reading:
                out[token.reading, token.text] += 1
    return out


def nouns(text: str) -> set[str]:
    """The normalised nouns of `text`, in both split modes."""
    norm = Message.build(text).norm
    return {t.norm for tokenizer in _tokenizers() for t in tokenizer.tokenize(norm) if t.pos == "名詞"}


def terms(text: str) -> list[str]:
    """Normalised content words of both split modes, plus a marker when a verb is negated."""
    norm = OBLIGATION.sub("", Message.build(text).norm)
    out = []
    for tokenizer in _tokenizers():
        for token in tokenizer.tokenize(norm):
            if token.pos in CONTENT_POS:
                out.append(token.norm)
            elif token.pos == "助動詞" and token.norm in NEGATIONS:
                out.append(NEGATED)
    return out


@dataclass
class EntryText:
    """What an entry is matched on: its weighted words, and the terms of each question it answers (its title and
    example questions)."""

    bag: dict[str, float]
    questions: list[list[str]]
    named: frozenset[str] = frozenset()  # the terms of its title, keywords and example questions
    readings: Counter[tuple[str, str]] | None = None  # (reading, written form) of its title, keywords and examples


def entry_text(title: str, answer: str, keywords: Iterable[str], examples: Iterable[str]) -> EntryText:
    """From the entry as written (before folding, which Sudachi reads less well). A negation in the answer says
    nothing about what the entry is about, so only the title, keywords and examples carry one."""
    fields = [("title", title), ("answer", _PLACEHOLDER.sub("", answer))]
    fields += [("keywords", k) for k in keywords] + [("examples", q) for q in examples]
    bag: defaultdict[str, float] = defaultdict(float)
    named: set[str] = set()
    spelled: Counter[tuple[str, str]] = Counter()
    for name, text in fields:
        for term in terms(text):
            if name != "answer" or term != NEGATED:
                bag[term] += FIELD_WEIGHTS[name]
            if name != "answer":
                named.add(term)
        if name != "answer":
            spelled.update(readings(text))
    return EntryText(dict(bag), [terms(q) for q in (title, *examples)], frozenset(named), spelled)


class Selector:
    """Unit TF-IDF vectors of the entries and of their questions (sublinear term weights, smoothed idf over every
    entry): an entry scores its cosine with the question, plus EXAMPLE_WEIGHT times that of its closest example."""

    def __init__(self, texts: dict[str, EntryText]) -> None:
        df = Counter(t for text in texts.values() for t in text.bag)
        n = len(texts)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.vectors = {entry_id: self._unit(text.bag) for entry_id, text in texts.items()}
        self.questions = {
            entry_id: [self._unit(Counter(q)) for q in text.questions] for entry_id, text in texts.items()
        }
        self.named = {entry_id: text.named for entry_id, text in texts.items()}
        spelled: Counter[tuple[str, str]] = Counter()
        for text in texts.values():
            spelled.update(text.readings or Counter())
        self.spellings: dict[str, str] = {}  # reading -> the written form the entries use most
        for (reading, written), _ in sorted(spelled.items(), key=lambda kv: -kv[1]):
            self.spellings.setdefault(reading, written)
        self.longest_reading = max(map(len, self.spellings), default=0)

    def respell(self, text: str) -> str:
        """`text` with the hiragana words the entries write otherwise in their written form: じゅうみんひょう →
        住民票, こくほのほけんりょう → 国保の保険料 (longest reading first, from the left of each hiragana run)."""

        def run(match: re.Match[str]) -> str:
            kana, out, i = match.group(), [], 0
            while i < len(kana):
                for j in range(min(len(kana), i + self.longest_reading), i + MIN_READING - 1, -1):
                    if kana[i:j] in self.spellings:
                        out.append(self.spellings[kana[i:j]])
                        i = j
                        break
                else:
                    out.append(kana[i])
                    i += 1
            return "".join(out)

        return _HIRAGANA_RUN.sub(run, Message.build(text).norm)

    def bare(self, candidates: Sequence[C], text: str, query: Iterable[str]) -> bool:
        """Whether the question names nothing beyond the topic: each of its words is unknown to every entry, or a
        noun that names the topic (at least TOPIC_SHARE of the entries carry it). A verb the entries know (取る,
        払う) already leans to some entry, as 払い方 to how to pay."""
        share = Counter(t for e in candidates for t in self.named.get(e.id, ()))
        topic = {t for t in nouns(text) if share[t] >= TOPIC_SHARE * len(candidates)}
        return all(t in topic or not share[t] for t in query)

    def _unit(self, bag: Mapping[str, float]) -> dict[str, float]:
        weights = {t: (1 + math.log(c) if c >= 1 else c) * self.idf[t] for t, c in bag.items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def best(self, candidates: Sequence[C], text: str) -> C:
        """The candidate most like `text`; on a tie the first, the topic's main entry."""
        text = self.respell(text)
        words = terms(text)
        if self.bare(candidates, text, words):
            return candidates[0]
        query = self._unit(Counter(words))
        hits = keyword_hits(candidates, text)
        top = max(hits.values(), default=0.0) or 1.0

        def cosine(vector: Mapping[str, float]) -> float:
            return sum(w * vector.get(t, 0.0) for t, w in query.items())

        negated = NEGATED in query

        def score(entry: C) -> float:
            questions = self.questions.get(entry.id, [])
            closest = max(map(cosine, questions), default=0.0)
            failing = negated and any(NEGATED in q for q in questions)  # 取れないとき asks for 取れない, not 取れる
            return (
                cosine(self.vectors.get(entry.id, {}))
                + EXAMPLE_WEIGHT * closest
                + KEYWORD_WEIGHT * hits[entry.id] / top
                + NEGATION_WEIGHT * failing
            )

        return max(candidates, key=lambda e: (round(score(e), 6), -candidates.index(e)))


def keyword_hits(candidates: Sequence[C], text: str) -> dict[str, float]:
    """Per entry, the length of its keywords found in `text`, a keyword shared by k entries counting 1/k, and one
    found only inside a longer matched keyword (マイナンバー inside マイナンバーカード) not at all."""
    folded = fold(text)
    df = Counter(k for e in candidates for k in set(e.keywords))
    matched = {k for k in df if k and k in folded}
    matched = {k for k in matched if not any(k != m and k in m for m in matched)}
    return {e.id: sum(len(k) / df[k] for k in set(e.keywords) if k in matched) for e in candidates}
