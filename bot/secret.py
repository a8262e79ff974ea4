"""Secrets of one installation: from the environment, or outside production generated once under var/.

Every process of one installation (the server's workers, `bot remind` from cron) reads the same file, so what one
signs the others accept. Production never makes one up: a missing secret stops the start with the variable's name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from .errors import ConfigError
from .settings import Settings


def installation_secret(settings: Settings, value: str, variable: str) -> str:
    """`value` (the variable's setting), else the secret kept in var/<variable in lower case> (mode 0600)."""
    if value:
        return value
    if settings.production:
        raise ConfigError(f"Set {variable} (a long random string): BOT_ENV=production never uses a generated secret.")
    path = Path(settings.project_dir) / "var" / variable.lower()
    if not path.exists():
        # Written whole under another name, then linked in: a process starting at the same moment reads either
        # nothing (and links its own, in vain) or the whole secret, never half of it.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
        try:
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def secret_key(settings: Settings) -> str:
    """BOT_SECRET_KEY: signs the ids the web widget hands out."""
    return installation_secret(settings, settings.secret_key, "BOT_SECRET_KEY")
