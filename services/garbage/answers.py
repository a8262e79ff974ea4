"""What the bot says about an item or a collection day, as (response name, values, buttons).

The Japanese sentences are responses in domain.yml (utter_garbage_*); this module only decides which ones,
in what order, with which values. Category names come from data/city.yml `garbage_categories`; the offices
to ask are filled into the responses from the city profile ({offices.garbage.phone}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .areas import Area, Areas
from .collection import COLLECTION_POINT, NOT_COLLECTED, REQUEST, REQUEST_BY_CONTACT
from .config import GarbageConfig
from .lookup import Entry, Index, Match
from .normalize import text_key
from .wording import Wording

ITEM_INTENT = "garbage_sort_item"
AREA_INTENT = "garbage_collection_day"
MAX_SAME_NAME = 3  # items sharing one name (色紙 as いろがみ and しきし) answered together


@dataclass
class Reply:
    response: str
    values: dict[str, Any] = field(default_factory=dict)  # the response's {placeholders}; never `text`
    buttons: list[dict] = field(default_factory=list)


CONTACT = Reply("utter_garbage_contact")  # where to ask: every answer ends with it


@dataclass(frozen=True)
class Context:
    """What an answer depends on besides the question: the city's garbage config, how each category is collected
    (city.yml garbage_collection), how days are written, the collection areas and today's date."""

    config: GarbageConfig
    kinds: dict[str, str]
    wording: Wording
    areas: Areas
    today: date


def _payload(intent: str, entity: str, value: str) -> str:
    return f"/{intent}{json.dumps({entity: value}, ensure_ascii=False)}"


def item_buttons(entries: list[Entry]) -> list[dict]:
    names = list(dict.fromkeys(e.name for e in entries))
    return [{"title": n, "payload": _payload(ITEM_INTENT, "garbage_item", n)} for n in names]


def area_buttons(areas: list[Area]) -> list[dict]:
    return [{"title": a.name, "payload": _payload(AREA_INTENT, "garbage_area", a.name)} for a in areas]


def category_day(area: Area, category: str, ctx: Context) -> Reply:
    """When `category` goes out in `area`: its days and the next date."""
    config = ctx.config
    collected = config.collection_category(category)
    rule = area.rule(collected)
    names = config.categories
    if not rule:
        return Reply("utter_garbage_no_collection", {"area": area.name, "category": names.get(category, category)})
    values = {
        "area": area.name,
        "category": names.get(category, category),
        "collection": names.get(collected, collected),
        "days": ctx.wording.describe(rule),
        "next_date": ctx.wording.next_date(area.next_date(collected, ctx.today, config.break_rule), ctx.today),
    }
    return Reply("utter_garbage_category_day" if collected == category else "utter_garbage_category_day_with", values)


def _has_schedule(category: str, ctx: Context) -> bool:
    collected = ctx.config.collection_category(category)
    return any(collected in a.rules for a in ctx.areas.areas)


def how_collected(entry: Entry, ctx: Context, area: Area | None) -> list[Reply]:
    """What is true of the item's category: its area's day (or where to find the days), a booking (the office's
    contact when the city takes none in the chat), a collection point, or that the city does not collect it."""
    config = ctx.config
    name = config.categories.get(entry.category, entry.category)
    kind = ctx.kinds.get(entry.category) or ctx.kinds.get(config.collection_category(entry.category), "")
    if kind == REQUEST:
        return [Reply("utter_garbage_on_request", {"category": name})]
    if kind == REQUEST_BY_CONTACT:  # no booking form to offer: the office takes it
        return [Reply("utter_garbage_on_request_by_contact", {"category": name})]
    if kind == COLLECTION_POINT:
        return [Reply("utter_garbage_collection_point", {"category": name})]
    if kind == NOT_COLLECTED:
        return [Reply("utter_garbage_not_collected", {"category": name})]
    if not _has_schedule(entry.category, ctx):
        return [Reply("utter_garbage_days_elsewhere", {"category": name})]
    return [category_day(area, entry.category, ctx)] if area is not None else []


