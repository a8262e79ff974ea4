"""Several questions in one message (「国保の保険料はいくら？住民税はいつ払う？」): the engine answers each in turn
when each reads, on its own, as a question of a different intent. One classification of the whole message would
answer only one of them and drop the other silently.

Only sentences worded as a question or a request count (「引っ越しました。住民票は？」 is one question with its
context), and a message is split only at sentence ends and at 「あと」「それと」 that begin a clause."""

from __future__ import annotations

import re
import unicodedata

# A question in the citizen's own words: a question mark, 〜ですか, どこ, 方法 …
QUESTION = re.compile(
    r"[?？]|ですか|ますか|でしょうか|ませんか|教えて|どこ|いつ|いくら|どうすれば|どうしたら|どうやって|について|とは|方法|手続"
)
# A request: 〜したい, 〜ください, 〜ほしい, anything with を (which names never hold).
REQUEST = re.compile(r"たい$|たいです|たいの|たいん|ください|下さい|ほしい|欲しい|を")
_SENTENCE_END = re.compile(r"(?<=[?？。!！])|\n+|、?(?:あと|それと|それから|ついでに)、")
MAX_QUESTIONS = 3  # more sentences than this are a story, answered as one message
MIN_CHARS = 4  # 「いつ？」 alone needs the sentence before it


def reads_as_question(text: object) -> bool:
    """Whether typed text asks something rather than answers."""
    return isinstance(text, str) and bool(QUESTION.search(unicodedata.normalize("NFKC", text)))


def reads_as_request(text: object) -> bool:
    return isinstance(text, str) and bool(REQUEST.search(unicodedata.normalize("NFKC", text)))


def split_questions(text: str) -> list[str]:
    """The questions and requests of `text` when it holds two to MAX_QUESTIONS of them and nothing else; else []."""
    if text.startswith("/"):
        return []
    parts = [p.strip(" 　、") for p in _SENTENCE_END.split(unicodedata.normalize("NFKC", text))]
    parts = [p for p in parts if p.strip("?？。!！")]
    if not 2 <= len(parts) <= MAX_QUESTIONS:
        return []
    if any(len(p) < MIN_CHARS or not (reads_as_question(p) or reads_as_request(p)) for p in parts):
        return []
    return parts
