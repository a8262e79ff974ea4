"""Responses from domain.yml: conditional variations by slot and channel, filled from slots and the city profile."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .. import city as city_profile

_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def _condition_holds(cond: dict[str, Any], slots: Mapping[str, Any]) -> bool:
    return cond.get("type", "slot") == "slot" and slots.get(cond.get("name", "")) == cond.get("value")


def choose_variation(variations: list[dict[str, Any]], slots: Mapping[str, Any], channel: str) -> dict[str, Any] | None:
    """Most specific matching variation first (conditions and channel), else the first plain one."""
    best, best_score = None, -1
    for v in variations:
        if v.get("channel") and v["channel"] != channel:
            continue
        conds = v.get("condition") or []
        if not all(_condition_holds(c, slots) for c in conds):
            continue
        score = len(conds) + (1 if v.get("channel") else 0)
        if score > best_score:
            best, best_score = v, score
    return best


def template_vars(profile: Mapping[str, Any]) -> dict[str, Any]:
    office = city_profile.contact(profile)
    return {
        "city_name": profile["city"]["name"],
        "contact_name": office.get("name", ""),
        "contact_section": office.get("section", ""),
        "contact_phone": office.get("phone", ""),
        "contact_hours": office.get("hours", ""),
    }


def fill(text: str, values: Mapping[str, Any], profile: Mapping[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in values and values[key] is not None:
            return str(values[key])
        if "." in key:
            try:
                return str(city_profile.lookup(profile, key))
            except KeyError:
                pass
        return m.group(0)  # as Rasa does: an unknown variable stays visible rather than failing

    return _VAR.sub(sub, text)


class Responder:
    def __init__(
        self, responses: dict[str, list[dict[str, Any]]], profile_loader: Callable[[], Mapping[str, Any]]
    ) -> None:
        self.responses = responses
        self.profile_loader = profile_loader

    def has(self, name: str) -> bool:
        return name in self.responses

    def render(
        self, name: str, slots: Mapping[str, Any], channel: str, extra: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        variation = choose_variation(self.responses.get(name) or [], slots, channel)
        if variation is None:
            return None
        profile = self.profile_loader()
        values = {**template_vars(profile), **slots, **(extra or {})}
        message: dict[str, Any] = {"response": name}
        if variation.get("text"):
            message["text"] = fill(variation["text"], values, profile)
        if variation.get("buttons"):
            message["buttons"] = [
                {"title": fill(b["title"], values, profile), "payload": b["payload"]} for b in variation["buttons"]
            ]
        for key in ("image", "custom", "attachment"):
            if variation.get(key):
                message[key] = variation[key]
        return message
