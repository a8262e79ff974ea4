"""The booking feature's part of `bot city check`: the city's own fee table, and the domain's item buttons that
choose fee ids it does not have (the demo's ソファー, たんす… would offer items the city cannot price), for a city that
takes bookings in the chat (bulky.yml)."""

from __future__ import annotations

from bot.citycheck import where
from bot.domain import Domain
from bot.features import CityCheck
from bot.payload import PayloadError, decode_payload
from bot.settings import Settings

from .config import load_config
from .fees import FEES_FILE, read_fee_file

CHOICE_SLOT = "bulky_item_choice"  # the slot an item button fills: [{"id": ..., "quantity": ...}]


def city_check(settings: Settings) -> list[CityCheck]:
    """Nothing while the city takes no bookings in the chat: no fee is then asked for."""
    if not load_config(settings.data_dir).enabled:
        return []
    path = settings.data_dir / FEES_FILE
    if not path.is_file():
        found = [
            CityCheck(FEES_FILE, "missing: only garbage items with a `bulky_fee` can be booked (ADOPTING.md, step 5)")
        ]
        ids: set[str] = set()
    else:
        found, ids = [], {item.id for item in read_fee_file(path)[0]}
    for name, variants in Domain.load(settings.domain_file).responses.items():
        for variant in variants:
            for button in variant.get("buttons") or []:
                try:
                    decoded = decode_payload(str(button.get("payload", "")))
                except PayloadError:
                    continue  # `bot data validate` reports it
                choices = (decoded[1].get(CHOICE_SLOT) if decoded else None) or []
                unknown = sorted({str(c.get("id")) for c in choices if isinstance(c, dict)} - ids)
                if unknown:
                    found.append(
                        CityCheck(
                            where(settings, settings.domain_file),
                            f"`{name}` button 「{button.get('title')}」 chooses fee id(s) {unknown}, not in {FEES_FILE}",
                        )
                    )
    return found
