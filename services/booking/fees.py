"""The fee table and reading items out of what a citizen types: 「ソファ1点とタンス2つ」 → lines with fees.

Items come from data/bulky_fees.yml and, read-only, from the garbage dictionary (category `bulky` with a fee;
category `appliance_recycling` is refused), both of the city's data folder only: a city without the file has the
dictionary's fees alone, never another city's. Matching is leftmost-longest on folded spellings (width, case,
katakana/hiragana), so ｿﾌｧ, ソファ and そふぁ meet; what is left over and looks like a noun is reported as unknown.

Buttons choose items by id and count (`[{"id": "sofa", "quantity": 1}]`): a payload is user input, so `price`
takes nothing else from it; names and fees always come from the table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import ConfigError
from bot.filecache import FileCache
from bot.formats import Formats
from bot.nlu.folding import fold
from bot.store.db import session_factory

FEES_FILE = "bulky_fees.yml"
DB_BULKY_CATEGORY = "bulky"
DB_REFUSED_CATEGORIES = {"appliance_recycling": "appliance_recycling"}  # dictionary category -> refusal route
SUGGEST_CUTOFF = 70  # rapidfuzz WRatio for "もしかして" suggestions of an unknown item
MAX_CHOICES = 50  # entries of an id-and-count list read at most (a booking has at most max_pieces pieces anyway)
_QUALIFIER = re.compile(r"[（(][^）)]*[）)]")
_NUM = r"(\d+|[〇一二三四五六七八九十百]+|ひとつ|ふたつ|みっつ|よっつ|いつつ|むっつ|ななつ|やっつ|ここのつ|とお)"
_COUNTER = r"(?:点|個|こ|つ|台|枚|本|脚|組|セット|箱|基|体|着|件)"
_QTY_AFTER = re.compile(r"\s*(?:を|が|は|も|x|×|\*|:|：)?\s*" + _NUM + r"\s*" + _COUNTER + r"?")
_QTY_BEFORE = re.compile(_NUM + r"\s*" + _COUNTER + r"\s*の?\s*$")
_KANA_NUMBERS = {
    "ひとつ": 1,
    "ふたつ": 2,
    "みっつ": 3,
    "よっつ": 4,
    "いつつ": 5,
    "むっつ": 6,
    "ななつ": 7,
    "やっつ": 8,
    "ここのつ": 9,
    "とお": 10,
}
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Leftover pieces that are not item names: request words, sizes, the category itself. ー parts words only where it is
# no long vowel of a katakana word: an unknown 「ストーブ」 is reported whole, not as 「スト」.
_SEPARATORS = re.compile(
    r"(?:[ぁ-ゖ\s、,，・/／。.!！?？()（）「」『』\[\]【】:：;；~〜\-]|(?<![ァ-ヺ])ー)+|\d+" + _COUNTER + "?"
)
_FILLER = {
    "粗大",
    "粗大ゴミ",
    "ゴミ",
    "回収",
    "収集",
    "処分",
    "予約",
    "申込",
    "申し込",
    "不要",
    "大",
    "古",
    "捨",
    "出",
    "全部",
    "合計",
    "以上",
    "自宅",
    "家",
    "今度",
    "予定",
    "品目",
    "品物",
    "物",
    "個",
    "点",
    "台",
    "使",
    "壊",
    "要",
    "頼",
    "来",
    "取",
    "引",
    "引き取",
    "持",
    "運",
    "希望",
    "以下",
    "以外",
    "お願",
    "願",
    "電話",
}


@dataclass(frozen=True)
class FeeItem:
    id: str
    name: str
    fee: int


@dataclass
class Line:
    """One booked item: what it is, how many, at what fee each."""

    id: str
    name: str
    quantity: int
    fee: int

    @property
    def subtotal(self) -> int:
        return self.quantity * self.fee

    def as_slot(self) -> dict:
        """The form's slot value, written by its validator from the table (`price` reads it back by id and count)."""
        return {"id": self.id, "name": self.name, "quantity": self.quantity, "fee": self.fee}

    @classmethod
    def from_slot(cls, value: dict) -> Line:
        return cls(str(value["id"]), str(value["name"]), int(value["quantity"]), int(value["fee"]))


@dataclass
class ParsedItems:
    lines: list[Line] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)  # route -> names as typed
    unknown: list[str] = field(default_factory=list)
    bad_quantity: list[tuple[str, int]] = field(default_factory=list)
    unusable_choice: bool = False  # an id-and-count list with an unknown id or in another shape

    @property
    def names_an_item(self) -> bool:
        """Whether the text names an item of the table (priced, refused or in a bad quantity): a word the table
        lacks (「料金」 in 「予約したいんですが、料金はいくらですか」) names none."""
        return bool(self.lines or self.refused or self.bad_quantity or self.unusable_choice)

    @property
    def pieces(self) -> int:
        return sum(line.quantity for line in self.lines)

    def bookable(self, max_pieces: int) -> bool:
        """Nothing refused, unknown or miscounted, and between 1 and `max_pieces` pieces (after check_quantities)."""
        problems = self.refused or self.unknown or self.bad_quantity or self.unusable_choice
        return bool(self.lines) and not problems and self.pieces <= max_pieces


