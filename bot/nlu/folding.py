"""Fold Japanese spelling variants onto one key: width, case, katakana/hiragana."""

from __future__ import annotations

import unicodedata

import jaconv


def fold(text: str) -> str:
    """NFKC, lower-case, katakana → hiragana: ｽﾌﾟﾚｰ缶 / スプレー缶 / すぷれー缶 share one key."""
    return jaconv.kata2hira(unicodedata.normalize("NFKC", text).lower())
