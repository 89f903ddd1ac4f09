"""The sandbox pages through the TestClient: an applicant applies and starts, the agency reviews
and supervises (charts, final report), a consumer accepts the disclosure and complains; CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    client: TestClient

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> Any:
        form = dict(data or {})
        if csrf:
            found = _CSRF.search(self.client.get("/sandbox").text)
            assert found
            form["csrf_token"] = found.group(1)
        return self.client.post(url, data=form, follow_redirects=False)


@pytest.fixture
def web_for(app: Any, db: Database) -> Iterator[Callable[..., Web]]:
    clients: list[TestClient] = []
    counter = iter(range(1000))

    def _make(org_id: str, locale: str = "en") -> Web:
        email = f"sandbox{next(counter)}@example.com"
        with db.session() as s:
            user = service.create_user(s, UserCreate(email=email, name="Lin", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            service.add_member(s, None, org_id, user.id, "owner")
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        token = _CSRF.search(client.get("/login").text)
        assert token
        r = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return Web(client)

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


FORM = {
    "title": "Instalments at night markets",
    "description": "Pay in three.",
    "period_months": "6",
    "limit_per_transaction": "500",
    "limit_per_participant": "800",
    "limit_total_exposure": "1200.50",
    "limit_participants": "2",
    "risk_controls": "Daily review.",
    "disclosure_text": "Your protections differ in the sandbox.",
}


def _status(web: Web, url: str) -> str:
    found = re.search(r'<span class="badge" id="status">([a-z_]+)</span>', web.get(url).text)
    assert found
    return found.group(1)


def test_apply_review_join_and_supervise(web_for: Callable[..., Web], make_org: Callable[..., str]) -> None:
    applicant = web_for(make_org("Startup", kind="merchant"))
    agency = web_for(make_org("FSC", kind="operator"), locale="zh_TW")
    consumer = web_for(make_org("Alice", kind="consumer"))
    home = applicant.get("/sandbox")
    assert home.status_code == 200 and "generic_decline" in home.text and "9990000002" in home.text
    assert "Waits for the payer&#39;s approval" in home.text and "processing_failed" in home.text
    assert applicant.post("/sandbox/experiments", FORM, csrf=False).status_code == 403
    made = applicant.post("/sandbox/experiments", FORM)
    assert made.status_code == 303
    url = made.headers["location"]
    assert url.startswith("/sandbox/experiments/exp_")
    assert "TWD 1200.50" in applicant.get(url).text
    assert applicant.post(f"{url}/submit").status_code == 303
    assert "Instalments at night markets" in agency.get("/sandbox").text
    agency.post(f"{url}/review")
    agency.post(f"{url}/ask", {"text": "Who bears the credit risk?"})
    assert _status(agency, url) == "questions"
    applicant.post(f"{url}/answer", {"text": "We do."})
    agency.post(f"{url}/approve", {"text": "Monthly reports."})
    # The applicant cannot approve or suspend: the page says why and nothing changes.
    assert applicant.post(f"{url}/suspend", {"text": "x"}).status_code == 303
    applicant.post(f"{url}/activate")
    assert _status(applicant, url) == "active"
    page = agency.get(url).text
    assert "Who bears the credit risk?" in page and "We do." in page and 'data-chart-for="chart-volume"' in page

    assert "Instalments at night markets" in consumer.get("/sandbox").text
    disclosure = consumer.get(url).text
    assert "Your protections differ in the sandbox." in disclosure and 'id="accepted"' not in disclosure
    consumer.post(f"{url}/accept")
    assert 'id="accepted"' in consumer.get(url).text
    consumer.post(f"{url}/complaint", {"text": "Charged twice", "severity": "high"})
    applicant.post(f"{url}/incident", {"text": "Late file", "severity": "low"})
    report = agency.get(f"{url}/report").text
    totals = re.findall(r'<div class="stat-value">([^<]+)</div>', report)
    assert totals == ["TWD 0.00", "0", "0", "1", "1", "1"]
    assert "Charged twice" in agency.get(url).text
