"""The one Jinja2 environment: templates from every module's ``templates/`` folder.

Each module keeps its templates in ``<module>/templates/<name>/…`` (for example
``identity/templates/identity/api_keys.html``) and is found through the module list
in ``registry.py``, so a new module adds pages without touching ``web/``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from digiplus.registry import MODULES
from digiplus.web import i18n


def template_dirs() -> list[Path]:
    """The ``templates/`` folder of every registered module that has one."""
    found = []
    for module in MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            folder = Path(location) / "templates"
            if folder.is_dir():
                found.append(folder)
    return found


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in template_dirs()]),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # {% trans %} blocks are whitespace-normalised, in templates and in extraction alike (see babel.cfg).
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = i18n.format_time
    env.globals["LOCALE_LABELS"] = i18n.LOCALE_LABELS
    env.globals["ROLE_LABELS"] = i18n.ROLE_LABELS
    return env


def is_htmx(request: Request) -> bool:
    """An HTMX request that wants a fragment (a boosted link wants the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def render_string(template: str, locale: str, context: Mapping[str, Any]) -> str:
    token = i18n.set_current_locale(locale)
    try:
        return environment().get_template(template).render(context)
    finally:
        i18n.reset_current_locale(token)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    locale: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    body = render_string(template, locale, {"request": request, "locale": locale, **context})
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Vary"] = "Cookie, HX-Request"
    response.headers["Cache-Control"] = "no-store"
    return response
