"""Cookies, CSRF tokens and safe redirects of the web pages.

A logged-in browser proves a form is ours with the session's ``csrf_token`` (a hidden
field, or the ``X-CSRF-Token`` header that HTMX sends). Before login there is no
session, so the login and language forms carry ``HMAC(secret_key, pre-session
cookie)``: a site that cannot read our cookie cannot compute it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from digiplus.settings import Settings, get_settings

SESSION_COOKIE = "dp_session"
PRESESSION_COOKIE = "dp_pre"
LANG_COOKIE = "dp_lang"
FLASH_COOKIE = "dp_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_YEAR = 365 * 24 * 3600


def _sign(purpose: str, value: str, settings: Settings | None = None) -> str:
    key = (settings or get_settings()).secret_key.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def tokens_match(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def presession_id(request: Request) -> str | None:
    value = request.cookies.get(PRESESSION_COOKIE)
    return value if value and len(value) <= 64 else None


def new_presession_id() -> str:
    return secrets.token_urlsafe(24)


def presession_csrf(presession: str) -> str:
    return _sign("login-csrf", presession)


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in value):
        return default
    return value


def cookie_options(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    return {"httponly": True, "samesite": "lax", "secure": settings.env == "production", "path": "/"}


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_max_age_seconds, **cookie_options(settings))


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, **cookie_options())


def set_presession_cookie(response: Response, presession: str) -> None:
    response.set_cookie(PRESESSION_COOKIE, presession, max_age=2 * 3600, **cookie_options())


def set_lang_cookie(response: Response, locale: str) -> None:
    response.set_cookie(LANG_COOKIE, locale, max_age=_YEAR, **cookie_options())


def set_flash(response: Response, message: str, kind: str = "success", **params: str) -> None:
    """A one-time message for the next page (``message`` is an untranslated msgid)."""
    payload = base64.urlsafe_b64encode(json.dumps([kind, message, params]).encode()).decode()
    response.set_cookie(FLASH_COOKIE, f"{payload}.{_sign('flash', payload)}", max_age=300, **cookie_options())


def read_flash(request: Request) -> tuple[str, str, dict[str, str]] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    payload, signature = raw.rsplit(".", 1)
    if not tokens_match(signature, _sign("flash", payload)):
        return None
    try:
        kind, message, params = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    if not isinstance(kind, str) or not isinstance(message, str) or not isinstance(params, dict):
        return None
    return kind, message, {str(k): str(v) for k, v in params.items()}


def clear_flash(response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE, **cookie_options())