def item_reply(entry: Entry, config: GarbageConfig) -> Reply:
    """The item's own answer: its name, category and notes."""
    name = config.categories.get(entry.category, entry.category)
    notes = "\n".join(x for x in (entry.notes, entry.remarks) if x)
    response = "utter_garbage_item_notes" if notes else "utter_garbage_item"
    return Reply(response, {"item": entry.name, "category": name, "notes": notes})


def item_replies(entry: Entry, ctx: Context, area: Area | None) -> list[Reply]:
    """Category and notes; the bulky fee; how the category is collected (with the area's day when known)."""
    out = [item_reply(entry, ctx.config)]
    if entry.bulky_fee:
        out.append(Reply("utter_garbage_bulky_fee", {"item": entry.name, "fee": entry.bulky_fee}))
    return out + how_collected(entry, ctx, area)


def _one_match(match: Match, index: Index, ctx: Context, area: Area | None) -> list[Reply]:
    if match.kind == "item" or (match.kind == "choices" and len({e.name for e in match.items}) == 1):
        best = match.items[0]  # an "item" or "choices" match always has items
        out = [Reply("utter_garbage_guessed", {"query": match.query, "item": best.name})] if match.fuzzy else []
        for entry in index.named(best.name)[:MAX_SAME_NAME] or [best]:
            out += item_replies(entry, ctx, area)
        if match.variants:
            out.append(Reply("utter_garbage_item_variants", {"item": best.name}, item_buttons(match.variants)))
        return out
    if match.kind == "choices":
        return [Reply("utter_garbage_choose_item", {"query": match.query}, item_buttons(match.items))]
    if not match.query:
        return [Reply("utter_garbage_ask_item")]
    if match.items:
        return [Reply("utter_garbage_item_near", {"query": match.query}, item_buttons(match.items))]
    return [Reply("utter_garbage_item_not_found", {"query": match.query})]


def match_replies(matches: list[Match], index: Index, ctx: Context, area: Area | None) -> list[Reply]:
    """Everything the bot says to an item question: each item it names, then where to ask."""
    out = [r for m in matches for r in _one_match(m, index, ctx, area)]
    return [*out, CONTACT]


def detect_category(text: str, config: GarbageConfig, index: Index) -> str | None:
    """The category a collection-day question is about: its name or alias, else an item named in it."""
    folded = text_key(text)
    names = [(text_key(n.split("（")[0]), cid) for cid, n in config.categories.items()]
    names += [(text_key(a), cid) for cid, aliases in config.category_aliases.items() for a in aliases]
    found = [(len(k), cid) for k, cid in names if k and k in folded]
    if found:
        return max(found)[1]
    match = index.lookup(text)
    best = match.best
    return best.category if best is not None and match.kind == "item" and match.how == "exact" else None


def schedule_replies(area: Area, category: str | None, ctx: Context) -> list[Reply]:
    """One category's days and next date, or every category of the area with its next date."""
    if category:
        out = [category_day(area, category, ctx)]
    else:
        lines = []
        for cid in area.rules:
            rule = area.rule(cid)
            if rule:
                nxt = ctx.wording.next_date(area.next_date(cid, ctx.today, ctx.config.break_rule), ctx.today)
                lines.append(ctx.wording.line(ctx.config.categories.get(cid, cid), rule, nxt))
        out = [Reply("utter_garbage_schedule", {"area": area.name, "days": "\n".join(lines)})]
    if area.remarks:
        out.append(Reply("utter_garbage_area_remarks", {"remarks": "\n".join(area.remarks)}))
    return [*out, CONTACT]


def ask_area_replies(areas: Areas, config: GarbageConfig) -> list[Reply]:
    if not len(areas):
        return [Reply("utter_garbage_no_areas"), CONTACT]
    if len(areas) <= config.max_area_buttons:
        return [Reply("utter_ask_garbage_area", {}, area_buttons(areas.areas))]
    examples = "、".join(a.name for a in areas.areas[:3])
    return [Reply("utter_ask_garbage_area_typed", {"examples": examples})]


def area_rejected_replies(typed: str, candidates: list[Area]) -> list[Reply]:
    if candidates:
        return [Reply("utter_garbage_area_candidates", {"typed": typed}, area_buttons(candidates))]
    return [Reply("utter_garbage_area_unknown", {"typed": typed})]
