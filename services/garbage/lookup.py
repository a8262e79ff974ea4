"""Find the item a citizen means, in memory, in well under a millisecond for the usual question.

The index is built once from the database (see service.py). Each item is reachable by the keys of its full
name and synonyms (tier 0), of its name without qualifiers, 傘（金属製） → 傘 (tier 1), and of each `・`-joined
part (tier 2). A question is cut down to the item phrase first (「スプレー缶は何ごみ？」 → スプレー缶); then,
in order: exact keys of the phrase, of its head before a particle (「傘は材質によって…」 → 傘), the longest
name the phrase ends with (「飲み薬のびん」 → 薬びん), exact keys of its nouns, names containing the phrase,
and fuzzy matching of the folded spelling and reading. An exact name answers at once and brings its variants
along (乾電池, with 乾電池（筒型） offered); of several variants, the one whose qualifier the question states
answers (「金属のちりとり」 → ちりとり（金属製））; a reading alone never joins two different kanji spellings
(投棄 is not 陶器).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from .normalize import (
    bare_key,
    base_name,
    is_kana,
    name_parts,
    norm_key,
    phonetic,
    qualifiers,
    reading_key,
    text_key,
    tokens,
)

MAX_CHOICES = 5
FUZZY_ANSWER = 88  # a fuzzy score at least this high answers; lower ones are only offered as near matches
FUZZY_NEAR = 60
NEAR_MATCHES = 3
MIN_CONTAINED_CHUNK = 3  # nouns of a question looked for inside names from this length on (容器 is in too many)

# Question phrasing around the item name. Each pattern marks where the item phrase ends.
_TAILS = [
    re.compile(p)
    for p in (
        r"(は|って|とは|も)?(何|なに|なん)(の|で|に)?(ごみ|ゴミ|塵|種類|分別|区分|扱い|曜日|日)",
        r"(は|って|とは)(何|なに|なん|どれ|どの|どんな|どういう|どちら|どっち)",
        r"(の|を|は)?\s*(捨て方|すてかた|捨てかた|出し方|だしかた|出しかた|分別方法|分別|分け方|処分方法|処分の仕方)",
        r"(は|って|を|も)(どう|どこ|いつ|どのよう|どうやって)",
        r"(を|は)(捨て|すて|出し|処分|廃棄)(たい|る|ます|ても|たら|れ)",
        r"(捨て|すて|処分し|廃棄し)(たい|る|ます|ても|たら|れ)",
        r"(は|って)(燃える|燃えない|燃やせる|燃やせない|燃やす|燃やさない|可燃|不燃|資源|粗大|有害|危険)(ごみ|ゴミ|物)?(です|か|\?|？|$)",
        r"(について|を)?(教えて|知りたい|調べたい)",
        r"(です|でしょう|ですか)?[?？!！。.．]+$",
    )
]
# A question about getting rid of something (「…の出し方」「…を処分したい」), whatever the classifier read it as.
_DISPOSAL = re.compile(
    r"出し方|だしかた|出しかた|捨て方|すてかた|捨てかた|(何|なに|なん)(ごみ|ゴミ)|(捨て|すて)(たい|る|ます|れば|ても)|処分|廃棄|分別"
    r"|(どう|どうやって|どのように)(して)?(出|だす|だせ|だし|捨て|すて)|出せ(る|ます)|出して(も)?(いい|よい|大丈夫)"
)
_LEADING = re.compile(r"^(すみません|すいません|あの|えっと|ちょっと|ごみの分別で|分別で|質問です)[、,。\s]*")
_CHUNK_POS = {"名詞", "接頭辞", "接尾辞"}
_PARTICLE = "助詞"
_AND = {"と", "や", "、", ","}  # 「空き缶とびん」 names two items
_NOT_HEAD = {"の", *_AND}  # ヤクルトの容器 is one phrase; 傘は…, 扇風機が… end the item at the particle
_NOT_ITEMS = {
    text_key(w)
    for w in (
        "ごみ",
        "ゴミ",
        "もの",
        "物",
        "こと",
        "何",
        "分別",
        "捨て方",
        "出し方",
        "方法",
        "種類",
        "日",
        "曜日",
        "地区",
        "うち",
        "家",
        "今日",
        "明日",
    )
}
# Words that tell no variant from another.
_GENERIC = {
    text_key(w)
    for w in ("入り", "以外", "無し", "なし", "製品", "もの", "など", "その他", "製", "物", "用", "式", "等")
}
_MADE_OF = "製式用"  # 木製, 電池式, 家庭用
_NEGATIONS = ("以外", "無し", "なし", "含まない")  # 薬びん（飲み薬以外）: the variant is everything but its qualifier


@dataclass(frozen=True)
class Entry:
    """An item as replies need it."""

    name: str
    reading: str
    category: str
    notes: str = ""
    remarks: str = ""
    bulky_fee: str = ""
    area: str = ""
    source: str = ""
    priority: int = 100
    position: int = 0


@dataclass
class Match:
    """`kind` is "item" (answer items[0]), "choices" (let the citizen pick from items) or "none".

    `how` says how sure the match is: "exact" keys, names "containing" the phrase, "fuzzy" spelling, or "none".
    """

    kind: str
    query: str
    items: list[Entry] = field(default_factory=list)
    how: str = "exact"
    variants: list[Entry] = field(default_factory=list)  # other items of the answered name's family, as buttons
    whole: bool = False  # the question's item phrase itself (or its head) is the item's name: not a noun inside it

    @property
    def fuzzy(self) -> bool:
        """Found by spelling similarity: the reply names the item it chose."""
        return self.how == "fuzzy"

    @property
    def best(self) -> Entry | None:
        return self.items[0] if self.items else None

    @property
    def clipped(self) -> bool:
        """The question's word only begins the answered item's name: ペット of ペットボトル (see `only_begins`)."""
        return self.kind != "none" and self.best is not None and only_begins(self.query, self.best.name)

    def named_in(self, text: str) -> bool:
        """The message names the item: a clipped word only when the message asks how to get rid of it
        (「ペットの出し方」 is ペットボトル; 「ペットが死んだら」「ペットの火葬」 are about an animal)."""
        return not self.clipped or gets_rid_of(text, self.query)


def item_phrase(text: str) -> str:
    """The item phrase of a question: 「スプレー缶は何ごみですか？」 → スプレー缶."""
    text = _LEADING.sub("", unicodedata.normalize("NFKC", text or "").strip())
    cut = len(text)
    for pattern in _TAILS:
        for m in pattern.finditer(text):
            if m.start() > 0:
                cut = min(cut, m.start())
                break
    return text[:cut].strip(" 　、,。?!「」『』\"'")


def asks_disposal(text: str) -> bool:
    """The message asks how to get rid of something: 「駐車場ポールの出し方」, 「…を処分したい」."""
    return bool(_DISPOSAL.search(unicodedata.normalize("NFKC", text or "")))


def gets_rid_of(text: str, word: str) -> bool:
    """The message asks how to get rid of `word` itself, the word its item phrase ends with: 「ペットの出し方」,
    「古い自転車を処分したい」; not 「ペットが死んだので処分したい」, where the pet is a word before it."""
    return asks_disposal(text) and item_phrase(text).replace("の", "").endswith(word.replace("の", ""))


def only_begins(word: str, name: str) -> bool:
    """`word` is only the beginning of the name, cut inside its compound: ペット of ペットボトル (the bottle, while
    ペット alone is an animal). Not a word the name has whole: ソファ of ソファー（７０㎝を超えるもの）, ガスライター
    of オイルライター・ガスライター, USBメモリ of USBメモリなどの記録媒体 (a particle follows it)."""
    key = bare_key(word)
    forms = [base_name(name), *name_parts(name)]
    if not key or any(bare_key(form) == key for form in forms):
        return False
    for form in forms:
        words = [t for t in tokens(form) if bare_key(t.text)]
        spelled = ""
        for k, tok in enumerate(words):
            spelled += bare_key(tok.text)
            if len(spelled) >= len(key):
                inside = len(spelled) > len(key) or (k + 1 < len(words) and words[k + 1].pos in _CHUNK_POS)
                if spelled.startswith(key) and inside:
                    return True
                break
    return False


@lru_cache(maxsize=20000)
def content_words(text: str) -> frozenset[str]:
    """The folded nouns of a text that could tell one variant from another: 「金属製の駐車場ポール」 → 金属製,
    駐車場, ポール; not the question's own words (ごみ, 出し方) nor words every kind of item has (入り, 製品)."""
    return frozenset(
        key
        for tok in tokens(unicodedata.normalize("NFKC", text))
        if tok.pos in _CHUNK_POS
        and (len(key := text_key(tok.text)) >= 2 or _kanji(key))  # 木 of 木製
        and key not in _NOT_ITEMS
        and key not in _GENERIC
    )


