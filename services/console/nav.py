"""The console's navigation: each section names its page's endpoint and label; a user sees the sections whose
view their role may open (the roles `require_role` recorded on it), so roles are declared once, on the view."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for

from .auth import current_user, roles_of

EXTENSION = "console_sections"


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: str  # Japanese, as shown
    order: int


def add_section(app: Flask, endpoint: str, label: str, order: int = 50) -> None:
    """Show `label` in the console's navigation, linking to `endpoint` (a GET view without URL arguments).
    Lower `order` comes first: the console's home is 0, users and audit log 90."""
    app.extensions.setdefault(EXTENSION, []).append(Section(endpoint, label, order))


def visible() -> list[dict[str, object]]:
    """The sections the signed-in user may open, in order, each with its URL and whether it is this page."""
    user = current_user()
    if user is None:
        return []
    sections = sorted(current_app.extensions.get(EXTENSION, []), key=lambda s: (s.order, s.label))
    shown = []
    for s in sections:
        roles = roles_of(current_app.view_functions.get(s.endpoint))
        if roles is not None and user.may(roles):
            shown.append({"label": s.label, "url": url_for(s.endpoint), "current": request.endpoint == s.endpoint})
    return shown
