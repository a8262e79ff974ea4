"""Button payloads in Rasa's `/intent{"entity": "value"}` form, written and read here only.

Actions and channels write them (`encode_payload`); the engine reads them instead of running the NLU, and
`bot data validate` checks the ones in domain.yml (`decode_payload`).
"""

from __future__ import annotations

import json
import re
from typing import Any

_PAYLOAD = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*)(\{.*\})?$", re.DOTALL)


class PayloadError(ValueError):
    """Text shaped like a payload whose JSON part is broken."""


def encode_payload(intent: str, **entities: Any) -> str:
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


def decode_payload(text: str) -> tuple[str, dict[str, Any]] | None:
    """(intent, entities) of a payload; None when `text` is not one, PayloadError when its JSON is not an object."""
    m = _PAYLOAD.match(text)
    if not m:
        return None
    if not m.group(2):
        return m.group(1), {}
    try:
        values = json.loads(m.group(2))
    except ValueError:
        raise PayloadError("invalid JSON") from None
    if not isinstance(values, dict):
        raise PayloadError("the JSON must be an object")
    return m.group(1), values