def _stem(word: str) -> str:
    """The material of 木製, 電池式: one-character words meet only their stems."""
    return word[:-1] if len(word) > 1 and word[-1] in _MADE_OF else word


def _says(word: str, evidence: frozenset[str]) -> bool:
    """A qualifier's word is in the question, or one contains the other (金属 and 金属製; プラ and プラスチック);
    a one-character word only as itself or its stem (木 is 木製 but not 木綿)."""
    return any(_stem(word) == _stem(e) or (min(len(word), len(e)) >= 2 and (word in e or e in word)) for e in evidence)


def qualifier_fit(name: str, evidence: frozenset[str], negated: bool) -> tuple[int, int, int]:
    """How many words of a name's qualifier the question says (金属 of ちりとり（金属製）), negative for a
    qualifier that excludes them (ちりとり（金属以外）) unless the question excludes them too; then how many
    as written, then fewer words it does not say (ハンガー（木製） before ハンガー（プラスチック製・木製））."""
    told = qualifiers(name)
    words = content_words(told) if told else frozenset()
    said = sum(_says(w, evidence) for w in words)
    sign = -1 if _negates(told) != negated else 1
    return sign * said, sum(w in evidence for w in words), said - len(words)


def _negates(text: str) -> bool:
    return any(n in text for n in _NEGATIONS)


