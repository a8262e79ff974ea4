"""The city's web console under /admin: named users with roles, sign-in, the audit log, and the frame that FAQ
curation (services/console/faq/), the unanswered queue and the dashboard (services/console/insights/) and the
bulky-waste booking pages (services/booking/web.py) plug into.

What a console feature uses (each a feature of its own, an entry point in pyproject.toml, wiring itself in init_app):

- Blueprints under /admin (`url_prefix="/admin/faq"`), their templates in a folder of their own name
  (`templates/console_faq/...`) so that names never collide.
- `services.console.auth`:
  - `ROLES = ("staff", "bookings", "analyst", "admin")`; `admin` may do everything.
  - `@require_role("staff")` on every view (below `@bp.get(...)`): anonymous → redirect to /admin/login and back,
    signed in without the role → 403. It records the roles on the view; a view under /admin without it (or
    `@public`) is refused to everyone, and tests/channel/test_console_routes.py tries every /admin route with every
    role against what the view declared.
  - `current_user()` → the signed-in `User` (`.name`, `.role`, `.may(roles)`) or None.
- `services.console.audit.record(session, actor, action, target, before, after)`: one audit row in the caller's
  transaction (`actor` a User or a name; `before`/`after` JSON-able, None for none); `record_now(database_url, ...)`
  in a transaction of its own.
- `services.console.nav.add_section(app, endpoint, label, order)`: a link in the navigation, shown to users whose
  role the endpoint's `require_role` allows (home 0, users and audit log 90).
- Templates extend `console/base.html` (Japanese, skip link, header/nav/main landmarks, flash messages in a
  role=status region): `{% block title %}`, `{% block content %}`, `{% block head %}` for a stylesheet of your own.
  Every form carries `<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">` (Flask-WTF); a script
  sends the X-CSRFToken header. POSTs under /admin without it get 400. `console/labels.html` has the roles' names.
- Sign-in throttling, session expiry, the secure cookie and the internal listener (BOT_CONSOLE_PORT) apply to every
  /admin path (services.console.gate); nothing to do in a feature.
"""
