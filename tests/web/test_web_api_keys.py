"""The API keys page: list in the session's mode, create (shown once), revoke, CSRF and permissions."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from web_browser import Browser, Member

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.models import ApiKey
from digiplus.identity.schemas import ApiKeyCreate


def _keys(db: Database, org_id: str) -> list[ApiKey]:
    with db.session() as session:
        return list(session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id)))


def _make_key(db: Database, org_id: str, name: str, live: bool = False) -> ApiKey:
    with db.session() as session:
        key, _ = service.create_api_key(session, Caller.system(org_id, live), ApiKeyCreate(name=name))
        return key


def test_create_shows_the_secret_once_and_lists_the_key(browser: Browser, owner: Member, db: Database) -> None:
    response = browser.post("/api-keys", {"name": "Checkout server", "role": "developer"}, csrf_from="/api-keys")
    assert response.status_code == 200
    secret = re.search(r'value="(sk_test_[A-Za-z0-9_\-]+)"', response.text)
    assert secret is not None
    assert "It is shown only once" in response.text
    [key] = _keys(db, owner.org_id)
    assert (key.name, key.role, key.livemode, key.last4) == (
        "Checkout server",
        "developer",
        False,
        secret.group(1)[-4:],
    )
    listing = browser.get("/api-keys").text
    assert f"sk_test_…{key.last4}" in listing
    assert secret.group(1) not in listing  # never shown again


def test_post_without_the_csrf_token_is_refused_and_creates_nothing(
    browser: Browser, owner: Member, db: Database
) -> None:
    response = browser.post("/api-keys", {"name": "Forged", "csrf_token": "not-the-token"}, csrf_from=None)
    assert response.status_code == 403
    response = browser.post("/api-keys", {"name": "Forged"}, csrf_from=None)
    assert response.status_code == 403
    assert _keys(db, owner.org_id) == []


def test_htmx_requests_send_the_token_as_a_header(browser: Browser, owner: Member, db: Database) -> None:
    token = browser.token("/api-keys")
    response = browser.client.post(
        "/api-keys", data={"name": "From HTMX"}, headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert response.status_code == 200
    assert response.text.startswith('<div id="keys-section">')  # the fragment, not the whole page
    assert [k.name for k in _keys(db, owner.org_id)] == ["From HTMX"]


def test_test_live_switch_changes_which_keys_are_listed(browser: Browser, owner: Member, db: Database) -> None:
    test_key = _make_key(db, owner.org_id, "Test only")
    live_key = _make_key(db, owner.org_id, "Live only", live=True)
    page = browser.get("/api-keys").text
    assert "Test only" in page and "Live only" not in page
    assert "Test mode — test data only" in page

    response = browser.post("/mode", {"mode": "live", "next": "/api-keys"})
    assert response.status_code == 303
    assert response.headers["location"] == "/api-keys"
    page = browser.get("/api-keys").text
    assert "Live only" in page and "Test only" not in page
    assert f"sk_live_…{live_key.last4}" in page
    assert "Test mode — test data only" not in page

    browser.post("/mode", {"mode": "test", "next": "/api-keys"})
    page = browser.get("/api-keys").text
    assert f"sk_test_…{test_key.last4}" in page and "Live only" not in page


def test_keys_created_in_live_mode_are_live_keys(browser: Browser, owner: Member, db: Database) -> None:
    browser.post("/mode", {"mode": "live"})
    response = browser.post("/api-keys", {"name": "Production"}, csrf_from="/api-keys")
    assert "sk_live_" in response.text
    [key] = _keys(db, owner.org_id)
    assert key.livemode is True


def test_revoke_with_confirmation_page(browser: Browser, owner: Member, db: Database) -> None:
    key = _make_key(db, owner.org_id, "Old server")
    confirm = browser.get(f"/api-keys/{key.id}/revoke")
    assert confirm.status_code == 200
    assert f"Revoke sk_test_…{key.last4}?" in confirm.text
    assert _keys(db, owner.org_id)[0].revoked_at is None  # looking at the confirmation changes nothing

    response = browser.post(f"/api-keys/{key.id}/revoke", csrf_from=f"/api-keys/{key.id}/revoke")
    assert response.status_code == 303
    assert _keys(db, owner.org_id)[0].revoked_at is not None
    assert f"The key sk_test_…{key.last4} was revoked." in browser.get("/api-keys").text


def test_revoke_by_htmx_returns_the_row(browser: Browser, owner: Member, db: Database) -> None:
    key = _make_key(db, owner.org_id, "Old server")
    token = browser.token("/api-keys")
    response = browser.client.post(f"/api-keys/{key.id}/revoke", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.text.startswith(f'<tr id="row-{key.id}" class="revoked">')
    assert "Revoked" in response.text


def test_another_orgs_key_is_not_found(browser: Browser, make_member: Callable[..., Member], db: Database) -> None:
    other = make_member("bob@example.com", org_name="Other Org")
    theirs = _make_key(db, other.org_id, "Not yours")
    assert browser.get(f"/api-keys/{theirs.id}/revoke").status_code == 404
    response = browser.post(f"/api-keys/{theirs.id}/revoke")
    assert response.status_code == 404
    assert "belongs to another organization" in response.text
    assert _keys(db, other.org_id)[0].revoked_at is None


def test_the_other_modes_key_is_not_found(browser: Browser, owner: Member, db: Database) -> None:
    live_key = _make_key(db, owner.org_id, "Live", live=True)
    assert browser.post(f"/api-keys/{live_key.id}/revoke").status_code == 404
    assert _keys(db, owner.org_id)[0].revoked_at is None


def test_viewer_sees_no_buttons_and_a_forged_post_is_refused(
    make_browser: Callable[..., Browser], make_member: Callable[..., Member], owner: Member, db: Database
) -> None:
    key = _make_key(db, owner.org_id, "Existing")
    viewer = make_browser(make_member("vera@example.com", role="viewer", org_id=owner.org_id))
    page = viewer.get("/api-keys").text
    assert "Existing" in page
    assert "Create key" not in page
    assert "Revoke" not in page
    assert viewer.post("/api-keys", {"name": "Sneaky"}).status_code == 403
    assert viewer.post(f"/api-keys/{key.id}/revoke").status_code == 403
    keys = _keys(db, owner.org_id)
    assert [(k.name, k.revoked_at) for k in keys] == [("Existing", None)]


def test_developer_cannot_create_an_owner_key(
    make_browser: Callable[..., Browser], make_member: Callable[..., Member], owner: Member, db: Database
) -> None:
    developer = make_browser(make_member("dev@example.com", role="developer", org_id=owner.org_id))
    page = developer.get("/api-keys").text
    assert '<option value="owner"' not in page and '<option value="developer"' in page
    response = developer.post("/api-keys", {"name": "Escalate", "role": "owner"}, csrf_from="/api-keys")
    assert response.status_code == 400
    assert "You cannot give a key a role above your own." in response.text
    assert _keys(db, owner.org_id) == []


def test_a_blank_name_is_refused_with_a_message(browser: Browser, owner: Member, db: Database) -> None:
    response = browser.post("/api-keys", {"name": "   "}, csrf_from="/api-keys")
    assert response.status_code == 400
    assert "Please check the field “name”." in response.text
    assert _keys(db, owner.org_id) == []
