"""Each experiment state through the HTTP API: review with questions, approval with conditions,
rejection, activation, one extension, suspension, end; who may do what; reports and the final report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox_helpers import APPLICATION, error, live_experiment, ok
from sqlalchemy import select

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database


def _parties(api_for: Callable[..., Any], make_org: Callable[..., str]) -> tuple[Any, Any, Any]:
    applicant = api_for(make_org("Startup", kind="merchant"), live=True)
    agency = api_for(make_org("FSC", kind="operator"), live=True, role="admin")
    other = api_for(make_org("Other startup", kind="merchant"), live=True)
    return applicant, agency, other


def test_review_with_questions_then_approval_and_the_lifecycle(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    applicant, agency, other = _parties(api_for, make_org)
    e = ok(applicant.post("/v1/sandbox/experiments", json=APPLICATION))
    url = f"/v1/sandbox/experiments/{e['id']}"
    assert (e["status"], e["limits"]["total_exposure"], e["usage"]["exposure"]) == ("draft", 1_200_00, 0)
    # Another org cannot see it; the applicant cannot review its own.
    error(other.get(url), 404, "resource_missing")
    error(applicant.post(f"{url}/review"), 403, "insufficient_permissions")
    error(agency.post(f"{url}/review"), 400, "experiment_unexpected_state")  # still a draft
    assert ok(applicant.post(f"{url}/submit"))["status"] == "submitted"
    assert ok(agency.post(f"{url}/review"))["status"] == "under_review"
    asked = ok(agency.post(f"{url}/questions", json={"body": "How do you cap a stall's daily exposure?"}))
    assert asked["status"] == "questions"
    error(agency.post(f"{url}/approve", json={"conditions": ""}), 400, "experiment_unexpected_state")
    error(other.post(f"{url}/answers", json={"body": "Not mine"}), 404, "resource_missing")
    assert ok(applicant.post(f"{url}/answers", json={"body": "A daily cap per stall."}))["status"] == "under_review"
    thread = ok(applicant.get(f"{url}/messages"))["data"]
    assert [(m["role"], m["body"]) for m in thread] == [
        ("agency", "How do you cap a stall's daily exposure?"),
        ("applicant", "A daily cap per stall."),
    ]
    approved = ok(agency.post(f"{url}/approve", json={"conditions": "Monthly reports to the FSC."}))
    assert (approved["status"], approved["conditions"]) == ("approved", "Monthly reports to the FSC.")
    error(agency.post(f"{url}/activate"), 404, "resource_missing")  # only the applicant starts it
    active = ok(applicant.post(f"{url}/activate"))
    assert active["status"] == "active"
    assert active["ends_at"] - active["starts_at"] in range(181 * 86400, 185 * 86400)  # six calendar months
    extended = ok(agency.post(f"{url}/extend", json={"months": 3}))
    assert (extended["status"], extended["extension_months"]) == ("extended", 3)
    assert extended["ends_at"] - active["ends_at"] in range(89 * 86400, 93 * 86400)
    error(agency.post(f"{url}/extend", json={"months": 1}), 400, "experiment_already_extended")
    error(applicant.post(f"{url}/suspend", json={"reason": "x"}), 403, "insufficient_permissions")
    suspended = ok(agency.post(f"{url}/suspend", json={"reason": "Complaints under investigation"}))
    assert (suspended["status"], suspended["decision_reason"]) == ("suspended", "Complaints under investigation")
    assert ok(applicant.post(f"{url}/end"))["status"] == "ended"
    error(applicant.post(f"{url}/end"), 400, "experiment_unexpected_state")

    with db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == e["id"]).order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "experiment.created",
        "experiment.submitted",
        "experiment.review_started",
        "experiment.question_asked",
        "experiment.question_answered",
        "experiment.approved",
        "experiment.activated",
        "experiment.extended",
        "experiment.suspended",
        "experiment.ended",
    ]
    events = ok(applicant.get("/v1/events", params={"limit": 100}))["data"]
    types = [ev["type"] for ev in events if ev["type"].startswith("experiment.")]
    assert sorted(types) == sorted(f"experiment.{a.split('.')[1]}" for a in actions)
    # The agency lists every experiment; the other applicant sees none.
    assert [x["id"] for x in ok(agency.get("/v1/sandbox/experiments"))["data"]] == [e["id"]]
    assert ok(other.get("/v1/sandbox/experiments"))["data"] == []


def test_rejection_and_bad_applications(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    applicant, agency, _ = _parties(api_for, make_org)
    error(
        applicant.post("/v1/sandbox/experiments", json={**APPLICATION, "period_months": 13}), 422, "parameter_invalid"
    )
    bad = error(
        applicant.post("/v1/sandbox/experiments", json={**APPLICATION, "limit_per_transaction": 900_00}),
        422,
        "parameter_invalid",
    )
    assert bad["param"] == "limit_per_transaction"
    e = ok(applicant.post("/v1/sandbox/experiments", json=APPLICATION))
    url = f"/v1/sandbox/experiments/{e['id']}"
    ok(applicant.post(f"{url}/submit"))
    rejected = ok(agency.post(f"{url}/reject", json={"reason": "Risk controls are too thin."}))
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "Risk controls are too thin.")
    error(applicant.post(f"{url}/activate"), 400, "experiment_unexpected_state")
    assert [x["id"] for x in ok(applicant.get("/v1/sandbox/experiments", params={"status": "rejected"}))["data"]] == [
        e["id"]
    ]


def test_incidents_complaints_and_the_final_report(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    applicant, agency, other = _parties(api_for, make_org)
    e = live_experiment(applicant, agency)
    url = f"/v1/sandbox/experiments/{e['id']}"
    alice = api_for(make_org("Alice", kind="consumer"), live=True)
    bob = api_for(make_org("Bob", kind="consumer"), live=True)
    error(other.post(f"{url}/participation", json={"accept_disclosure": True}), 400, "org_not_consumer")
    ok(alice.post(f"{url}/participation", json={"accept_disclosure": True}))
    incident = ok(applicant.post(f"{url}/incidents", json={"summary": "Settlement file late", "severity": "medium"}))
    assert (incident["kind"], incident["severity"]) == ("incident", "medium")
    error(alice.post(f"{url}/incidents", json={"summary": "x"}), 404, "resource_missing")
    ok(alice.post(f"{url}/complaints", json={"summary": "The instalment was charged twice", "severity": "high"}))
    error(bob.post(f"{url}/complaints", json={"summary": "I never joined"}), 400, "not_a_participant")
    assert [r["kind"] for r in ok(agency.get(f"{url}/reports"))["data"]] == ["incident", "complaint"]
    final = ok(agency.get(f"{url}/final_report"))
    assert final["totals"] == {
        "volume": 0,
        "payments": 0,
        "refusals": 0,
        "participants": 1,
        "complaints": 1,
        "incidents": 1,
    }
    csv_response = agency.get(f"{url}/final_report", params={"format": "csv"})
    assert csv_response.status_code == 200
    lines = csv_response.text.strip().splitlines()
    assert lines[0] == "date,volume_twd_minor,payments,refusals,participants,complaints,incidents"
    assert lines[-1] == "total,0,0,0,1,1,1"
    error(other.get(f"{url}/final_report"), 404, "resource_missing")