def noun_chunks(phrase: str) -> list[str]:
    """Runs of nouns inside a phrase, as fallbacks: 昨日買ったフライパン → 昨日, フライパン."""
    out: list[str] = []
    chunk: list[str] = []
    for tok in [*tokens(phrase), None]:
        if tok is not None and tok.pos in _CHUNK_POS:
            chunk.append(tok.text)
            continue
        word = "".join(chunk)
        chunk = []
        if (
            word
            and word != phrase
            and word not in out
            and len(text_key(word)) >= 2
            and text_key(word) not in _NOT_ITEMS
        ):
            out.append(word)
    return out


def head(phrase: str) -> str:
    """The words before the first particle other than の: 「傘は材質によって」 → 傘; the phrase itself when none."""
    out: list[str] = []
    for tok in tokens(phrase):
        if tok.pos == _PARTICLE and tok.text not in _NOT_HEAD:
            break
        out.append(tok.text)
    return "".join(out)


def listed(phrase: str) -> list[str]:
    """The items of a phrase that names several, 「空き缶とびん」 → 空き缶, びん; [] for one."""
    parts, current = [], ""
    for tok in tokens(phrase):
        if tok.text in _AND and (tok.pos == _PARTICLE or not tok.pos.startswith("名詞")):
            parts.append(current)
            current = ""
        else:
            current += tok.text
    parts = [p for p in [*parts, current] if p]
    return parts if len(parts) > 1 else []


def _kanji(text: str) -> set[str]:
    return {
        ch for ch in text if unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "IDEOGRAPHIC ITERATION"))
    }


