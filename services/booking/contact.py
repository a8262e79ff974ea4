"""Contact details and booking numbers: checked and put in one canonical form before anything stores them."""

from __future__ import annotations

import re
import secrets
import unicodedata

# Booking numbers: SD-XXXX-XXXX over 31 characters without look-alikes (0/O, 1/I/L): 8.5 × 10^11 numbers,
# drawn by `secrets`, so one cannot be guessed from another.
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NUMBER_PREFIX = "SD"
_NUMBER = re.compile(r"^SD([A-Z0-9]{4})([A-Z0-9]{4})$")
_PHONE = re.compile(r"^0[0-9]{9,10}$")
_MOBILE = re.compile(r"^0[5789]0")
_NAME_TAIL = re.compile(r"(と申します|ともうします|といいます|です|だよ|でございます|と言います)[。.!！]*$")
_NAME_HEAD = re.compile(r"^(名前は|氏名は|お名前は|わたしは|私は)")
NAME_MAX = 40


def new_booking_number() -> str:
    body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"{NUMBER_PREFIX}-{body[:4]}-{body[4:]}"


def normalize_booking_number(text: str) -> str | None:
    """`sd-abcd-efgh`, `SDABCDEFGH`, full-width forms → `SD-ABCD-EFGH`; None when it is not one."""
    compact = re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", text or "")).upper()
    m = _NUMBER.match(compact)
    return f"{NUMBER_PREFIX}-{m.group(1)}-{m.group(2)}" if m else None


def find_booking_number(text: str) -> str | None:
    """The first booking number inside a sentence."""
    normalized = unicodedata.normalize("NFKC", text or "")
    for m in re.finditer(r"(?<![0-9A-Za-z])[Ss][Dd]-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}(?![0-9A-Za-z])", normalized):
        number = normalize_booking_number(m.group(0))
        if number:
            return number
    return None


def normalize_phone(text: str) -> str | None:
    """Digits of a Japanese phone number (10 digits, or 11 for mobiles and IP phones); None when malformed."""
    normalized = unicodedata.normalize("NFKC", text or "")
    normalized = re.sub(r"^(電話番号は|電話は|番号は)|です[。.]*$", "", normalized.strip())
    if re.search(r"[^\d\s\-()（）ー−‐]", normalized):
        return None
    digits = re.sub(r"[^0-9]", "", normalized)  # ASCII digits only: other scripts' digits are no phone number
    if not _PHONE.match(digits):
        return None
    if (len(digits) == 11) != bool(_MOBILE.match(digits)):  # 090/080/070/050 numbers have 11 digits, others 10
        return None
    return digits


def format_phone(digits: str) -> str:
    """090-1234-5678 for mobiles; fixed lines as given (their area codes vary in length)."""
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return digits


def clean_name(text: str) -> str | None:
    """The name as the crews will read it; None when it cannot be a name (digits, a URL, too long, empty)."""
    name = unicodedata.normalize("NFKC", text or "").strip()
    name = _NAME_TAIL.sub("", _NAME_HEAD.sub("", name)).strip()
    name = re.sub(r"\s+", " ", name)
    if not name or len(name) > NAME_MAX:
        return None
    if re.search(r"[\d@/:<>{}\[\]\\|#$%^&*=+_]", name):
        return None
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        return None
    return name
