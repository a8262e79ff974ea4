"""FAQ curation tests: a city whose data and model folders are copies in the test's temporary folder (publishing
writes the YAML files and trains; the repository's data/ and tests/fixtures/ are never touched), and a signed-in
console session over real HTTP (users and the sign-in form as tests/support/console_support.py has them)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import requests

from tests.support.console_support import PASSWORD, csrf_of

UNLIMITED = {"BOT_RATE_LIMIT_PER_IP": "1000000/minute", "BOT_RATE_LIMIT_PER_SENDER": "1000000/minute"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def copy_city(source: Path, model_dir: Path, into: Path) -> dict[str, str]:
    """The city at `source` with its trained model, copied under `into`, as environment variables."""
    shutil.copytree(source, into / "city")  # symlinked rules become files of the copy
    shutil.copytree(model_dir, into / "models")
    return {"BOT_DATA_DIR": str(into / "city"), "BOT_MODEL_DIR": str(into / "models"), **UNLIMITED}


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page's forms (the CSRF token, the version numbers an edit form was shown at)."""
    return dict(HIDDEN.findall(html))


def signed_in(base_url: str, name: str) -> requests.Session:
    """A browser-like session signed in to the console as `name`."""
    session = requests.Session()
    page = session.get(base_url + "/admin/login")
    reply = session.post(
        base_url + "/admin/login",
        data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text[:500]
    return session
