"""Concurrent payments racing for an experiment's last exposure: exactly as many book as fit
(counters moved by conditional UPDATEs, no read-decide-write). Threads over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sandbox_helpers import funded_wallet, live_experiment, merchant, ok

from digiplus.core.db import Database
from digiplus.ledger import verify_ledger
from digiplus.payments.qr import merchant_qr


def test_racing_payments_never_pass_the_exposure_limit(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    shop_org = make_org("Fintech Startup", kind="merchant")
    shop = api_for(shop_org, live=True)
    merchant(shop)
    agency = api_for(make_org("FSC", kind="operator"), live=True, role="admin")
    e = live_experiment(shop, agency, limit_participants=10, limit_total_exposure=1_200_00)
    qr = merchant_qr(merchant_id=shop_org, merchant_name="Fintech Startup", merchant_city="Taipei", mcc="5812")
    payers = []
    for i in range(6):
        api = api_for(make_org(f"Payer {i}", kind="consumer"), live=True)
        wallet = funded_wallet(api, 1_000_00)["id"]
        ok(api.post(f"/v1/sandbox/experiments/{e['id']}/participation", json={"accept_disclosure": True}))
        payers.append((api, wallet))
    barrier = threading.Barrier(len(payers))
    codes: list[str] = [""] * len(payers)

    def run(i: int) -> None:
        api, wallet = payers[i]
        barrier.wait()
        r = api.post(f"/v1/wallets/{wallet}/payments", json={"qr_payload": qr, "amount": 300_00})
        codes[i] = "ok" if r.status_code == 200 else r.json()["error"]["code"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["experiment_exposure_limit_exceeded"] * 2 + ["ok"] * 4
    usage = ok(shop.get(f"/v1/sandbox/experiments/{e['id']}"))["usage"]
    assert usage == {"exposure": 1_200_00, "participants": 4, "payments": 4, "refusals": 2}
    with db.session() as session:
        assert verify_ledger(session).ok
