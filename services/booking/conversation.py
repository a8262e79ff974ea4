"""Pure helpers of the booking dialogue: reading "go back" / "change X" / payment choices out of free text,
and building the date buttons and the summary card. services/booking/actions/ adapts them to rasa_sdk."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.formats import Formats
from bot.payload import encode_payload
from bot.questions import reads_as_question, reads_as_request
from services.general.forms import MAX_COMMAND_CHARS, is_back

from . import calendar
from .config import BookingConfig
from .contact import format_phone, normalize_phone
from .fees import Line, total

FORM = "bulky_booking_form"
# The booking form's questions in order (domain.yml lists the same).
FIELDS = ("bulky_items", "bulky_address", "bulky_date", "bulky_name", "bulky_phone", "bulky_payment", "bulky_confirmed")
EDITABLE = FIELDS[:-1]  # the answers the summary's 修正する menu can change
# Words naming each question, most specific first (「粗大ごみの日付を変更」 is about the date).
_FIELD_WORDS = {
    "bulky_date": r"日付|収集日|日にち|日程|予約日|回収日|曜日|ひづけ|しゅうしゅうび|ひにち",
    "bulky_address": r"住所|所在地|じゅうしょ",
    "bulky_name": r"名前|氏名|なまえ",
    "bulky_phone": r"電話|連絡先|携帯|でんわ",
    "bulky_payment": r"支払|払い方|決済|処理券|しはらい",
    "bulky_items": r"品目|品物|ごみ|ゴミ|数量|個数|点数|出すもの|追加|ひんもく",
}
# What may come with a field named alone at the summary (「お名前です」「住所を」「電話番号で」).
_FIELD_NAMED_ALONE = re.compile(r"^お|番号|方法|の?(こと|ほう|方)|です|を|で|は|が|[\s、。!！]")
_CHANGE = re.compile(
    r"変更|変え|かえ|修正|訂正|直し|なおし|間違|まちが|違|ちが|やり直|追加|にしたい|にして(ほしい|ください)"
)
# Words a date offered as an answer may come with (「3日は空いていますか」「12月3日の午前中でも大丈夫ですか」); a question
# that names anything else beside its date (a word in kanji, katakana or letters, or ごみ, なに, いつ …) asks something
# of its own (「12月3日は燃えるごみの日ですか」). Kana alone is particles and endings (「12月3日はどうですか」).
_DATE_ANSWER_WORDS = re.compile(
    r"予約|申し?込|希望|空|開|大丈夫|可能|願|都合|収集|回収|午[前後]中?|朝|昼|夕方|時間|時|来|良|OK|[月火水木金土日]曜日?",
    re.IGNORECASE,
)
_TOPIC = re.compile(r"[\u3005\u4e00-\u9fffA-Za-z\u30a1-\u30fa]|ごみ|なに|なん[でのにじ]|いつ|どこ|だれ")
# Phone-shaped text (digits with hyphens, or 10-11 digits from 0) that normalize_phone may still refuse (03-12-3456).
_PHONE_SHAPE = re.compile(r"0\d{1,4}([-‐−ー])\d{1,4}\1\d{3,4}|0\d{9,10}")
# What a citizen wants done with a booking, from their words (buttons name it: manage_action).
MANAGE_OPS = ("status", "change_date", "cancel", "pay")
_OP_WORDS = (
    ("cancel", re.compile(r"キャンセル|取り消|取消|とりけし|やめ|なしに")),
    ("change_date", re.compile(r"変更|変え|ずらし|別の日|延期|日程")),
    ("pay", re.compile(r"支払|払い|決済")),
)
# At the question whether to cancel a booking, asking to cancel it is a yes (「はい、取り消す」「取り消してください」
# 「キャンセルします」); a bare 「キャンセル」 or 「やめる」 stops the procedure instead, and the booking stays.
_CONFIRMS_CANCEL = re.compile(
    r"^(はい|うん|ええ|お願い|おねがい).*(取り?消|とりけ|キャンセル)"
    r"|(取り?消|とりけ|キャンセル)(し(て|ます|たい)|する|す$|お願い|おねがい|で(お願い|いい|OK))",
    re.IGNORECASE,
)
_CONFIRMS_CHANGE = re.compile(
    r"^(はい|うん|ええ|お願い|おねがい)|(変更|変え)(し(て|ます)|する|で(お願い|いい|OK)|お願い)"
)
_DECLINES = re.compile(r"ない|ません|やめ|止め|中止|いいえ|いや")
_STICKER = re.compile(r"処理券|シール|券|コンビニ|お店|店|現金|スーパー", re.IGNORECASE)
_ONLINE = re.compile(
    r"オンライン|おんらいん|カード|クレジット|ネット|paypay|ペイペイ|電子|スマホ|web|ウェブ", re.IGNORECASE
)


@dataclass(frozen=True)
class Navigation:
    kind: str  # "back" | "edit"
    slot: str | None = None  # the slot to ask again


def navigation(text, requested: str | None) -> Navigation | None:
    """「戻る」「前に戻って」 → back; 「住所を変更」「電話番号を間違えた」 → edit that slot; 「修正する」 naming no
    answer → edit with no slot (the summary's menu asks which); else None."""
    if not isinstance(text, str):
        return None
    t = unicodedata.normalize("NFKC", text).strip()
    if not t or len(t) > MAX_COMMAND_CHARS:
        return None
    if _CHANGE.search(t):
        for slot, words in _FIELD_WORDS.items():
            if re.search(words, t):
                return Navigation("edit", slot)
    if requested == "bulky_confirmed":  # at the summary or its menu, a field named alone: 「お名前」「住所で」
        bare = _FIELD_NAMED_ALONE.sub("", t)
        for slot, words in _FIELD_WORDS.items():
            if re.fullmatch(rf"(?:{words})い?", bare):
                return Navigation("edit", slot)
    if is_back(t):
        return Navigation("back", previous(requested))
    if _CHANGE.search(t) and not reads_as_question(t):
        return Navigation("edit")
    return None


# What the NLU reads as small talk is no name (「はい」「ありがとう」「こんにちは」「ヘルプ」), nor a topic it reads with
# confidence (「住民票」「児童手当」: such a question is answered instead; 保坂 and 住吉 read as topics far less surely),
# nor not knowing or not wanting to say.
SMALL_TALK_INTENTS = frozenset(
    {
        "general_affirm",
        "general_deny",
        "general_greet",
        "general_thanks",
        "general_goodbye",
        "general_capabilities",
        "general_cancel",  # 「やっぱりいいです」: a change of mind, no name
    }
)
TOPIC_CONFIDENCE = 0.8
# Small talk read barely above the fallback is no reading at all: 「山田 花子です」 leans to general_deny (〜です as
# in 結構です) at about a third, and must still be a name.
SMALL_TALK_CONFIDENCE = 0.5
_NOT_A_NAME = re.compile(r"わから|分から|わかりません|知らな|しらな|不明|たくない")


def reads_as_name(text, intent: str | None = None, confidence: float = 0.0) -> bool:
    """Whether typed text can be a person's name: not a question, not a request (〜したい, 〜ください), and neither
    small talk nor a topic by the NLU's reading (`intent` and its `confidence`)."""
    t = unicodedata.normalize("NFKC", str(text))
    topic = not (intent or "general_").startswith(("general_", "nlu_")) and confidence >= TOPIC_CONFIDENCE
    small_talk = intent in SMALL_TALK_INTENTS and confidence >= SMALL_TALK_CONFIDENCE
    if small_talk or topic or _NOT_A_NAME.search(t):
        return False
    return not reads_as_question(t) and not reads_as_request(t)


def asks_something_else(text, dates: list[tuple[int, int]]) -> bool:
    """Whether typed text holding dates at `dates` (spans in it) is a question of its own rather than a date offered:
    at a date prompt 「12月3日はどうですか」 offers a date, 「12月3日は燃えるごみの日ですか」 asks about the garbage."""
    if not isinstance(text, str) or not (reads_as_question(text) or re.search(r"何", text)):
        return False
    rest = "".join(" " if any(start <= i < end for start, end in dates) else ch for i, ch in enumerate(text))
    return bool(_TOPIC.search(_DATE_ANSWER_WORDS.sub(" ", unicodedata.normalize("NFKC", rest))))


# What may surround a date offered as an answer (「12月9日でお願いします」), besides _DATE_ANSWER_WORDS.
_DATE_FILLERS = re.compile(r"です|でお願い|お願い|したい|します|がいい|かな|ごろ|頃|ぐらい|くらい|で|に|を|は|が")


def is_bare_date(text, dates: list[tuple[int, int]]) -> bool:
    """Whether typed text holding dates at `dates` (spans in it) is just a date offered (「12月9日」「12/9でお願い
    します」), not an address or a number that contains one (「3-5-1」) nor a question about it."""
    if not isinstance(text, str) or not dates or reads_as_question(text):
        return False
    rest = "".join(ch for i, ch in enumerate(text) if not any(start <= i < end for start, end in dates))
    rest = _DATE_FILLERS.sub("", _DATE_ANSWER_WORDS.sub("", unicodedata.normalize("NFKC", rest)))
    return not re.sub(r"[\s、。,.!！ー〜~-]", "", rest)


# Where a second sentence begins: 「泉野町3丁目5-1です。あと手数料はいくらですか」.
_NEXT_SENTENCE = re.compile(r"[。．！？!?\n]+|、?(?:あと|それと|ついでに|ところで)、?")


def answer_and_aside(text) -> tuple[str, str]:
    """Typed text as (its first sentence, the rest), the rest empty for one sentence: an answer followed by a
    question of the citizen's own is taken as the answer, and the question answered apart."""
    if not isinstance(text, str):
        return text, ""
    parts = [p for p in _NEXT_SENTENCE.split(text.strip(), maxsplit=1) if p]
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (text, "")


def looks_like_phone(text) -> bool:
    """Whether typed text is a phone number (090-1111-2222, 0901112222, full-width digits), which a date
    reader could take for 1111月2222日."""
    if not isinstance(text, str):
        return False
    t = unicodedata.normalize("NFKC", text).strip()
    return normalize_phone(t) is not None or bool(_PHONE_SHAPE.fullmatch(re.sub(r"\s", "", t)))


def previous(requested: str | None, skip: tuple[str, ...] = ()) -> str | None:
    """The question before `requested` (None at the first one)."""
    if requested not in FIELDS:
        return None
    earlier = [f for f in FIELDS[: FIELDS.index(requested)] if f not in skip]
    return earlier[-1] if earlier else None


def manage_op(text: str) -> str:
    """「予約をキャンセルしたい」 → cancel, 「収集日を変更したい」 → change_date, else status."""
    return next((op for op, words in _OP_WORDS if words.search(text or "")), "status")


def confirms_cancel(text) -> bool:
    """Whether a message answers "cancel this booking?" with a request to cancel it."""
    t = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""
    return len(t) <= MAX_COMMAND_CHARS and bool(_CONFIRMS_CANCEL.search(t)) and not _DECLINES.search(t)


def confirms_change(text) -> bool:
    """Whether a message answers "change the date to this one?" with a request to change it (「変更してください」)."""
    t = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""
    return len(t) <= MAX_COMMAND_CHARS and bool(_CONFIRMS_CHANGE.search(t)) and not _DECLINES.search(t)


# Paying for another service (「住民税はコンビニで払えますか」) is no question about this booking's fee.
_OTHER_SERVICE = re.compile(r"税|保険|年金|証明|住民票|保育|手当")
_FEE = re.compile(r"手数料|料金|いくら|金額|費用|値段")
_PAYING = re.compile(r"払|決済|処理券")
_REFUND = re.compile(r"返金|返して|お金")


def _question_about_this_booking(text) -> str | None:
    """Typed text that asks something and names no other service, NFKC-folded; else None."""
    if not isinstance(text, str) or not reads_as_question(text):
        return None
    t = unicodedata.normalize("NFKC", text)
    return None if _OTHER_SERVICE.search(t) else t


def asks_about_payment(text) -> bool:
    """Whether typed text asks how the fee can be paid (「PayPay使えますか」「カードで払える？」): at the payment
    question it asks about this booking's fee, not about paying city taxes."""
    t = _question_about_this_booking(text)
    return t is not None and bool(_ONLINE.search(t) or _STICKER.search(t) or re.search(r"払|決済", t))


def asks_about_fee(text) -> bool:
    """Whether typed text asks how much this booking costs or how to pay it (「手数料はいくら？」「いつまでに払えば
    いい？」): at the summary it is answered from the booking itself."""
    t = _question_about_this_booking(text)
    return t is not None and bool(_FEE.search(t) or _PAYING.search(t))


def asks_about_money(text) -> bool:
    """Whether typed text asks about the fee, paying it or getting it back (「返金はされますか？」)."""
    t = _question_about_this_booking(text)
    return t is not None and (asks_about_fee(t) or bool(_REFUND.search(t)))


def payment_choice(value, methods: tuple[str, ...]) -> str | None:
    if value in methods:
        return value
    if not isinstance(value, str) or reads_as_question(value):
        return None
    t = unicodedata.normalize("NFKC", value)
    online, sticker = bool(_ONLINE.search(t)), bool(_STICKER.search(t))
    choice = "online" if online and not sticker else "sticker" if sticker and not online else None
    return choice if choice in methods else None


def date_buttons(
    days: list[date], formats: Formats, intent: str = "general_inform", entity: str = "date"
) -> list[dict]:
    return [{"title": formats.date(d), "payload": encode_payload(intent, **{entity: d.isoformat()})} for d in days]


def date_picker(first: date, last: date, intent: str = "general_inform", entity: str = "date") -> dict:
    return {
        "type": "date_picker",
        "intent": intent,
        "entity": entity,
        "min": first.isoformat(),
        "max": last.isoformat(),
    }


def lines_of(value) -> list[Line]:
    return [Line.from_slot(v) for v in value or []]


def summary(slots: dict, config: BookingConfig, formats: Formats) -> tuple[list[list[str]], str]:
    """(rows, total) of the confirmation card; the rows are also its plain-text version."""
    labels = config.field_labels
    lines = lines_of(slots.get("bulky_items"))
    day = calendar.parse_iso(slots.get("bulky_date") or "")
    rows = [
        [
            labels["bulky_items"],
            "、".join(f"{line.name} ×{line.quantity}（{formats.money(line.subtotal)}）" for line in lines),
        ],
        [labels["bulky_address"], f"{slots.get('bulky_address')}（{slots.get('bulky_area')}）"],
        [labels["bulky_date"], formats.date(day, "long_date") if day else ""],
        [labels["bulky_name"], str(slots.get("bulky_name") or "")],
        [labels["bulky_phone"], format_phone(str(slots.get("bulky_phone") or ""))],
        [labels["bulky_payment"], config.payment_label(str(slots.get("bulky_payment") or ""))],
    ]
    return rows, f"{config.total_label} {formats.money(total(lines))}"


def summary_text(title: str, rows: list[list[str]], total_text: str) -> str:
    return "\n".join([f"【{title}】", *(f"{k}：{v}" for k, v in rows), total_text])
