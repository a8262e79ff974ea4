"""data/bulky.yml: a city's bulky-waste booking rules, checked when read so a typo fails with the allowed keys."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config_keys import checked_mapping
from bot.errors import ConfigError
from bot.filecache import FileCache

CONFIG_FILE = "bulky.yml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PAYMENT_METHODS = ("sticker", "online")
_TOP_KEYS = {"booking", "payment", "labels", "reminders", "lockouts"}
_BOOKING_KEYS = {
    "enabled",
    "lead_working_days",
    "horizon_days",
    "date_buttons",
    "pickup_weekdays",
    "closed_dates",
    "default_capacity",
    "capacity",
    "cancel_deadline_working_days",
    "max_quantity",
    "max_pieces",
    "max_capacity",
    "put_out_by",
}
_PAYMENT_KEYS = {"methods", "provider", "labels", "sticker"}
_REMINDER_KEYS = {"days_before", "claim_timeout_minutes"}
_LABEL_KEYS = {"fields", "summary_title", "booking_title", "total"}
_LOCKOUT_KEYS = {"booking_lookup"}
FIELDS = ("bulky_items", "bulky_address", "bulky_date", "bulky_name", "bulky_phone", "bulky_payment")


@dataclass(frozen=True)
class Throttle:
    """At most `failures` failed attempts within `window_minutes`."""

    failures: int
    window_minutes: int


@dataclass(frozen=True)
class Lockout(Throttle):
    """…and the one that reaches `failures` locks for `lockout_minutes`."""

    lockout_minutes: int


@dataclass(frozen=True)
class BookingConfig:
    enabled: bool = True  # bookings in the chat; off without bulky.yml or with `booking.enabled: false`
    lead_working_days: int = 2  # earliest pickup, in working days after today
    horizon_days: int = 60  # latest pickup, in calendar days from today
    date_buttons: int = 5  # free dates offered as buttons
    pickup_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # date.weekday() values with pickups
    closed_dates: tuple[tuple[int, int], ...] = ()  # (month, day) without pickups, every year
    default_capacity: int = 20  # bookings per area and pickup day
    capacity: dict[str, int] = field(default_factory=dict)  # per-area overrides of default_capacity
    cancel_deadline_working_days: int = 2  # cancel or move until this many working days before pickup
    max_quantity: int = 10  # pieces of one item
    max_pieces: int = 10  # pieces in one booking
    max_capacity: int = 1000  # the most places staff can give one area on one day
    put_out_by: str = ""
    payment_methods: tuple[str, ...] = PAYMENT_METHODS
    payment_provider: str = "sandbox"
    payment_labels: dict[str, str] = field(default_factory=dict)
    sticker: dict[str, str] = field(default_factory=dict)  # shops, how_to
    reminder_days_before: int = 1
    claim_timeout_minutes: int = 15
    field_labels: dict[str, str] = field(default_factory=lambda: dict(zip(FIELDS, FIELDS, strict=True)))
    summary_title: str = ""
    booking_title: str = ""
    total_label: str = "Total"
    lookup_lockout: Lockout = Lockout(5, 15, 15)  # wrong phone numbers for one booking number

    def area_capacity(self, area: str) -> int:
        return self.capacity.get(area, self.default_capacity)

    def payment_label(self, method: str) -> str:
        return self.payment_labels.get(method, method)


def _section(path: Path, doc: dict, name: str, allowed: set[str]) -> dict:
    return checked_mapping(f"{path}: `{name}`", doc.get(name) or {}, allowed)


def _int(path: Path, where: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{path}: `{where}` must be a whole number of at least {minimum}, got {value!r}.")
    return value


def _limits(path: Path, section: dict, name: str, default: Throttle) -> Any:
    """`lockouts.<name>` as a value of the default's class (Throttle or Lockout), each field a whole number ≥ 1."""
    keys = [f.name for f in dataclasses.fields(default)]
    spec = checked_mapping(f"{path}: `lockouts.{name}`", section.get(name), set(keys))
    return type(default)(*(_int(path, f"lockouts.{name}.{k}", spec.get(k, getattr(default, k)), 1) for k in keys))


def _closed(path: Path, values) -> tuple[tuple[int, int], ...]:
    out = []
    for v in values or []:
        try:
            month, day = (int(p) for p in str(v).split("-"))
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise ValueError
        except ValueError:
            raise ConfigError(f'{path}: booking.closed_dates takes MM-DD values such as "12-31", got {v!r}.') from None
        out.append((month, day))
    return tuple(out)


