"""What a sandbox experiment's limit checks cost a live payment, in process, in the same run.

Two merchants take live wallet payments through the payments service (``pay_from_wallet`` with
the merchant's static QR and an amount, automatic capture: charge + fee booked, one transaction
each): the baseline merchant has no experiment; the other runs an active experiment (limits high
enough never to refuse) whose payers have accepted the disclosure, so every payment goes through
the guard's experiment-and-participant look-up, two conditional ``UPDATE``s and the
``sandbox_payments`` row. The two sides alternate (baseline, experiment, baseline, …) so that the
shared machine's noise falls on both — within each round, in blocks of ten payments, since the
rate of this shared machine drifts by ±20 % within a minute; the table gives medians of the
rounds and CPU per payment, and the ratio is the median of each round's own ratio. Target:
limit checks cost ≤ 10 % of throughput (ratio ≥ 0.90).

    python benchmarks/sandbox.py            # SQLite file in a temp dir
    python benchmarks/sandbox.py --quick
    python benchmarks/sandbox.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/sandbox_bench
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from digiplus.core.context import Caller  # noqa: E402
from digiplus.core.db import Database, set_database  # noqa: E402
from digiplus.settings import get_settings  # noqa: E402

OUT = ROOT / "var" / "bench" / "sandbox.json"
BLOCK = 10  # payments per turn: the two sides take turns this often


def prepare(url: str, data_dir: str) -> Database:
    os.environ.update(
        DIGIPLUS_DATABASE_URL=url,
        DIGIPLUS_DATA_DIR=data_dir,
        DIGIPLUS_WORKER_ENABLED="false",
        DIGIPLUS_LOG_LEVEL="WARNING",
    )
    get_settings.cache_clear()
    from digiplus.registry import load_models, load_modules

    load_models()
    load_modules()  # registers the sandbox's payment guard
    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    from digiplus.core.migrate import upgrade

    upgrade(url)
    return db


def org(db: Database, name: str, kind: str) -> Caller:
    from digiplus.identity import service
    from digiplus.identity.schemas import OrganizationCreate

    with db.session() as s:
        made = service.create_organization(s, OrganizationCreate(name=name, kind=kind))  # type: ignore[arg-type]
    return Caller.system(made.id, True)


def shop(db: Database, name: str) -> tuple[Caller, str]:
    from digiplus.payments.qr import merchant_qr
    from digiplus.payments.service import banks, merchants

    caller = org(db, name, "merchant")
    with db.session() as s:
        bank = banks.create_bank_account(
            s, caller, bank_code="004", account_number="123456789012", holder_name=name, currency_code="TWD"
        )
        merchants.upsert_profile(s, caller, display_name=name, city="Taipei", mcc="5812", bank_account_id=bank.id)
    return caller, merchant_qr(merchant_id=caller.org_id, merchant_name=name, merchant_city="Taipei", mcc="5812")


def payer(db: Database, name: str, amount: int) -> tuple[Caller, str]:
    from digiplus.payments.service import banks, topups, wallets

    caller = org(db, name, "consumer")
    with db.session() as s:
        wallet = wallets.create_wallet(s, caller, "TWD")
        bank = banks.create_bank_account(
            s, caller, bank_code="812", account_number="000123456789", holder_name=name, currency_code="TWD"
        )
        topups.top_up(s, caller, wallet.id, bank_account_id=bank.id, amount=amount)
    return caller, wallet.id


def experiment(db: Database, applicant: Caller, agency: Caller, payers: list[Caller]) -> str:
    from digiplus.sandbox.service import experiments, supervision

    app = experiments.Application(
        title="Bench",
        description="Benchmark",
        period_months=12,
        limit_per_transaction=10**12,
        limit_per_participant=10**12,
        limit_total_exposure=10**13,
        limit_participants=1_000,
        risk_controls="-",
        disclosure_text="-",
    )
    with db.session() as s:
        e = experiments.create_experiment(s, applicant, app)
        experiments.submit(s, applicant, e.id)
        experiments.start_review(s, agency, e.id)
        experiments.approve(s, agency, e.id, "")
        experiments.activate(s, applicant, e.id)
        for p in payers:
            supervision.accept_disclosure(s, p, e.id)
    return e.id


def run_round(db: Database, payers: list[tuple[Caller, str]], qr: str, n: int) -> tuple[float, float]:
    """``n`` payments of TWD 1.00 (one transaction each): (payments/s, CPU ms per payment)."""
    from digiplus.payments.service import paying

    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        caller, wallet = payers[i % len(payers)]
        with db.session() as s:
            attempt = paying.pay_from_wallet(
                s, caller, wallet, qr_payload=qr, payment_intent=None, amount=1_00, fx_quote=None
            )
            if attempt.declined is not None:
                raise RuntimeError(attempt.declined.code)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return n / wall, cpu * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", help="PostgreSQL URL (its public schema is dropped and re-created)")
    parser.add_argument("--payments", type=int, default=300, help="payments per round")
    parser.add_argument("--rounds", type=int, default=10, help="rounds (each: --payments per side, in turns)")
    parser.add_argument("--quick", action="store_true", help="100 payments × 3 rounds")
    args = parser.parse_args()
    n, rounds = (100, 3) if args.quick else (args.payments, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg_url or f"sqlite:///{tmp}/bench.db"
        db = prepare(url, tmp)
        agency = org(db, "FSC", "operator")
        _, plain_qr = shop(db, "Plain shop")
        applicant, exp_qr = shop(db, "Sandbox shop")
        # Level-0 live wallets: ≤ TWD 3,000 a day each, so spread the payments over enough payers.
        per_payer = 2_000_00
        count = max(4, (n * rounds * 2 * 1_00) // per_payer + 2)
        payers = [payer(db, f"Payer {i}", 5_000_00) for i in range(count)]
        exp_id = experiment(db, applicant, agency, [p for p, _ in payers])
        run_round(db, payers, plain_qr, 20)  # warm-up, both paths
        run_round(db, payers, exp_qr, 20)
        base: list[tuple[float, float]] = []
        with_exp: list[tuple[float, float]] = []
        for _ in range(rounds):
            spent = {plain_qr: [0.0, 0.0], exp_qr: [0.0, 0.0]}  # wall s, CPU ms
            for _ in range(n // BLOCK):
                for qr in (plain_qr, exp_qr):
                    rate, cpu = run_round(db, payers, qr, BLOCK)
                    spent[qr][0] += BLOCK / rate
                    spent[qr][1] += cpu * BLOCK
            done = n // BLOCK * BLOCK
            base.append((done / spent[plain_qr][0], spent[plain_qr][1] / done))
            with_exp.append((done / spent[exp_qr][0], spent[exp_qr][1] / done))
        from digiplus.ledger import verify_ledger
        from digiplus.sandbox.models import Experiment

        with db.session() as s:
            ok = verify_ledger(s).ok
            e = s.get(Experiment, exp_id)
            assert e is not None
            usage = {"payments": e.payments_count, "exposure": e.exposure_used, "refusals": e.refusals}
        db.dispose()
    b_rate = statistics.median(r for r, _ in base)
    e_rate = statistics.median(r for r, _ in with_exp)
    b_cpu = statistics.median(c for _, c in base)
    e_cpu = statistics.median(c for _, c in with_exp)
    ratio = statistics.median(e[0] / b[0] for b, e in zip(base, with_exp, strict=True))
    result: dict[str, Any] = {
        "database": url.split(":")[0],
        "payments_per_round": n,
        "rounds": rounds,
        "baseline": {"payments_per_s": round(b_rate, 1), "cpu_ms_per_payment": round(b_cpu, 3)},
        "with_experiment": {"payments_per_s": round(e_rate, 1), "cpu_ms_per_payment": round(e_cpu, 3)},
        "throughput_ratio": round(ratio, 3),
        "cpu_ratio": round(e_cpu / b_cpu, 3),
        "target": "throughput_ratio >= 0.90",
        "met": ratio >= 0.90,
        "experiment_usage": usage,
        "ledger_verify_ok": ok,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    print(f"{'':<22}{'payments/s (median)':>22}{'CPU ms/payment':>18}")
    print(f"{'no experiment':<22}{b_rate:>22.1f}{b_cpu:>18.3f}")
    print(f"{'active experiment':<22}{e_rate:>22.1f}{e_cpu:>18.3f}")
    print(
        f"ratio (experiment / baseline, median of {rounds} round pairs): throughput {ratio:.3f}, "
        f"CPU {e_cpu / b_cpu:.3f}; target ≥ 0.90: {ratio >= 0.90}"
    )
    print(f"experiment counters: {usage}; ledger verify ok: {ok}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