class Index:
    """Items by every key; build once, query many times. Same-named items of a lower-priority source are dropped."""

    def __init__(self, entries: list[Entry], synonyms: dict[str, list[str]] | None = None):
        self.entries = self._dedupe(entries)
        self.by_name: dict[str, list[int]] = {}
        self._keys: dict[str, dict[int, int]] = {}  # key -> {entry index: best tier}
        self._surface: list[tuple[str, int]] = []  # (text key, entry) for "contains"
        fuzzy: dict[str, set[int]] = {}
        for i, e in enumerate(self.entries):
            self.by_name.setdefault(e.name, []).append(i)
            names = [(e.name, 0)] + [(s, 0) for s in (synonyms or {}).get(e.name, [])]
            base = base_name(e.name)
            if base and base != e.name:
                names.append((base, 1))
            names += [(p, 2) for p in name_parts(e.name)]
            for name, tier in names:
                name_keys = {text_key(name), norm_key(name), reading_key(name)}
                if tier == 0 and name == e.name and e.reading:
                    name_keys.add(phonetic(e.reading))
                for key in filter(None, name_keys):
                    tiers = self._keys.setdefault(key, {})
                    tiers[i] = min(tier, tiers.get(i, tier))
                if tier < 2:
                    self._surface.append((text_key(name), i))
                    for key in (text_key(name), reading_key(name)):
                        fuzzy.setdefault(key, set()).add(i)
        self._fuzzy_keys = list(fuzzy)
        self._fuzzy_owners = [sorted(fuzzy[k]) for k in self._fuzzy_keys]

    @staticmethod
    def _dedupe(entries: list[Entry]) -> list[Entry]:
        """Keep, per name, the best-priority source's entries, and each distinct answer once."""
        best: dict[str, int] = {}
        for e in entries:
            k = text_key(e.name)
            best[k] = min(best.get(k, e.priority), e.priority)
        seen, out = set(), []
        for e in sorted(entries, key=lambda e: (e.priority, e.position)):
            answer = (text_key(e.name), e.category, e.notes, e.bulky_fee, e.area)
            if e.priority == best[text_key(e.name)] and answer not in seen:
                seen.add(answer)
                out.append(e)
        return out

    def __len__(self) -> int:
        return len(self.entries)

    def named(self, name: str) -> list[Entry]:
        """Items with exactly this name (a button's payload)."""
        return [self.entries[i] for i in self.by_name.get(name, [])]

    def _rank(self, hits: Mapping[int, float]) -> list[Entry]:
        order = sorted(
            hits, key=lambda i: (hits[i], self.entries[i].priority, len(self.entries[i].name), self.entries[i].position)
        )
        return [self.entries[i] for i in order]

    def _exact(self, phrase: str) -> dict[int, int]:
        # What was typed first; the reading only when the spelling finds nothing (傘 must not bring 笠), and never
        # between two kanji spellings (投棄 and 陶器 are both とうき).
        for group in ((text_key(phrase), norm_key(phrase)), (reading_key(phrase),)):
            hits: dict[int, int] = {}
            for key in filter(None, group):
                for i, tier in self._keys.get(key, {}).items():
                    hits[i] = min(tier, hits.get(i, tier))
            if group[0] != text_key(phrase):  # the reading group
                typed = _kanji(phrase)
                hits = {i: t for i, t in hits.items() if typed <= _kanji(self.entries[i].name)}
            if hits:
                close = {i: t for i, t in hits.items() if t < 2} or hits
                return close
        return {}

    def _containing(self, phrase: str) -> dict[int, int]:
        key = text_key(phrase)
        if len(key) < (3 if is_kana(key) else 2):  # これ, かさ would sit inside too many names
            return {}
        hits: dict[int, int] = {}
        for name_key, i in self._surface:
            if key in name_key:
                hits[i] = min(len(name_key) - len(key), hits.get(i, 999))
        return hits

    def _compound(self, phrase: str) -> tuple[str, dict[int, int]]:
        """The longest list name the phrase ends with, as typed or with its の dropped: 「飲み薬のびん」 → 薬びん,
        「陶器のレンゲ」 → レンゲ (the last noun names the thing, the words before it say which). A name starting
        inside a word must have three characters or more (電池 is not asked about in 単三電池); a one-character
        name must be a word after の (机 of 金属製の机)."""
        kana = is_kana(text_key(phrase))  # Sudachi cuts kana-only text into nonsense: taken whole
        words = [phrase] if kana else [t.text for t in tokens(phrase)]
        tails: set[str] = set()
        for kept in (words, [w for w in words if w != "の"]):
            starts = {len("".join(kept[:k])) for k in range(len(kept))}
            after_no = {len("".join(kept[:k])) for k in range(1, len(kept)) if kept[k - 1] == "の"}
            text = "".join(kept)
            tails.update(
                text[s:]
                for s in range(len(text))
                if text_key(text[s])  # not from a long-vowel mark: ー缶 would be 缶
                and (
                    len(text) - s >= MIN_CONTAINED_CHUNK
                    or (s in starts and not kana and len(text) - s > 1)
                    or (s in after_no and _kanji(text[s:]))  # 机 of 金属製の机, not 缶 of スプレ缶
                )
            )
        for tail in sorted(tails, key=len, reverse=True):
            # as typed before as read, a `・`-joined part only when no name has it whole (灯油ポンプ・石油ポンプ（手動）)
            hits = self._exact(tail) if text_key(tail) not in _NOT_ITEMS else {}
            if hits:
                return tail, hits
        return "", {}

    def _told(self, text: str, query: str, hits: dict[int, int]) -> dict[int, int]:
        """The variants whose qualifier the question states (「金属のちりとり」 → ちりとり（金属製）); all when it
        states none: only a real ambiguity (灯油ポンプ, hand or battery) is left to the citizen."""
        if len(hits) < 2:
            return hits
        own = text_key(query)
        evidence = frozenset(w for w in content_words(text) if w not in own)
        if not evidence:
            return hits
        negated = _negates(text)
        fit = {i: qualifier_fit(self.entries[i].name, evidence, negated) for i in hits}
        best = max(fit.values())
        return {i: t for i, t in hits.items() if fit[i] == best} if best[0] > 0 else hits

    def _choose(self, text: str, query: str, hits: dict[int, int], how: str = "exact", whole: bool = False) -> Match:
        """`_decide` among the variants the question states; the item's other variants are offered beside it."""
        told = self._told(text, query, hits)
        match = self._decide(query, told, how, whole)
        if told is not hits and match.kind == "item":
            answered = {e.name for e in match.items}
            rest = [e for e in [*match.variants, *self._rank(hits)] if e.name not in answered]
            match.variants = list({e.name: e for e in rest}.values())[:MAX_CHOICES]
        return match

    def _decide(self, phrase: str, hits: Mapping[int, float], how: str = "exact", whole: bool = False) -> Match:
        ranked = self._rank(hits)
        if how == "exact":
            named = [self.entries[i] for i in hits if hits[i] == 0]
            # An item's own name (as typed) first, else the best-ranked source's other names and synonyms.
            own = [e for e in named if text_key(e.name) == text_key(phrase)]
            first = min((e.priority for e in named), default=0)
            named = [e for e in ranked if e in (own or [n for n in named if n.priority == first])]
            if named and len({e.category for e in named}) == 1:  # the exact name answers; its family is offered
                variants = [e for e in ranked if e not in named and e.name not in {n.name for n in named}]
                return Match("item", phrase, named, how, variants[:MAX_CHOICES], whole)
        if len({e.category for e in ranked}) == 1 and (len(ranked) == 1 or how != "fuzzy"):
            others = [e for e in ranked if e.name != ranked[0].name]  # answered by the first; the rest offered
            return Match("item", phrase, ranked, how, others[:MAX_CHOICES], whole)
        return Match("choices", phrase, ranked[:MAX_CHOICES], how, whole=whole)

    def _near(self, phrase: str) -> dict[int, float]:
        scores: dict[int, float] = {}
        spelled, typed = text_key(phrase), _kanji(phrase)
        for key in {spelled, reading_key(phrase)}:
            if not key:
                continue
            for _, score, pos in process.extract(
                key, self._fuzzy_keys, scorer=fuzz.ratio, limit=20, score_cutoff=FUZZY_NEAR
            ):
                for i in self._fuzzy_owners[pos]:
                    guarded = key != spelled and not typed <= _kanji(self.entries[i].name)
                    # another kanji spelling of the same reading is only suggested, never answered
                    scores[i] = max(min(score, FUZZY_ANSWER - 1) if guarded else score, scores.get(i, 0))
        return scores

    def lookup(self, text: str) -> Match:
        """The one item (or the choices) a question is about."""
        phrase = item_phrase(text)
        if not phrase:
            return Match("none", "", how="none")
        # Sudachi cuts kana-only text into nonsense, so only mixed spellings get a head and noun chunks.
        kana = is_kana(text_key(phrase))
        first = "" if kana else head(phrase)
        for candidate in dict.fromkeys(filter(None, (phrase, first))):
            hits = self._exact(candidate)
            if hits:
                return self._choose(text, candidate, hits, whole=True)
        tail, hits = self._compound(phrase)
        if hits:
            return self._choose(text, tail, hits)
        chunks = [] if kana else noun_chunks(phrase)
        for chunk in chunks:
            hits = {i: t for i, t in self._exact(chunk).items() if t < 2}  # not a part of a `・`-joined name
            if hits:
                return self._choose(text, chunk, hits)
        for part in [phrase, *(c for c in chunks if len(c) >= MIN_CONTAINED_CHUNK)]:
            hits = self._containing(part)
            if hits:
                return self._choose(text, part, hits, "containing")
        scores = self._near(phrase)
        ranked = sorted(scores, key=lambda i: (-scores[i], self.entries[i].priority, self.entries[i].position))
        if ranked and scores[ranked[0]] >= FUZZY_ANSWER:
            return self._decide(phrase, {i: 100 - scores[i] for i in ranked if scores[i] >= FUZZY_ANSWER}, "fuzzy")
        near: list[Entry] = []
        for i in ranked:
            if self.entries[i].name not in {e.name for e in near}:
                near.append(self.entries[i])
        return Match("none", phrase, near[:NEAR_MATCHES], "none")

    def lookup_all(self, text: str) -> list[Match]:
        """Every item a question names: 「空き缶とびん」 → 空き缶 and びん; otherwise the one `lookup` finds."""
        match = self.lookup(text)
        if match.whole:
            return [match]
        phrase = item_phrase(text)
        parts = [] if is_kana(text_key(phrase)) else listed(phrase)
        found = [self.lookup(p) for p in parts]
        if found and all(m.whole for m in found):
            return found
        return [match]
