"""History imports: a merchant's past sales from a CSV, checked row by row, into the lake once."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lake_helpers import ok, read_facts
from typer.testing import CliRunner

from digiplus.cli import app as cli
from digiplus.core.db import Database
from digiplus.lake import Lake
from digiplus.lake.pseudonyms import customer_ref, pos_identity

CSV = (
    "\ufefftime,customer,amount,currency,items,note\n"
    "2025-03-01 18:30:05,M-001,120,TWD,OYS-01:2:60:蚵仔煎,regular\n"  # row 2
    "2025/03/01 23:59:59,M-002,35.5,twd,,\n"  # row 3: Taipei time, lower-case code
    "2025-03-02T00:10:00+08:00,,500,JPY,,anonymous\n"  # row 4
    "2025-03-02 10:00,M-001,12.345,TWD,,\n"  # row 5: too many decimals
    "yesterday,M-003,10,TWD,,\n"  # row 6: bad time
    "2025-03-03 10:00,M-003,-10,TWD,,\n"  # row 7: negative
    "2025-03-03 10:00,M-003,10,XYZ,,\n"  # row 8: unknown currency
    "2025-03-03 10:00,M-003,10,TWD,A:two:5,\n"  # row 9: bad items
    "2999-01-01 10:00,M-003,10,TWD,,\n"  # row 10: in the future
    "2025-03-01 18:30:05,M-001,120,TWD,OYS-01:2:60:蚵仔煎,same sale again\n"  # row 11: an identical second sale
)


def upload(api: Any, content: str, name: str = "pos.csv", merchant: str | None = None) -> Any:
    data = {"merchant": merchant} if merchant else None
    return api.post("/v1/insight/imports", files={"file": (name, content.encode(), "text/csv")}, data=data)


def test_an_import_reports_every_rejected_row_and_lands_the_rest_once(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    shop_org = make_org("Old Shop", kind="merchant")
    shop = api_for(shop_org)
    created = ok(upload(shop, CSV))
    assert (created["object"], created["merchant"], created["requested_by"]) == ("history_import", shop_org, shop_org)
    job = ok(shop.get(f"/v1/insight/imports/{created['id']}"))  # the test client ran it after the response
    assert job["status"] == "succeeded", job
    assert (job["rows_read"], job["rows_imported"], job["rows_already_imported"], job["rows_rejected"]) == (10, 4, 0, 6)
    assert [(e["row"], e["column"], e["code"]) for e in job["errors"]] == [
        (5, "amount", "amount_too_precise"),
        (6, "time", "bad_time"),
        (7, "amount", "negative_amount"),
        (8, "currency", "unknown_currency"),
        (9, "items", "bad_items"),
        (10, "time", "time_in_future"),
    ]
    assert job["errors"][0]["reason"] == "12.345 has more decimals than TWD allows (2)"
    assert (job["first_day"], job["last_day"], job["files_written"], job["progress"]) == (
        "2025-03-01",
        "2025-03-02",
        2,
        1.0,
    )

    rows = read_facts(lake, "payments").sort_by([("paid_at", "ascending"), ("payment_id", "ascending")]).to_pylist()
    assert [(r["paid_at"], r["amount"], r["currency"]) for r in rows] == [
        (datetime(2025, 3, 1, 10, 30, 5, tzinfo=UTC), 120_00, "TWD"),
        (datetime(2025, 3, 1, 10, 30, 5, tzinfo=UTC), 120_00, "TWD"),
        (datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC), 35_50, "TWD"),
        (datetime(2025, 3, 1, 16, 10, tzinfo=UTC), 500, "JPY"),
    ]
    m001 = customer_ref(shop_org, pos_identity("M-001"))
    assert [r["customer_ref"] for r in rows] == [m001, m001, customer_ref(shop_org, pos_identity("M-002")), None]
    assert len({r["payment_id"] for r in rows}) == 4  # two identical sales stay two
    assert {(r["source"], r["payment_method"], r["merchant_id"], r["livemode"]) for r in rows} == {
        ("import", "imported", shop_org, False)
    }
    assert rows[0]["items"] == [{"sku": "OYS-01", "name": "蚵仔煎", "quantity": 2, "unit_amount": 60_00}]
    keys = lake.keys("facts/payments/")
    assert [k.split("/")[3] for k in keys] == ["date=2025-03-01", "date=2025-03-02"]

    # the same file again: the same ids, nothing written twice
    again = ok(shop.get(f"/v1/insight/imports/{ok(upload(shop, CSV))['id']}"))
    assert (again["rows_imported"], again["rows_already_imported"], again["rows_rejected"]) == (0, 4, 6)
    assert lake.keys("facts/payments/") == keys
    # a later export that repeats the old rows and adds one: only the new one is written
    later = CSV + "2025-03-04 09:00:00,M-009,99,TWD,,\n"
    third = ok(shop.get(f"/v1/insight/imports/{ok(upload(shop, later))['id']}"))
    assert (third["rows_imported"], third["rows_already_imported"]) == (1, 4)
    assert read_facts(lake, "payments").num_rows == 5

    listed = ok(shop.get("/v1/insight/imports"))
    assert [i["id"] for i in listed["data"]] == [third["id"], again["id"], created["id"]]


def test_a_file_without_the_required_columns_is_refused_whole(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    shop = api_for(make_org("Old Shop", kind="merchant"))
    created = ok(upload(shop, "when,total\n2025-01-01,10\n"))
    job = ok(shop.get(f"/v1/insight/imports/{created['id']}"))
    assert job["status"] == "failed"
    assert job["failure"].startswith("the required column 'time' is missing; the required column 'amount' is missing")
    assert lake.keys("facts/") == []
    empty = upload(shop, "")
    assert empty.status_code == 422 and empty.json()["error"]["param"] == "file"
    stray_return = ok(upload(shop, "time\ra,amount\n"))  # a bare CR inside the header (found by schemathesis)
    assert ok(shop.get(f"/v1/insight/imports/{stray_return['id']}"))["failure"] == (
        "The file is not a UTF-8 CSV with a header row."
    )


def test_a_merchant_imports_only_for_itself_and_the_operator_for_any(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    shop_org = make_org("Old Shop", kind="merchant")
    shop = api_for(shop_org)
    rival = api_for(make_org("Rival", kind="merchant"))
    refused = upload(rival, CSV, merchant=shop_org)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_merchant"

    operator_org = make_org("Platform", kind="operator")
    operator = api_for(operator_org)
    job = ok(upload(operator, CSV, merchant=shop_org))
    assert (job["merchant"], job["requested_by"]) == (shop_org, operator_org)
    assert ok(shop.get(f"/v1/insight/imports/{job['id']}"))["rows_imported"] == 4  # the merchant sees it
    assert ok(operator.get(f"/v1/insight/imports/{job['id']}"))["status"] == "succeeded"  # and who asked
    missing = rival.get(f"/v1/insight/imports/{job['id']}")
    assert missing.status_code == 404  # anyone else: as if it did not exist
    assert {r["merchant_id"] for r in read_facts(lake, "payments").to_pylist()} == {shop_org}
    not_merchant = upload(operator, CSV, merchant=make_org("Someone", kind="consumer"))
    assert not_merchant.status_code == 422 and not_merchant.json()["error"]["param"] == "merchant"
    own = upload(operator, CSV)  # the operator has no sales of its own
    assert own.status_code == 422 and own.json()["error"]["param"] == "merchant"
    consumer = upload(api_for(make_org("Lin", kind="consumer")), CSV)
    assert consumer.status_code == 422 and "Only a merchant" in consumer.json()["error"]["message"]


def test_the_cli_imports_with_a_report(db: Database, lake: Lake, make_org: Callable[..., str], tmp_path: Path) -> None:
    shop_org = make_org("Old Shop", kind="merchant")
    path = tmp_path / "pos.csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(cli, ["lake", "import", str(path), "--merchant", shop_org])
    assert result.exit_code == 1, result.output  # rows were rejected
    assert "10 rows read, 4 imported, 0 already in the lake, 6 rejected" in result.output
    assert "row 6, time: 'yesterday' is not an ISO 8601 time" in result.output
    again = CliRunner().invoke(cli, ["lake", "import", str(path), "--merchant", shop_org, "--json"])
    assert '"rows_already_imported": 4' in again.output
    alias = CliRunner().invoke(
        cli, ["insight", "import", str(path), "--merchant", shop_org, "--json"]
    )  # the name
    assert '"rows_already_imported": 4' in alias.output
    unknown = CliRunner().invoke(cli, ["lake", "import", str(path), "--merchant", "org_NOPE"])
    assert unknown.exit_code == 2 and "No such organization" in unknown.output


def test_the_worker_reruns_an_import_a_crash_left_running(
    db: Database, lake: Lake, make_org: Callable[..., str]
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from digiplus.core.context import Caller
    from digiplus.core.db import utcnow
    from digiplus.lake import imports
    from digiplus.lake.models import HistoryImport

    shop_org = make_org("Old Shop", kind="merchant")
    with db.session() as session:
        job = imports.stage_import(session, Caller.system(shop_org, False), io.BytesIO(CSV.encode()), "pos.csv")
    with db.session() as session:  # the process died an hour ago while checking it
        session.execute(
            update(HistoryImport)
            .where(HistoryImport.id == job.id)
            .values(status="running", started=utcnow() - timedelta(hours=2))
        )
    assert imports.run_queued_imports(db) == 1
    with db.session() as session:
        done = imports.get_import(session, Caller.system(shop_org, False), job.id)
        assert (done.status, done.rows_imported, done.rows_rejected) == ("succeeded", 4, 6)
    assert imports.run_queued_imports(db) == 0
