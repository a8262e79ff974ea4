"""Security headers on every response, set in one place (OWASP Secure Headers), and the client's address and scheme
behind a reverse proxy.

- Content-Security-Policy: our pages load only our own scripts, styles and connections; an inline <style> carries
  this response's nonce (`<style nonce="{{ csp_nonce() }}">`); no page may be framed (`frame-ancestors 'none'`, and
  X-Frame-Options: DENY for older browsers), so the staff console's 収集済 and the payment page's 支払う cannot be
  clickjacked.
- X-Content-Type-Options: nosniff. Referrer-Policy: no-referrer (a payment page's address is its capability).
- Cache-Control: no-store, unless the route chose its own caching (the widget's script and stylesheet do): staff
  pages, payment pages and chat answers carry personal data.
- Cross-Origin-Resource-Policy: same-origin, except scripts and stylesheets, which the city's own pages embed
  (cross-origin; the city origins' CORS for them is set in connectors/widget.py).
- Strict-Transport-Security on responses sent over https, for BOT_HSTS_MAX_AGE seconds (0: none).

Behind a TLS-terminating proxy set BOT_TRUSTED_PROXIES: X-Forwarded-For and -Proto from that many proxies are then
believed, so rate limits count clients rather than the proxy and HSTS is sent.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

# The city's pages load these from us: they may be used cross-origin, and keep the caching their route set.
EMBEDDABLE_TYPES = frozenset({"text/javascript", "text/css"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{style_nonce}; connect-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def csp_nonce() -> str:
    """This response's nonce for inline styles (a template global); the policy names it only once asked for."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def security_headers(response: Response) -> Response:
    headers = response.headers
    nonce = g.get("csp_nonce")
    headers.setdefault("Content-Security-Policy", CSP.format(style_nonce=f" 'nonce-{nonce}'" if nonce else ""))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    embeddable = response.mimetype in EMBEDDABLE_TYPES
    headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin" if embeddable else "same-origin")
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    max_age = current_app.config["BOT_SETTINGS"].hsts_max_age
    if request.is_secure and max_age:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response


def init_app(app: Flask) -> None:
    proxies = app.config["BOT_SETTINGS"].trusted_proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.add_template_global(csp_nonce)
    app.after_request(security_headers)
