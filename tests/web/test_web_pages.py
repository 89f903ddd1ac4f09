"""The dashboard, team, audit log and webhook pages."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from web_browser import Browser, Member

from digiplus.core import audit, worker
from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.sealed import unseal
from digiplus.core.webhooks.models import WebhookEndpoint
from digiplus.identity import service
from digiplus.identity.models import Membership
from digiplus.identity.schemas import ApiKeyCreate, UserCreate


def test_dashboard_counts_and_module_cards(browser: Browser, owner: Member, db: Database) -> None:
    with db.session() as session:
        for live in (False, False, True):
            service.create_api_key(session, Caller.system(owner.org_id, live), ApiKeyCreate())
        revoked, _ = service.create_api_key(session, Caller.system(owner.org_id, False), ApiKeyCreate())
        service.revoke_api_key(session, Caller.system(owner.org_id, False), revoked.id)
    page = browser.get("/").text
    stats = dict(re.findall(r'<span class="stat-value">(\d+)</span><span class="stat-label">([^<]+)</span>', page))
    # 2 active test keys; 0 endpoints; 1 member; audit: org created, membership, 4 keys created, 1 revoked = 7.
    assert stats == {
        "2": "Active API keys",
        "0": "Webhook endpoints",
        "1": "Members",
        "7": "Audit entries, last 7 days",
    }
    # Nine domain cards: payments, sandbox, commerce, data and insight are live (in registry.MODULES), four say
    # "Coming".
    assert page.count('<span class="badge badge-coming">Coming</span>') == 4
    assert "FinTech sandbox" in page and "IoT" in page


def test_org_switcher_lists_memberships_and_switches(
    browser: Browser, owner: Member, make_member: Callable[..., Member], db: Database
) -> None:
    other = make_member("carol@example.com", org_name="Second Shop")
    with db.session() as session:
        service.add_member(session, None, other.org_id, owner.user_id, "viewer")
    page = browser.get("/").text
    assert f'<option value="{owner.org_id}" selected>Night Market Snacks</option>' in page
    assert f'<option value="{other.org_id}">Second Shop</option>' in page
    response = browser.post("/org", {"org_id": other.org_id})
    assert response.status_code == 303
    page = browser.get("/").text
    assert f'<option value="{other.org_id}" selected>Second Shop</option>' in page
    assert "Create key" not in browser.get("/api-keys").text  # a viewer there


def test_org_switcher_refuses_an_org_the_user_is_not_in(browser: Browser, make_member: Callable[..., Member]) -> None:
    stranger = make_member("dan@example.com", org_name="Not Mine")
    assert browser.post("/org", {"org_id": stranger.org_id}).status_code == 404


def test_team_add_member_by_email(browser: Browser, owner: Member, db: Database) -> None:
    with db.session() as session:
        service.create_user(session, UserCreate(email="eve@example.com", name="Eve", password="x" * 12))
    response = browser.post("/team", {"email": "Eve@Example.com", "role": "analyst"}, csrf_from="/team")
    assert response.status_code == 303
    page = browser.get("/team").text
    assert "eve@example.com was added to the team." in page
    assert re.search(r"<td>eve@example.com</td>\s*<td>Analyst</td>", page)
    with db.session() as session:
        roles = sorted(m.role for m in session.scalars(select(Membership).where(Membership.org_id == owner.org_id)))
    assert roles == ["analyst", "owner"]


def test_team_unknown_email_and_duplicates_get_messages(browser: Browser, owner: Member) -> None:
    response = browser.post("/team", {"email": "nobody@example.com", "role": "viewer"}, csrf_from="/team")
    assert response.status_code == 400
    assert "No user has the email nobody@example.com." in response.text
    response = browser.post("/team", {"email": owner.email, "role": "viewer"}, csrf_from="/team")
    assert response.status_code == 400
    assert f"{owner.email} is a member of this organization already." in response.text


def test_team_is_read_only_for_developers(
    make_browser: Callable[..., Browser], make_member: Callable[..., Member], owner: Member, db: Database
) -> None:
    developer = make_browser(make_member("dev@example.com", role="developer", org_id=owner.org_id))
    page = developer.get("/team").text
    assert "Add member" not in page and owner.email in page
    assert developer.post("/team", {"email": "nobody@example.com", "role": "viewer"}).status_code == 403


def test_audit_log_pages_through_the_orgs_entries(browser: Browser, owner: Member, db: Database) -> None:
    caller = Caller.system(owner.org_id, False)
    with db.session() as session:
        for n in range(58):  # + "organization.created" and "membership.created" = 60
            audit.record(session, caller, "thing.touched", "thing", f"thing_{n:02d}", after={"n": n})
    first = browser.get("/audit")
    assert first.status_code == 200
    assert first.text.count("<code>thing.touched</code>") == 50
    assert "thing_57" in first.text and "thing_08" in first.text and "thing_07" not in first.text
    assert "after: n=57" in first.text
    older = re.search(r'href="(/audit\?before=\d+)"[^>]*>Older', first.text)
    assert older is not None and "Newer" not in first.text
    second = browser.get(older.group(1), headers={"HX-Request": "true"})
    assert second.text.startswith('<div id="audit-entries">')  # the fragment
    assert second.text.count("<code>thing.touched</code>") == 8
    assert "<code>membership.created</code>" in second.text and "<code>organization.created</code>" in second.text
    assert 'href="/audit"' in second.text and "Older" not in second.text


def test_audit_log_is_for_admins_only(
    make_browser: Callable[..., Browser], make_member: Callable[..., Member], owner: Member
) -> None:
    developer = make_browser(make_member("dev@example.com", role="developer", org_id=owner.org_id))
    assert developer.get("/audit").status_code == 403
    assert 'href="/audit"' not in developer.get("/").text
    admin = make_browser(make_member("adm@example.com", role="admin", org_id=owner.org_id))
    page = admin.get("/audit").text
    assert page.count("<code>membership.created</code>") == 3  # owner, developer, admin


class _Receiver:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_webhook_create_ping_delivery_log_and_delete(
    browser: Browser, owner: Member, db: Database, receiver: _Receiver
) -> None:
    response = browser.post(
        "/webhooks", {"url": receiver.url, "description": "Fulfilment", "enabled_events": ["*"]}, csrf_from="/webhooks"
    )
    assert response.status_code == 200
    secret = re.search(r'value="(whsec_[A-Za-z0-9+/=]+)"', response.text)
    with db.session() as session:
        [endpoint] = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.org_id == owner.org_id)).all()
    assert secret is not None and unseal(endpoint.secret, "webhook_secret") == secret.group(1)  # stored sealed
    assert secret.group(1) not in browser.get(f"/webhooks/{endpoint.id}").text

    response = browser.post(f"/webhooks/{endpoint.id}/ping", csrf_from=f"/webhooks/{endpoint.id}")
    assert response.status_code == 303
    worker.run_once(db)
    detail = browser.get(f"/webhooks/{endpoint.id}").text
    assert "<code>ping</code>" in detail
    assert "HTTP 204" in detail
    assert len(receiver.bodies) == 2  # webhook_endpoint.created (enabled_events ["*"]) and ping

    response = browser.post(f"/webhooks/{endpoint.id}/delete", csrf_from=f"/webhooks/{endpoint.id}/delete")
    assert response.status_code == 303
    assert f"The endpoint {receiver.url} was deleted." in browser.get("/webhooks").text
    with db.session() as session:
        assert session.scalars(select(WebhookEndpoint)).all() == []


def test_webhook_form_errors_and_permissions(
    browser: Browser,
    owner: Member,
    make_browser: Callable[..., Browser],
    make_member: Callable[..., Member],
    db: Database,
) -> None:
    response = browser.post("/webhooks", {"url": "ftp://example.com/x", "enabled_events": ["*"]}, csrf_from="/webhooks")
    assert response.status_code == 400
    assert "Enter an absolute http:// or https:// URL." in response.text
    response = browser.post("/webhooks", {"url": "https://example.com/x"}, csrf_from="/webhooks")
    assert response.status_code == 400
    assert "Choose at least one event, or all events." in response.text
    viewer = make_browser(make_member("vic@example.com", role="viewer", org_id=owner.org_id))
    assert "Add endpoint" not in viewer.get("/webhooks").text
    assert viewer.post("/webhooks", {"url": "https://example.com/x", "enabled_events": ["*"]}).status_code == 403
    with db.session() as session:
        assert session.scalars(select(WebhookEndpoint)).all() == []


def test_another_orgs_webhook_is_not_found(browser: Browser, make_member: Callable[..., Member], db: Database) -> None:
    from digiplus.core.webhooks import WebhookEndpointCreate, create_endpoint

    other = make_member("olga@example.com", org_name="Other")
    with db.session() as session:
        endpoint, _ = create_endpoint(
            session,
            Caller.system(other.org_id, False),
            WebhookEndpointCreate(url="https://example.com/h", enabled_events=["*"]),
        )
    assert browser.get(f"/webhooks/{endpoint.id}").status_code == 404
    assert browser.post(f"/webhooks/{endpoint.id}/delete").status_code == 404
    assert browser.post(f"/webhooks/{endpoint.id}/ping").status_code == 404
    with db.session() as session:
        assert [e.id for e in session.scalars(select(WebhookEndpoint))] == [endpoint.id]