class FeeTable:
    def __init__(self, items: list[FeeItem], keys: dict[str, FeeItem | str]):
        self.items = {i.id: i for i in items}
        self.keys = keys  # folded spelling -> FeeItem, or a refusal route
        self.max_key = max((len(k) for k in keys), default=0)
        self._names = sorted(k for k, v in keys.items() if isinstance(v, FeeItem))

    def lookup(self, folded: str) -> FeeItem | str | None:
        return self.keys.get(folded)

    def suggest(self, text: str, limit: int = 3) -> list[FeeItem]:
        """Items whose spelling is close to `text` (typos, other words for the same thing)."""
        out: list[FeeItem] = []
        for key, _score, _ in process.extract(
            key_of(text), self._names, scorer=fuzz.WRatio, limit=10, score_cutoff=SUGGEST_CUTOFF
        ):
            item = self.keys[key]  # a FeeItem: _names holds only the keys of items
            if isinstance(item, FeeItem) and item not in out:
                out.append(item)
        return out[:limit]


def key_of(name: str) -> str:
    """The folded spelling a name is matched by: no qualifier, no spaces, hiragana, lower case."""
    return re.sub(r"\s+", "", fold(_QUALIFIER.sub("", name)))


def _fold_chars(text: str) -> str:
    """`fold` character by character, so offsets in the folded text are offsets in `text`."""
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else ch)
    return "".join(out)


def parse_fee(text: str) -> int | None:
    """A published fee such as "1,000円"; ranges and notes ("500円～1,000円", "要相談") are not bookable."""
    numbers = re.findall(r"\d[\d,]*", unicodedata.normalize("NFKC", text or ""))
    if len(numbers) != 1:
        return None
    return int(numbers[0].replace(",", ""))


