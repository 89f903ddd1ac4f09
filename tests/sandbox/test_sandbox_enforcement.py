"""Enforcement: live payments to an applicant under an active experiment are checked against its
limits in the booking transaction; refused payments book nothing and are counted and audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sandbox_helpers import error, funded_wallet, live_experiment, merchant, ok
from sqlalchemy import select, update

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database, utcnow
from digiplus.core.worker import run_once
from digiplus.ledger import verify_ledger
from digiplus.sandbox.models import Experiment


def _pay(api: Any, wallet: str, shop_org: str, amount: int) -> Any:
    from digiplus.payments.qr import merchant_qr

    static = merchant_qr(merchant_id=shop_org, merchant_name="Fintech Startup", merchant_city="Taipei", mcc="5812")
    return api.post(f"/v1/wallets/{wallet}/payments", json={"qr_payload": static, "amount": amount})


def _available(api: Any, wallet: str) -> int:
    return int(ok(api.get(f"/v1/wallets/{wallet}"))["available"])


def _setup(api_for: Callable[..., Any], make_org: Callable[..., str]) -> dict[str, Any]:
    shop_org = make_org("Fintech Startup", kind="merchant")
    shop = api_for(shop_org, live=True)
    merchant(shop)
    agency = api_for(make_org("FSC Sandbox Office", kind="operator"), live=True, role="admin")
    people = []
    for name in ("Alice", "Bob", "Carol"):
        org = make_org(name, kind="consumer")
        api = api_for(org, live=True)
        people.append((org, api, funded_wallet(api, 5_000_00)["id"]))
    return {"shop_org": shop_org, "shop": shop, "agency": agency, "people": people}


def test_each_limit_is_enforced_and_refusals_book_nothing(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _setup(api_for, make_org)
    shop_org, shop, agency = w["shop_org"], w["shop"], w["agency"]
    (_alice_org, alice, a_wal), (_, bob, b_wal), (_, carol, c_wal) = w["people"]

    # Before any experiment, live payments to the shop are not checked.
    assert ok(_pay(alice, a_wal, shop_org, 900_00))["status"] == "succeeded"
    e = live_experiment(shop, agency)
    assert e["status"] == "active"
    url = f"/v1/sandbox/experiments/{e['id']}"

    # Not accepted the disclosure: refused, nothing booked.
    before = _available(alice, a_wal)
    refused = error(_pay(alice, a_wal, shop_org, 100_00), 402, "experiment_disclosure_not_accepted")
    assert refused["type"] == "payment_error"
    assert _available(alice, a_wal) == before
    disclosure = ok(alice.get(f"{url}/disclosure"))
    assert (disclosure["accepted"], disclosure["disclosure_text"]) == (False, e["disclosure_text"])
    for api in (alice, bob, carol):
        ok(api.post(f"{url}/participation", json={"accept_disclosure": True}))
    assert ok(alice.get(f"{url}/disclosure"))["accepted"] is True

    # Per transaction (500.00).
    error(_pay(alice, a_wal, shop_org, 500_01), 402, "experiment_transaction_limit_exceeded")
    assert ok(_pay(alice, a_wal, shop_org, 500_00))["status"] == "succeeded"
    # Per participant (800.00): Alice has 500.00; 300.01 more is over, 300.00 fits.
    error(_pay(alice, a_wal, shop_org, 300_01), 402, "experiment_participant_limit_exceeded")
    assert ok(_pay(alice, a_wal, shop_org, 300_00))["status"] == "succeeded"
    # Total exposure (1,200.00): 800.00 used; Bob's 400.01 is over, 400.00 fits.
    error(_pay(bob, b_wal, shop_org, 400_01), 402, "experiment_exposure_limit_exceeded")
    assert ok(_pay(bob, b_wal, shop_org, 400_00))["status"] == "succeeded"
    # Participants (2): Carol accepted but would be the third payer.
    error(_pay(carol, c_wal, shop_org, 1_00), 402, "experiment_participant_count_exceeded")
    assert _available(carol, c_wal) == 5_000_00

    got = ok(shop.get(url))
    assert got["usage"] == {"exposure": 1_200_00, "participants": 2, "payments": 3, "refusals": 5}
    assert _available(alice, a_wal) == 5_000_00 - 900_00 - 800_00
    assert _available(bob, b_wal) == 5_000_00 - 400_00

    timeline = ok(agency.get(f"{url}/timeline"))["days"]
    assert len(timeline) == 1
    day = timeline[0]
    assert (day["volume"], day["payments"], day["refusals"], day["participants"]) == (1_200_00, 3, 5, 3)

    with db.session() as session:
        refusals = session.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "experiment.payment_refused")
        ).all()
        assert sorted(r["code"] for r in refusals) == [
            "experiment_disclosure_not_accepted",
            "experiment_exposure_limit_exceeded",
            "experiment_participant_count_exceeded",
            "experiment_participant_limit_exceeded",
            "experiment_transaction_limit_exceeded",
        ]
        report = verify_ledger(session)
    assert report.ok, report.problems


def test_the_period_ending_suspends_the_experiment(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _setup(api_for, make_org)
    shop_org, shop, agency = w["shop_org"], w["shop"], w["agency"]
    _alice_org, alice, a_wal = w["people"][0]
    e = live_experiment(shop, agency)
    url = f"/v1/sandbox/experiments/{e['id']}"
    ok(alice.post(f"{url}/participation", json={"accept_disclosure": True}))
    assert ok(_pay(alice, a_wal, shop_org, 100_00))["status"] == "succeeded"
    with db.session() as session:
        session.execute(
            update(Experiment).where(Experiment.id == e["id"]).values(ends_at=utcnow() - timedelta(seconds=1))
        )
    # The guard notices at once: refused, and the experiment suspends itself.
    error(_pay(alice, a_wal, shop_org, 100_00), 402, "experiment_period_ended")
    got = ok(shop.get(url))
    assert (got["status"], got["decision_reason"], got["usage"]["refusals"]) == ("suspended", "period_ended", 1)
    assert _available(alice, a_wal) == 5_000_00 - 100_00
    # A suspended experiment no longer applies its limits to the shop's payments.
    assert ok(_pay(alice, a_wal, shop_org, 900_00))["status"] == "succeeded"
    with db.session() as session:
        assert verify_ledger(session).ok


def test_the_worker_suspends_expired_experiments(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    shop_org = make_org("Fintech Startup", kind="merchant")
    shop = api_for(shop_org, live=True)
    agency = api_for(make_org("FSC", kind="operator"), live=True, role="admin")
    e = live_experiment(shop, agency)
    with db.session() as session:
        session.execute(
            update(Experiment).where(Experiment.id == e["id"]).values(ends_at=utcnow() - timedelta(seconds=1))
        )
    done = run_once(db)
    assert done["sandbox.suspend_expired"] == 1
    assert ok(shop.get(f"/v1/sandbox/experiments/{e['id']}"))["status"] == "suspended"
    events = ok(shop.get("/v1/events", params={"type": "experiment.suspended"}))["data"]
    assert [ev["data"]["object"]["id"] if "object" in ev["data"] else ev["data"]["id"] for ev in events] == [e["id"]]


def test_test_mode_magic_amounts_decline(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    shop_org = make_org("Fintech Startup", kind="merchant")
    shop = api_for(shop_org)
    merchant(shop)
    alice = api_for(make_org("Alice", kind="consumer"))
    wallet = funded_wallet(alice, 5_000_00)["id"]
    error(_pay(alice, wallet, shop_org, 900_02), 402, "generic_decline")
    error(_pay(alice, wallet, shop_org, 900_05), 402, "insufficient_funds")
    error(_pay(alice, wallet, shop_org, 900_06), 402, "wallet_limit_exceeded")
    assert _available(alice, wallet) == 5_000_00
    assert ok(_pay(alice, wallet, shop_org, 100_02))["status"] == "succeeded"  # outside the reserved range
    table = ok(alice.get("/v1/sandbox/magic_values"))
    assert [a["code"] for a in table["amounts"] if a["outcome"] == "declined"] == [
        "generic_decline",
        "insufficient_funds",
        "wallet_limit_exceeded",
        "experiment_exposure_limit_exceeded",
    ]
    assert table["bank_accounts"][1] == {
        "account_number": "9990000002",
        "code": "bank_account_closed",
        "description": "Every top-up, withdrawal and payout with this account fails.",
    }


def test_a_payment_the_ledger_declines_takes_no_share_of_the_limits(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    """The guard reserves before the ledger books; when the ledger then declines (the wallet
    lacks the money) the reservation is given back in the same transaction."""
    w = _setup(api_for, make_org)
    shop_org, shop, agency = w["shop_org"], w["shop"], w["agency"]
    _, alice, a_wal = w["people"][0]
    poor = api_for(make_org("Bob", kind="consumer"), live=True)
    p_wal = funded_wallet(poor, 100_00)["id"]
    e = live_experiment(shop, agency)
    url = f"/v1/sandbox/experiments/{e['id']}"
    for api in (alice, poor):
        ok(api.post(f"{url}/participation", json={"accept_disclosure": True}))

    error(_pay(poor, p_wal, shop_org, 200_00), 402, "insufficient_funds")  # a first payer: not counted
    assert ok(_pay(alice, a_wal, shop_org, 150_00))["status"] == "succeeded"
    error(_pay(alice, a_wal, shop_org, 500_01), 402, "experiment_transaction_limit_exceeded")
    assert ok(shop.get(url))["usage"] == {"exposure": 150_00, "participants": 1, "payments": 1, "refusals": 1}
    # Poor Bob pays what he has: now he is the second participant, with his own share only.
    assert ok(_pay(poor, p_wal, shop_org, 100_00))["status"] == "succeeded"
    assert ok(shop.get(url))["usage"] == {"exposure": 250_00, "participants": 2, "payments": 2, "refusals": 1}
    timeline = ok(agency.get(f"{url}/timeline"))["days"]
    assert (timeline[0]["volume"], timeline[0]["payments"]) == (250_00, 2)
    with db.session() as session:
        assert verify_ledger(session).ok
