"""Refunds with a supervisor's PIN (and the lockout), print-ready receipts in both currencies, and
end-of-day totals that match the ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from terminal_helpers import Payer, Shop, TerminalClient, balance, error, funded_wallet, ok

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.ledger import verify_ledger
from digiplus.payments import PaymentIntent, Refund
from digiplus.terminals.service.receipts import columns


def _supervisor(shop: Shop, pin: str = "2580") -> str:
    return str(ok(shop.api.post("/v1/terminal_supervisors", json={"name": "Manager Lin", "pin": pin}))["id"])


def _qr_paid(terminal: TerminalClient, payer: Payer, reference: str, amount: int) -> dict[str, Any]:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": reference, "amount": amount}))
    ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    return sale


def test_a_refund_needs_the_supervisors_pin_and_wrong_pins_lock(
    terminal: TerminalClient, payer: Payer, shop: Shop, db: Database
) -> None:
    boss = _supervisor(shop)
    sale = _qr_paid(terminal, payer, "r-1", 85_00)
    url = f"/v1/terminal/payments/{sale['id']}/refunds"
    me = ok(terminal.get("/v1/terminal/me"))
    assert me["supervisors"] == [{"id": boss, "name": "Manager Lin"}]
    for left in (4, 3, 2, 1):
        body = error(
            terminal.post(url, {"amount": 20_00, "supervisor": boss, "pin": "1111"}), 403, "supervisor_pin_incorrect"
        )
        assert body["message"] == f"Wrong PIN ({left} tries left)."
    error(terminal.post(url, {"amount": 20_00, "supervisor": boss, "pin": "1111"}), 403, "supervisor_locked")
    # locked: even the right PIN is refused, and nothing was refunded
    error(terminal.post(url, {"amount": 20_00, "supervisor": boss, "pin": "2580"}), 403, "supervisor_locked")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Refund)) == 0
        refused = s.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "terminal_supervisor.pin_refused")
        ).all()
        # (no ORDER BY: PostgreSQL may return them in any order)
        assert sorted(a["reason"] for a in refused if a) == ["supervisor_locked"] * 2 + ["supervisor_pin_incorrect"] * 4
    assert ok(terminal.get(f"/v1/terminal/payments/{sale['id']}"))["amount_refunded"] == 0
    listed = ok(shop.api.get("/v1/terminal_supervisors"))["data"][0]
    assert listed["locked_until"] is not None
    ok(shop.api.post(f"/v1/terminal_supervisors/{boss}/unlock"))
    refund = ok(terminal.post(url, {"amount": 20_00, "supervisor": boss, "pin": "2580"}))
    assert (refund["status"], refund["amount"], refund["terminal"], refund["supervisor"]) == (
        "succeeded",
        20_00,
        terminal.id,
        boss,
    )
    assert balance(payer.api, payer.wallet["id"]) == 5_000_00 - 85_00 + 20_00
    error(terminal.post(url, {"amount": 70_00, "supervisor": boss, "pin": "2580"}), 400, "amount_too_large")
    error(terminal.post(url, {"supervisor": boss, "pin": "12"}), 422, "parameter_invalid")
    other = ok(shop.api.post("/v1/terminal_supervisors", json={"name": "Ex", "pin": "9999"}))
    ok(shop.api.post(f"/v1/terminal_supervisors/{other['id']}/deactivate"))
    error(terminal.post(url, {"supervisor": other["id"], "pin": "9999"}), 403, "supervisor_inactive")
    with db.session() as s:
        assert verify_ledger(s).ok


def test_receipts_show_both_currencies_and_fit_the_paper(terminal: TerminalClient, api_for: Any, make_org: Any) -> None:
    org = make_org("Yuki (visitor)", kind="consumer")
    yuki = Payer(org, api_for(org), {})
    yuki.wallet = funded_wallet(yuki.api, 10_000, currency="JPY")
    sale = _qr_paid(terminal, yuki, "r-fx", 500_00)
    assert balance(yuki.api, yuki.wallet["id"]) == 10_000 - 2507
    receipt = ok(terminal.get(f"/v1/terminal/payments/{sale['id']}/receipt?width=32&lang=en"))
    assert (receipt["amount"], receipt["currency"], receipt["wallet_amount"], receipt["wallet_currency"]) == (
        500_00,
        "TWD",
        2507,
        "JPY",
    )
    assert receipt["fx"]["sell_currency"] == "JPY" and receipt["fx"]["buy_currency"] == "TWD"
    assert receipt["terminal"]["name"] == "Counter 1"
    lines = receipt["lines"]
    assert lines[0] == "           阿明蚵仔煎" and lines[3] == "Terminal               Counter 1"
    assert lines[8:11] == [
        "TOTAL                 TWD 500.00",
        "Payer paid             JPY 2,507",
        "Rate       1 JPY = 0.1994625 TWD",  # the mid rate less 150 bp (the quote the payer got)
    ]
    assert lines[-2:] == ["              PAID", "           Thank you"]
    assert all(columns(line) <= 32 for line in lines)
    zh = ok(terminal.get(f"/v1/terminal/payments/{sale['id']}/receipt?width=42&lang=zh-TW"))["lines"]
    assert zh[0].strip() == "阿明蚵仔煎" and columns(zh[0]) == 16 + 10  # 5 wide characters centred in 42 columns
    assert any(line.startswith("總計") and line.endswith("TWD 500.00") and columns(line) == 42 for line in zh)
    assert zh[-2].strip() == "已付款"
    error(terminal.get(f"/v1/terminal/payments/{sale['id']}/receipt?width=33"), 422, "parameter_invalid")


def test_end_of_day_totals_match_the_ledger(
    terminal: TerminalClient, payer: Payer, shop: Shop, db: Database, api_for: Any, make_org: Any
) -> None:
    boss = _supervisor(shop)
    code = ok(payer.api.post("/v1/payment_codes", json={"wallet": payer.wallet["id"]}))["code"]
    ok(
        terminal.post(
            "/v1/terminal/payments",
            {"client_reference": "t-1", "amount": 120_00, "method": "payment_code", "payment_code": code},
        )
    )
    qr = _qr_paid(terminal, payer, "t-2", 85_00)
    org = make_org("Yuki (visitor)", kind="consumer")
    yuki = Payer(org, api_for(org), {})
    yuki.wallet = funded_wallet(yuki.api, 10_000, currency="JPY")
    _qr_paid(terminal, yuki, "t-3", 500_00)
    waiting = ok(terminal.post("/v1/terminal/payments", {"client_reference": "t-4", "amount": 9_00}))  # never paid
    ok(terminal.post(f"/v1/terminal/payments/{qr['id']}/refunds", {"amount": 20_00, "supervisor": boss, "pin": "2580"}))
    totals = ok(terminal.get("/v1/terminal/totals"))
    assert totals["currencies"] == [
        {
            "currency": "TWD",
            "count": 3,
            "gross": 705_00,
            "fees": 216 + 153 + 900,  # 1.8 % of 120, 85 and 500 TWD
            "refund_count": 1,
            "refunds": 20_00,
            "net": 705_00 - 1269 - 20_00,
        }
    ]
    assert totals["by_method"] == [
        {"method": "payment_code", "count": 1, "amount": 120_00},
        {"method": "wallet", "count": 2, "amount": 585_00},
    ]
    assert totals["visitor_wallets"] == [{"currency": "JPY", "amount": 2507}]
    assert totals["ledger"]["matches"] is True and totals["ledger"]["mismatches"] == []
    assert totals["ledger"]["currencies"][0]["gross"] == 705_00
    assert ok(shop.api.get(f"/v1/terminals/{terminal.id}/totals"))["currencies"] == totals["currencies"]
    other_day = ok(shop.api.get(f"/v1/terminals/{terminal.id}/totals?date=2020-01-01"))
    assert other_day["currencies"] == [] and other_day["ledger"]["matches"] is True
    assert waiting["status"] == "requires_action"
    # a payment row that disagrees with its ledger transfers is caught
    with db.session() as s:
        s.execute(update(PaymentIntent).where(PaymentIntent.id == qr["id"]).values(amount_received=86_00))
    broken = ok(shop.api.get(f"/v1/terminals/{terminal.id}/totals"))["ledger"]
    assert broken["matches"] is False
    assert broken["mismatches"] == [{"currency": "TWD", "field": "gross", "payments": 706_00, "ledger": 705_00}]