def read_fee_file(path: Path) -> tuple[list[FeeItem], dict[str, FeeItem | str]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:  # a city without its own table: only its dictionary's fees (`bot city check` says so)
        return [], {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the bulky-waste fee table {path}: {exc}") from exc
    unknown = set(doc) - {"items", "refused"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}. Allowed: items, refused.")
    items: list[FeeItem] = []
    keys: dict[str, FeeItem | str] = {}
    for i, spec in enumerate(doc.get("items") or []):
        if (
            not isinstance(spec, dict)
            or set(spec) - {"id", "name", "synonyms", "fee"}
            or not re.fullmatch(r"[a-z0-9_]+", str(spec.get("id", "")))
            or not spec.get("name")
            or not isinstance(spec.get("fee"), int)
            or spec["fee"] < 0
        ):
            raise ConfigError(
                f"{path}: items[{i}] needs id (ascii snake_case), name and fee (yen, a whole number); "
                f"synonyms is optional. Got {spec!r}."
            )
        item = FeeItem(spec["id"], str(spec["name"]), spec["fee"])
        if item.id in {x.id for x in items}:
            raise ConfigError(f"{path}: item id `{item.id}` is used twice.")
        items.append(item)
        for name in [item.name, *(spec.get("synonyms") or [])]:
            keys.setdefault(key_of(str(name)), item)
    for route, names in (doc.get("refused") or {}).items():
        if not re.fullmatch(r"[a-z0-9_]+", str(route)) or not isinstance(names, list):
            raise ConfigError(f"{path}: refused maps a route id (ascii) to a list of names, got {route!r}.")
        for name in names:
            keys.setdefault(key_of(str(name)), str(route))
    return items, keys


def _dictionary_revision(database_url: str) -> int:
    """The garbage dictionary's revision (it grows on every import), or -1 when it is not imported yet."""
    from services.garbage.models import GarbageSource

    try:
        with session_factory(database_url)() as s:
            return s.scalar(select(func.max(GarbageSource.revision))) or 0
    except SQLAlchemyError:  # the garbage tables are not there yet: the fee file alone answers
        return -1


def _dictionary_rows(database_url: str) -> list[tuple[str, str, str, list]]:
    """(name, category, bulky_fee, synonyms) of the dictionary items that booking cares about."""
    from services.garbage.models import GarbageItem

    with session_factory(database_url)() as s:
        rows = s.execute(
            select(GarbageItem.name, GarbageItem.category, GarbageItem.bulky_fee, GarbageItem.synonyms)
            .where(GarbageItem.category.in_([DB_BULKY_CATEGORY, *DB_REFUSED_CATEGORIES]))
            .order_by(GarbageItem.source, GarbageItem.position)
        ).all()
    return [tuple(r) for r in rows]


def _build(path: Path, database_url: str) -> FeeTable:
    items, keys = read_fee_file(path)
    rows = _dictionary_rows(database_url) if _dictionary_revision(database_url) >= 0 else []
    for name, category, fee_text, synonyms in rows:
        if category in DB_REFUSED_CATEGORIES:
            for n in [name, *(synonyms or [])]:
                keys.setdefault(key_of(n), DB_REFUSED_CATEGORIES[category])
            continue
        fee = parse_fee(fee_text)
        base = _QUALIFIER.sub("", name).strip()
        if fee is None or not base or key_of(base) in keys:
            continue
        item = FeeItem(f"db:{base}"[:64], base, fee)
        items.append(item)
        for n in [base, *(synonyms or [])]:
            keys.setdefault(key_of(n), item)
    keys.pop("", None)
    return FeeTable(items, keys)


_TABLES = FileCache(_build, maxsize=4)


def load_table(data_dir: Path, database_url: str) -> FeeTable:
    """The current table: rebuilt when the fee file or the garbage dictionary changes."""
    path = Path(data_dir) / FEES_FILE
    return _TABLES.get([path], path, database_url, version=_dictionary_revision(database_url))


def to_int(number: str) -> int:
    if number.isdigit():
        return int(number)
    if number in _KANA_NUMBERS:
        return _KANA_NUMBERS[number]
    total, current = 0, 0
    for ch in number:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[ch]
    return total + current


def parse_items(text: str, table: FeeTable) -> ParsedItems:
    """Items with quantities (1 when none is given); refused, unknown and zero/huge quantities reported apart."""
    t = unicodedata.normalize("NFKC", text or "")
    f = _fold_chars(t)
    result = ParsedItems()
    by_id: dict[str, Line] = {}
    covered = [False] * len(t)
    i = 0
    while i < len(t):
        hit = None
        for length in range(min(table.max_key, len(t) - i), 0, -1):
            found = table.lookup(f[i : i + length])
            if found is not None:
                hit = (length, found)
                break
        if hit is None:
            i += 1
            continue
        length, found = hit
        end = i + length
        quantity, q_end = 1, end
        after = _QTY_AFTER.match(t, end)
        before = _QTY_BEFORE.search(t[:i])
        if after:
            quantity, q_end = to_int(after.group(1)), after.end()
        elif before and not any(covered[before.start() : i]):
            quantity = to_int(before.group(1))
            for k in range(before.start(), i):
                covered[k] = True
        for k in range(i, q_end):
            covered[k] = True
        typed = t[i:end]
        if isinstance(found, str):
            result.refused.setdefault(found, []).append(typed)
        elif quantity == 0:
            result.bad_quantity.append((found.name, quantity))
        elif found.id in by_id:
            by_id[found.id].quantity += quantity
        else:
            by_id[found.id] = Line(found.id, found.name, quantity, found.fee)
        i = q_end
    result.lines = list(by_id.values())
    leftover = "".join(" " if covered[k] else ch for k, ch in enumerate(t))
    for chunk in _SEPARATORS.split(leftover):
        chunk = chunk.strip()
        if len(chunk) >= 2 and chunk not in _FILLER and not chunk.isdigit() and key_of(chunk) not in table.keys:
            result.unknown.append(chunk)
    return result


def choices(value: object) -> list[tuple[str, int]] | None:
    """(id, count) pairs of a list such as `[{"id": "sofa", "quantity": 2}]` (a button's, or the form's own slot);
    None when `value` has another shape. Any other key (a name, a fee) is ignored: the table decides those."""
    if not isinstance(value, list) or not 0 < len(value) <= MAX_CHOICES:
        return None
    pairs = []
    for entry in value:
        if not isinstance(entry, dict):
            return None
        item_id, quantity = entry.get("id"), entry.get("quantity")
        if not isinstance(item_id, str) or isinstance(quantity, bool) or not isinstance(quantity, int):
            return None
        pairs.append((item_id, quantity))
    return pairs


def price(pairs: list[tuple[str, int]] | None, table: FeeTable) -> ParsedItems:
    """Lines of (id, count) pairs with the table's names and fees; an unknown id or another shape (None) makes the
    choice unusable, a count below 1 is a bad quantity. Counts of the same id add up, as in `parse_items`."""
    result = ParsedItems(unusable_choice=pairs is None)
    by_id: dict[str, Line] = {}
    for item_id, quantity in pairs or []:
        item = table.items.get(item_id)
        if item is None:
            result.unusable_choice = True
        elif quantity < 1:
            result.bad_quantity.append((item.name, quantity))
        elif item_id in by_id:
            by_id[item_id].quantity += quantity
        else:
            by_id[item_id] = Line(item.id, item.name, quantity, item.fee)
    result.lines = list(by_id.values())
    return result


def check_quantities(parsed: ParsedItems, max_quantity: int) -> None:
    """Move lines above the per-item limit to bad_quantity."""
    keep = []
    for line in parsed.lines:
        if line.quantity > max_quantity:
            parsed.bad_quantity.append((line.name, line.quantity))
        else:
            keep.append(line)
    parsed.lines = keep


def total(lines: list[Line]) -> int:
    return sum(line.subtotal for line in lines)


def describe(lines: list[Line], total_label: str, formats: Formats) -> str:
    """One line per item and the sum: 「・ソファー ×1　1,000円」 … 「合計　1,000円」."""
    rows = [f"・{line.name} ×{line.quantity}　{formats.money(line.subtotal)}" for line in lines]
    return "\n".join([*rows, f"{total_label}　{formats.money(total(lines))}"])
