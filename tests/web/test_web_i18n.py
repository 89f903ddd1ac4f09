"""Every page string is catalogued in zh-TW; the language switch is remembered (cookie and account)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from web_browser import Browser, Member

from digiplus.core.db import Database
from digiplus.identity.models import User
from digiplus.web import i18n

SRC = Path(i18n.__file__).resolve().parents[1]
# The same method map as babel.cfg.
METHOD_MAP = [
    ("**/pages.py", "python"),
    ("**/pages/*.py", "python"),
    ("**/web/*.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}}


def _extracted() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(SRC), METHOD_MAP, OPTIONS, keywords={"_": None, "gettext": None, "N_": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, filename)
    return found


def test_the_extraction_sees_the_pages() -> None:
    found = _extracted()
    assert "Test mode — test data only" in found  # a template
    assert "Wrong email or password." in found  # web/pages.py
    assert "Audit log" in found  # core/audit/pages.py
    assert "FinTech sandbox" in found  # web/service.py
    assert len(found) > 150


def test_every_msgid_has_a_zh_tw_translation() -> None:
    catalogue = i18n.translations("zh_TW")
    missing = {
        msgid: where
        for msgid, where in _extracted().items()
        if catalogue.ugettext(msgid) == msgid and msgid not in ("ID", "Webhooks")
    }  # the same in both languages
    assert missing == {}, "add these to src/digiplus/locale/zh_TW/LC_MESSAGES/messages.po (see babel.cfg)"


def test_translations_keep_their_placeholders() -> None:
    catalogue = i18n.translations("zh_TW")
    for msgid in _extracted():
        if "%(" in msgid:
            translated = catalogue.ugettext(msgid)
            for name in ("email", "key", "url", "name", "field"):
                assert (f"%({name})s" in msgid) == (f"%({name})s" in translated), msgid


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh_TW"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, zh-Hant;q=0.5", "zh_TW"),
        ("zh-CN", "en"),
        ("de", "en"),
        ("", "en"),
        ("en;q=0.2, zh-TW;q=0.8", "zh_TW"),
    ],
)
def test_accept_language_negotiation(header: str, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_login_page_follows_accept_language(make_browser: Callable[..., Browser]) -> None:
    page = make_browser().get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9"})
    assert '<html lang="zh-Hant-TW">' in page.text
    assert "登入 digiplus" in page.text


def test_language_switch_sets_the_cookie_and_the_users_locale(browser: Browser, owner: Member, db: Database) -> None:
    response = browser.post("/language", {"lang": "zh_TW", "next": "/api-keys"})
    assert response.status_code == 303
    assert response.headers["location"] == "/api-keys"
    assert "dp_lang=zh_TW" in response.headers["set-cookie"]
    page = browser.get("/api-keys").text
    assert "測試模式 — 僅限測試資料" in page
    assert "建立 API 金鑰" in page
    with db.session() as session:
        user = session.get(User, owner.user_id)
        assert user is not None and user.locale == "zh_TW"


def test_the_accounts_language_applies_in_a_new_browser(
    make_browser: Callable[..., Browser], make_member: Callable[..., Member]
) -> None:
    member = make_member("mei@example.com", locale="zh_TW")
    page = make_browser(member).get("/", headers={"Accept-Language": "en"})
    assert "平台模組" in page.text


def test_a_language_chosen_before_login_is_saved_to_the_account(
    make_browser: Callable[..., Browser], owner: Member, db: Database
) -> None:
    browser = make_browser()
    assert browser.post("/language", {"lang": "zh_TW", "next": "/login"}, csrf_from="/login").status_code == 303
    assert "登入" in browser.get("/login").text
    browser.login(owner.email)
    with db.session() as session:
        user = session.get(User, owner.user_id)
        assert user is not None and user.locale == "zh_TW"


def test_language_switch_needs_the_csrf_token(browser: Browser, owner: Member, db: Database) -> None:
    assert browser.post("/language", {"lang": "zh_TW", "csrf_token": "x"}, csrf_from=None).status_code == 403
    with db.session() as session:
        user = session.get(User, owner.user_id)
        assert user is not None and user.locale == "en"
