"""Small parsing helpers the source parsers share: languages, dates, limits on text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_TEXT = 20_000  # characters kept of one description
MAX_SHORT = 1_000  # characters kept of a title, keyword or name


def guess_language(text: str, default: str | None = None) -> str:
    """A source that does not tag its text: Chinese characters → ``zh-TW``, else ``default`` or ``en``."""
    if _CJK.search(text):
        return "zh-TW"
    return default or "en"


def clean(value: Any, limit: int = MAX_SHORT) -> str:
    """A source's value as stripped text (``None`` and non-text → ``""``), cut to ``limit`` characters."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:limit]


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 or ``YYYY-MM-DD HH:MM:SS`` or ``YYYY/MM/DD`` → an aware UTC datetime; junk → ``None``.

    A time without zone is taken as UTC (CKAN's ``metadata_modified`` is UTC without a suffix)."""
    text = clean(value, 64)
    if not text:
        return None
    text = text.replace("/", "-").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_date(value: Any) -> date | None:
    text = clean(value, 64).replace("/", "-")
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        moment = parse_datetime(text)
        return moment.date() if moment else None


def http_url(value: Any) -> str | None:
    """The value if it is an absolute http(s) URL without spaces, else ``None``."""
    text = clean(value, 2_000)
    if re.match(r"^https?://[^\s/?#]+[^\s]*$", text):
        return text
    return None


def split_list(value: Any, separators: str = ";") -> list[str]:
    text = clean(value, MAX_TEXT)
    if not text:
        return []
    return [part.strip() for part in re.split(f"[{re.escape(separators)}]", text) if part.strip()]
