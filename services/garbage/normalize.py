"""Keys on which spelling variants of one item name meet.

ｽﾌﾟﾚｰ缶, スプレー缶, すぷれーかん and スプレイ缶 must all reach the item スプレー缶. Three keys do it:
`text_key` (width, case, kana and long-vowel folding of what was typed), `reading_key` (the same folding of
the Sudachi reading, so kanji and kana spellings meet) and `norm_key` (Sudachi normalized forms: 空缶 → 空き缶).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jaconv

from bot.nlu.folding import fold
from bot.nlu.tokenizer import SudachiTokenizer

_TOKENIZER = SudachiTokenizer({"mode": "C", "dict": "core"}, {})

# Small kana and old or rare kana onto the plain kana they are typed as.
_PLAIN = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖゐゑぢづゔ", "あいうえおつやゆよわかけいえじずぶ")
_LONG = set("ー‐－-～〜~")
_VOWELS = {
    v: row
    for row, chars in {
        "あ": "あかさたなはまやらわがざだばぱ",
        "い": "いきしちにひみりぎじぢびぴ",
        "う": "うくすつぬふむゆるぐずづぶぷ",
        "え": "えけせてねへめれげぜでべぺ",
        "お": "おこそとのほもよろをごぞどぼぽ",
    }.items()
    for v in chars
}
_QUALIFIER = re.compile(r"[（(【\[［〔][^）)】\]］〕]*[）)】\]］〕]")
_PARTS = re.compile(r"[・、，,/／]")


def tokens(text: str):
    """Sudachi tokens (mode C) of `text`; one tokenizer per thread, shared by the garbage modules."""
    return _TOKENIZER.tokenize(text)


def is_kana(text: str) -> bool:
    return all("\u3041" <= ch <= "\u309f" or ch in _LONG for ch in text)


def phonetic(folded: str) -> str:
    """Fold long vowels and small kana of hiragana text: すぷれー/すぷれい → すぷれえ, きゃっぷ → きやつぷ.

    Kanji, letters and digits pass unchanged; punctuation and spaces are dropped.
    """
    out: list[str] = []
    for ch in folded.translate(_PLAIN):
        prev = _VOWELS.get(out[-1]) if out else None
        if ch in _LONG:
            if prev:
                out.append(prev)
        elif (ch == "い" and prev == "え") or (ch == "う" and prev == "お"):
            out.append(prev)
        elif unicodedata.category(ch)[0] in "LN":
            out.append(ch)
    return "".join(out)


def bare_key(text: str) -> str:
    """The letters and digits of what was typed, folded, without long-vowel marks: ソファ and ソファー meet."""
    return "".join(ch for ch in fold(text) if ch not in _LONG and unicodedata.category(ch)[0] in "LN")


def text_key(text: str) -> str:
    """What was typed, folded: ｽﾌﾟﾚｰ缶 and スプレイ缶 → すぷれえ缶."""
    return phonetic(fold(text))


_SEGMENTS = re.compile(r"[（）()【】\[\]［］〔〕・、，,/／\s]+")


@lru_cache(maxsize=20000)
def _analyse(text: str) -> tuple[str, str]:
    """(reading, normalized form). Bracketed and `・`-separated parts are read one by one: Sudachi would
    otherwise take 傘（ビニール） as one word read かさ."""
    words = [
        t
        for seg in _SEGMENTS.split(unicodedata.normalize("NFKC", text))
        if seg
        for t in tokens(seg)
        if t.pos != "補助記号"
    ]
    return "".join(t.reading for t in words), "".join(t.norm for t in words)


def clear_cache() -> None:
    """Forget cached Sudachi analyses (for benchmarks measuring uncached lookups)."""
    _analyse.cache_clear()


def reading(text: str) -> str:
    """Hiragana reading; kana input is its own reading (Sudachi would cut すぷれーかん into nonsense)."""
    folded = fold(text)
    if is_kana(re.sub(r"\s", "", folded)):
        return re.sub(r"\s", "", folded)
    return jaconv.kata2hira(_analyse(text)[0])


def reading_key(text: str) -> str:
    return phonetic(reading(text))


def norm_key(text: str) -> str:
    """Sudachi normalized forms, folded: 空缶 and 空き缶 → 空き缶; カゴ → 籠. Empty for kana-only text,
    which Sudachi cuts into nonsense (すぷれーかん → す/ぷ/れ/ー/彼)."""
    return "" if is_kana(fold(text)) else phonetic(_analyse(text)[1])


def seion(key: str) -> str:
    """Drop voicing marks, for names read with rendaku: あさのがわ and あさのかわ (浅野川) meet."""
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in unicodedata.normalize("NFD", key) if ch not in "\u3099\u309a")
    )


def base_name(name: str) -> str:
    """The name without its qualifiers: 傘（骨組みが金属の物） → 傘."""
    return _QUALIFIER.sub("", name).strip()


def qualifiers(name: str) -> str:
    """What the brackets of a name say: サポーター（金属入り） → 金属入り; empty for a name without any."""
    return "・".join(m.group(0)[1:-1] for m in _QUALIFIER.finditer(unicodedata.normalize("NFKC", name)))


def name_parts(name: str) -> list[str]:
    """The `・`-joined names inside one entry: オイルライター・ガスライター → both."""
    parts = [p.strip() for p in _PARTS.split(base_name(name))]
    return [p for p in parts if p] if len(parts) > 1 else []
