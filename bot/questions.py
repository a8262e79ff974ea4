"""Several questions in one message (「国保の保険料はいくら？住民税はいつ払う？」): the engine answers each in turn
when each reads, on its own, as a question of a different domain. One classification of the whole message would
answer only one of them and drop the other silently. Within one domain, or with a part that reads as no topic, the
later sentences are mostly follow-ups of the first (「保育料いくら？所得で変わる？」) and the message stays whole.

Only sentences worded as a question or a request count (「引っ越しました。住民票は？」 is one question with its
context), and a message is split only at sentence ends, at 「あと」「それと」 that begin a clause, and at a と that
joins two topics before one question."""

from __future__ import annotations

import re
import unicodedata

from .nlu.fallback import FALLBACK_INTENT

# A question in the citizen's own words: a question mark, 〜ですか, どこ, 方法 …
QUESTION = re.compile(
    r"[?？]|ですか|ますか|でしょうか|ませんか|教えて|どこ|いつ|いくら|どうすれば|どうしたら|どうやって|について|とは|方法|手続"
)
# A request: 〜したい, 〜ください, 〜ほしい, anything with を (which names never hold).
REQUEST = re.compile(r"たい$|たいです|たいの|たいん|ください|下さい|ほしい|欲しい|を")
# A sentence that asks on its own, for telling questions apart: 「家を建てた。」 has を but asks nothing.
_ASKS = re.compile(r"たい[。!！]?$|たいです|ください|下さい|ほしい|欲しい|教えて")
_SENTENCE_END = re.compile(r"(?<=[?？。!！])|\n+|、?(?:あと|それと|それから|ついでに)、")
# Two topics joined by と before one question (「住民票の取り方と児童手当の支給日を教えて」): と between nouns written in
# kanji or katakana (not the conditional 「申告しないと」, nor とき, とは, という, と思う).
_JOINED = re.compile(r"(?<=[\u4e00-\u9fff\u30a0-\u30ff])と、?(?=[\u4e00-\u9fff\u30a0-\u30ff])(?!思)")
MIN_TOPIC_CHARS = 3  # 「住民税と…」, but not 「夫と離婚したら…」
MAX_QUESTIONS = 3  # more sentences than this are a story, answered as one message
MIN_CHARS = 4  # 「いつ？」 alone needs the sentence before it


def reads_as_question(text: object) -> bool:
    """Whether typed text asks something rather than answers."""
    return isinstance(text, str) and bool(QUESTION.search(unicodedata.normalize("NFKC", text)))


def reads_as_request(text: object) -> bool:
    return isinstance(text, str) and bool(REQUEST.search(unicodedata.normalize("NFKC", text)))


def split_questions(text: str) -> list[str]:
    """The questions and requests of `text` when it holds two to MAX_QUESTIONS of them and nothing else, or two
    topics joined by と before one question; else []."""
    if text.startswith("/"):
        return []
    parts = [p.strip(" 　、") for p in _SENTENCE_END.split(unicodedata.normalize("NFKC", text))]
    parts = [p for p in parts if p.strip("?？。!！")]
    if len(parts) == 1:
        return _joined(parts[0])
    if not 2 <= len(parts) <= MAX_QUESTIONS:
        return []
    if any(len(p) < MIN_CHARS or not (reads_as_question(p) or _ASKS.search(p)) for p in parts):
        return []
    return parts


def topic_domain(intent: str) -> str | None:
    """The domain of a topic's intent (its prefix: certificates_, garbage_ …); None for the fallback and general_
    intents, which are no topic of their own (a follow-up 「予約いる？」 reads as out of scope)."""
    domain = intent.split("_", 1)[0]
    return None if intent == FALLBACK_INTENT or domain == "general" or "_" not in intent else domain


def _joined(sentence: str) -> list[str]:
    """The two topics of one question that joins them with と, each as its own question; else []."""
    if not (reads_as_question(sentence) or _ASKS.search(sentence)):
        return []
    pieces = _JOINED.split(sentence)
    return pieces if len(pieces) == 2 and all(len(p) >= MIN_TOPIC_CHARS for p in pieces) else []
