"""What every catalogue page shares: the viewer's page context (logged in or not), the answer
(which sets the anonymous visitor's pre-session cookie, so its forms carry a CSRF token), and
the vocabulary labels in the viewer's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from digiplus.core.context import Caller
from digiplus.core.permissions import require
from digiplus.data.vocab import ACCESS_RIGHTS, FORMATS, FREQUENCIES, LICENCES, THEMES
from digiplus.settings import get_settings
from digiplus.web import security
from digiplus.web.deps import anonymous_page
from digiplus.web.errors import NoOrganization
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, page_response

WRITE = "data.write"
SECTION = "data"

MEMBER_ROLES = {
    "agency": N_("Government agency"),
    "association": N_("Association"),
    "data_supplier": N_("Data supplier"),
    "data_user": N_("Data user"),
}


def viewer(request: Request, page: PageContext | None) -> PageContext:
    """The logged-in page context, or an anonymous one (public pages)."""
    page = page if page is not None else anonymous_page(request)
    page.section = SECTION
    return page


def writer(page: PageContext) -> Caller:
    """The caller of a publishing page: needs an org and ``data.write``."""
    if page.caller is None:
        raise NoOrganization()
    require(page.caller.role, WRITE)
    page.section = "data-publish"
    return page.caller


def respond(
    page: PageContext,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    response = page_response(
        page, template, {"L": Labels(page.locale), **(context or {})}, fragment=fragment, status_code=status_code
    )
    new_presession = getattr(page.request.state, "new_presession", None)
    if new_presession and not page.logged_in:
        security.set_presession_cookie(response, new_presession)
    return response


def absolute(path: str) -> str:
    return get_settings().base_url.rstrip("/") + path


@dataclass(frozen=True)
class Labels:
    """Bilingual values and vocabulary codes as the viewer reads them (the code tables carry
    both languages, so they are not in the message catalogue)."""

    locale: str

    @property
    def zh(self) -> bool:
        return self.locale == "zh_TW"

    def pick(self, zh: str, en: str) -> str:
        """The viewer's language, falling back to the other one."""
        first, second = (zh, en) if self.zh else (en, zh)
        return first if first.strip() else second

    def pick_list(self, zh: list[str], en: list[str]) -> list[str]:
        first, second = (zh, en) if self.zh else (en, zh)
        return list(first) if first else list(second)

    def theme(self, code: str) -> str:
        pair = THEMES.get(code)
        return (pair[1] if self.zh else pair[0]) if pair else code

    def licence(self, code: str) -> str:
        lic = LICENCES.get(code)
        return (lic.title_zh if self.zh else lic.title_en) if lic else code

    def licence_uri(self, code: str) -> str:
        lic = LICENCES.get(code)
        return lic.uri if lic and lic.uri.startswith("http") else ""

    def frequency(self, code: str) -> str:
        pair = FREQUENCIES.get(code)
        return (pair[1] if self.zh else pair[0]) if pair else code

    def access(self, code: str) -> str:
        triple = ACCESS_RIGHTS.get(code)
        return (triple[2] if self.zh else triple[1]) if triple else code

    def format(self, code: str) -> str:
        return code if code in FORMATS else code.upper()

    def facet(self, facet: str, value: str, names: Mapping[str, str]) -> str:
        if facet == "publisher":
            return names.get(value, value)
        return {"theme": self.theme, "licence": self.licence, "access": self.access}.get(facet, self.format)(value)

    @property
    def themes(self) -> list[tuple[str, str]]:
        return [(c, self.theme(c)) for c in THEMES]

    @property
    def licences(self) -> list[tuple[str, str]]:
        return [(c, self.licence(c)) for c in LICENCES]

    @property
    def frequencies(self) -> list[tuple[str, str]]:
        return [(c, self.frequency(c)) for c in FREQUENCIES]

    @property
    def access_rights(self) -> list[tuple[str, str]]:
        return [(c, self.access(c)) for c in ACCESS_RIGHTS]

    @property
    def formats(self) -> list[str]:
        return list(FORMATS)
