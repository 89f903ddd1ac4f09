"""Message catalogues (zh-TW and en) compiled in memory at start-up, and locale choice.

The ``.po`` files under ``digiplus/locale/<lang>/LC_MESSAGES/messages.po`` are the
only source: they are compiled to ``.mo`` in memory on first use, so neither a build
step nor a committed ``.mo`` file is needed. Update them with ``pybabel extract -F
babel.cfg`` and ``pybabel update`` (see ``babel.cfg``).
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("en", "zh_TW")
DEFAULT_LOCALE = "en"
LOCALE_LABELS = {"en": "English", "zh_TW": "繁體中文"}
HTML_LANG = {"en": "en", "zh_TW": "zh-Hant-TW"}
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
# The platform serves Taiwan first: times on pages are shown in Taipei time, with the zone named.
DISPLAY_TIMEZONE = ZoneInfo("Asia/Taipei")

_current: ContextVar[str] = ContextVar("digiplus_locale", default=DEFAULT_LOCALE)


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> Translations:
    """The compiled catalogue of ``locale`` (read once per process)."""
    with po_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale, domain="messages")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def normalize(value: str | None) -> str | None:
    """``zh-TW``, ``zh_tw``, ``zh-Hant`` → ``zh_TW``; ``en-GB`` → ``en``; anything else → None."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        # Simplified Chinese readers are better served by English than by a wrong script.
        return None if tag in ("zh-cn", "zh-sg", "zh-hans", "zh-hans-cn") else "zh_TW"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def negotiate(accept_language: str | None) -> str:
    """The best of our locales for an ``Accept-Language`` header (by q-value, then order)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        locale = normalize(tag)
        if locale and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def current_locale() -> str:
    return _current.get()


def set_current_locale(locale: str) -> object:
    return _current.set(locale)


def reset_current_locale(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def gettext(message: str) -> str:
    """``message`` in the locale of the page being rendered."""
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, n)


def translate(locale: str, message: str) -> str:
    return translations(locale).ugettext(message)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when shown."""
    return message


ROLE_LABELS = {
    "owner": N_("Owner"),
    "admin": N_("Admin"),
    "developer": N_("Developer"),
    "analyst": N_("Analyst"),
    "viewer": N_("Viewer"),
}


def format_time(value: datetime | None, locale: str | None = None) -> str:
    if value is None:
        return "—"
    return format_datetime(value, "yyyy-MM-dd HH:mm zzz", tzinfo=DISPLAY_TIMEZONE, locale=locale or _current.get())
