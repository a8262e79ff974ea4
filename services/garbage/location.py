"""A location a citizen shares (LINE's location message) as their garbage collection area.

Inside the city's `bounds` (data/city.yml), the words of the address LINE attaches after the municipality are
matched to an area the way the booking form matches a typed address (services.areas: the earliest, longest area
name, then rapidfuzz); the area goes into the `garbage_area` slot and its collection days are shown. Outside the
bounds the bot says so politely; an address naming no area starts the area form; without any areas imported the
bot says that it cannot tell collection days yet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.errors import ConfigError
from services.common import profile

from . import answers
from .actions import AREA_FORM, AREA_SLOT, answer_context, garbage_service, send_replies
from .areas import Area, Areas

_COUNTRY = re.compile(r"^(日本|Japan)[、,]?\s*")
_POSTAL = re.compile(r"〒?\s*\d{3}-?\d{4}")
# Up to the municipality: 金沢市, 横浜市中区, 石川郡野々市町; an area is named by what follows.
_MUNICIPALITY = re.compile(r"^.*?(?:市|郡.+?[町村])(?:[^\d市区]{1,4}区)?")


@dataclass(frozen=True)
class Bounds:
    south: float
    west: float
    north: float
    east: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


def city_bounds(city: Mapping[str, Any]) -> Bounds | None:
    """`bounds:` of the city profile; None when the city gives none (then every location is tried)."""
    section = city.get("bounds")
    if section is None:
        return None
    try:
        bounds = Bounds(**{k: float(section[k]) for k in ("south", "west", "north", "east")})
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            "city.yml: `bounds` needs south, west, north and east in decimal degrees (e.g. south: 36.40)."
        ) from exc
    if bounds.south >= bounds.north or bounds.west >= bounds.east:
        raise ConfigError("city.yml: `bounds` must have south < north and west < east.")
    return bounds


def local_part(address: str) -> str:
    """The words after the municipality, before any number: 〒920-0842 石川県金沢市浅野本町2丁目 → 浅野本町."""
    text = unicodedata.normalize("NFKC", address or "").strip()
    text = _POSTAL.sub("", _COUNTRY.sub("", text)).strip()
    m = _MUNICIPALITY.match(text)
    if m:
        text = text[m.end() :]
    return re.split(r"\d", text, maxsplit=1)[0].strip(" 、,")


def area_for_address(address: str, areas: Areas) -> Area | None:
    local = local_part(address)
    return areas.in_address(local) if local else None


def _coordinates(entities: Mapping[str, Any]) -> tuple[float, float] | None:
    try:
        return float(entities["latitude"]), float(entities["longitude"])
    except (KeyError, TypeError, ValueError):
        return None


class ActionLocationArea(Action):
    def name(self) -> str:
        return "action_location_area"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        entities = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}
        bounds, point = city_bounds(profile()), _coordinates(entities)
        if bounds and point and not bounds.contains(*point):
            dispatcher.utter_message(response="utter_location_outside_city")
            return []
        service = garbage_service()
        areas = service.snapshot().areas
        if not len(areas):
            send_replies(dispatcher, answers.ask_area_replies(areas, service.config))
            return []
        area = area_for_address(str(entities.get("location_address") or ""), areas)
        if area:
            dispatcher.utter_message(response="utter_location_area_set", area=area.name)
            if (tracker.active_loop or {}).get("name") != AREA_FORM:  # the area form, filled, shows the days itself
                send_replies(dispatcher, answers.schedule_replies(area, None, answer_context(service, domain)))
            return [SlotSet(AREA_SLOT, area.name)]
        dispatcher.utter_message(response="utter_location_area_unknown")
        if (tracker.active_loop or {}).get("name"):  # a procedure is under way: do not start another
            return []
        return [FollowupAction(AREA_FORM)]