def parse(doc: dict, path: Path) -> BookingConfig:
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping at the top.")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}. Allowed: {sorted(_TOP_KEYS)}.")
    b = _section(path, doc, "booking", _BOOKING_KEYS)
    pay = _section(path, doc, "payment", _PAYMENT_KEYS)
    rem = _section(path, doc, "reminders", _REMINDER_KEYS)
    labels = _section(path, doc, "labels", _LABEL_KEYS)
    lockouts = _section(path, doc, "lockouts", _LOCKOUT_KEYS)
    fields = {str(k): str(v) for k, v in (labels.get("fields") or {}).items()}
    if set(fields) != set(FIELDS):
        raise ConfigError(f"{path}: labels.fields needs exactly {', '.join(FIELDS)}.")
    weekdays = b.get("pickup_weekdays", list(WEEKDAYS[:5]))
    bad = [w for w in weekdays if w not in WEEKDAYS]
    if bad:
        raise ConfigError(f"{path}: booking.pickup_weekdays has {bad}; use {', '.join(WEEKDAYS)}.")
    methods = tuple(pay.get("methods") or PAYMENT_METHODS)
    bad = [m for m in methods if m not in PAYMENT_METHODS]
    if bad or not methods:
        raise ConfigError(f"{path}: payment.methods has {bad or 'nothing'}; use {', '.join(PAYMENT_METHODS)}.")
    enabled = b.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{path}: booking.enabled must be true or false, got {enabled!r}.")
    max_capacity = _int(path, "booking.max_capacity", b.get("max_capacity", 1000), 1)
    capacity = {str(k): _int(path, f"booking.capacity.{k}", v) for k, v in (b.get("capacity") or {}).items()}
    default_capacity = _int(path, "booking.default_capacity", b.get("default_capacity", 20))
    if max([default_capacity, *capacity.values()]) > max_capacity:
        raise ConfigError(f"{path}: booking.default_capacity and booking.capacity must not exceed {max_capacity}.")
    return BookingConfig(
        enabled=enabled,
        lead_working_days=_int(path, "booking.lead_working_days", b.get("lead_working_days", 2)),
        horizon_days=_int(path, "booking.horizon_days", b.get("horizon_days", 60), 1),
        date_buttons=_int(path, "booking.date_buttons", b.get("date_buttons", 5), 1),
        pickup_weekdays=tuple(WEEKDAYS.index(w) for w in weekdays),
        closed_dates=_closed(path, b.get("closed_dates")),
        default_capacity=default_capacity,
        capacity=capacity,
        cancel_deadline_working_days=_int(
            path, "booking.cancel_deadline_working_days", b.get("cancel_deadline_working_days", 2)
        ),
        max_quantity=_int(path, "booking.max_quantity", b.get("max_quantity", 10), 1),
        max_pieces=_int(path, "booking.max_pieces", b.get("max_pieces", 10), 1),
        max_capacity=max_capacity,
        put_out_by=str(b.get("put_out_by", "")),
        payment_methods=methods,
        payment_provider=str(pay.get("provider", "sandbox")),
        payment_labels={str(k): str(v) for k, v in (pay.get("labels") or {}).items()},
        sticker={str(k): str(v) for k, v in (pay.get("sticker") or {}).items()},
        reminder_days_before=_int(path, "reminders.days_before", rem.get("days_before", 1)),
        claim_timeout_minutes=_int(path, "reminders.claim_timeout_minutes", rem.get("claim_timeout_minutes", 15), 1),
        field_labels=fields,
        summary_title=str(labels.get("summary_title", "")),
        booking_title=str(labels.get("booking_title", "")),
        total_label=str(labels.get("total", "")),
        lookup_lockout=_limits(path, lockouts, "booking_lookup", BookingConfig.lookup_lockout),
    )


def _read(path: Path) -> BookingConfig:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return BookingConfig(enabled=False)  # a city that wrote no booking rules takes no bookings in the chat
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from exc
    return parse(doc, path)


_CONFIGS = FileCache(_read)


def load_config(data_dir: Path) -> BookingConfig:
    """The city's booking rules; re-read when the file changes. A city without the file gets the defaults, with
    booking off: the citizens are given the bulky office's contact instead (ADOPTING.md, step 5)."""
    path = Path(data_dir) / CONFIG_FILE
    return _CONFIGS.get([path], path)
