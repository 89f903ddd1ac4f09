"""Several processes post transfers against a few hot accounts on PostgreSQL at once; afterwards the
books verify, nothing is overdrawn and every acknowledged transfer is there — also when one writer
is SIGKILLed mid-run."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest
from ledger_helpers import DMNEC, Book
from sqlalchemy import select

from digiplus.core.db import Database
from digiplus.ledger import verify_ledger
from digiplus.ledger.models import LedgerAccount, LedgerTransfer

URL = os.environ.get("DIGIPLUS_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not URL.startswith("postgresql"), reason="needs PostgreSQL (set DIGIPLUS_TEST_DATABASE_URL=postgresql+psycopg://…)"
)
HOT = ["hot0", "hot1", "hot2"]


def writer(url: str, org_id: str, number: int, batches: int, ack_file: str) -> None:
    """One client: random batches among the hot accounts; after each commit, the ok ids are written down."""
    from digiplus.core.context import Caller
    from digiplus.ledger import TransferInput, create_transfers
    from digiplus.registry import load_models

    load_models()
    db = Database(url)
    caller = Caller.system(org_id, False)
    rng = random.Random(number)
    with open(ack_file, "a") as acks:
        for b in range(batches):
            items = []
            for i in range(20):
                dr, cr = rng.sample(["bank", *HOT], 2)
                items.append(
                    TransferInput(
                        id=f"w{number}_{b}_{i}",
                        debit_account_id=dr,
                        credit_account_id=cr,
                        amount=rng.randint(1, 40),
                        ledger="TWD",
                        code=1,
                        flags=2 if rng.random() < 0.1 else 0,
                        timeout=0,
                    )
                )
            with db.session() as session:
                outcome = create_transfers(session, caller, items)
            # The transaction has committed: only now is the client told, so only now is it written down.
            acks.write("".join(f"{o.id}\n" for o in outcome if o.result == "ok"))
            acks.flush()
            os.fsync(acks.fileno())
    db.dispose()


def start(book: Book, tmp_path: Path, n: int, batches: int) -> list[tuple[multiprocessing.process.BaseProcess, Path]]:
    ctx = multiprocessing.get_context("spawn")
    procs = []
    for number in range(n):
        ack = tmp_path / f"acks{number}.txt"
        p = ctx.Process(
            target=writer, args=(os.environ["DIGIPLUS_DATABASE_URL"], book.caller.org_id, number, batches, str(ack))
        )
        p.start()
        procs.append((p, ack))
    return procs


def check(book: Book, ack_files: list[Path]) -> int:
    acked = {line for f in ack_files if f.exists() for line in f.read_text().split()}
    with book.db.session() as s:
        report = verify_ledger(s)
        stored = set(s.scalars(select(LedgerTransfer.id).where(LedgerTransfer.org_id == book.caller.org_id)))
        hot = s.scalars(
            select(LedgerAccount).where(LedgerAccount.org_id == book.caller.org_id, LedgerAccount.id.in_(HOT))
        ).all()
    assert report.ok, report.problems
    assert acked <= stored, sorted(acked - stored)[:10]
    for a in hot:
        assert a.debits_pending + a.debits_posted <= a.credits_posted, a.id
    return len(acked)


def fund(book: Book) -> None:
    book.accounts(("bank", 0), *((h, DMNEC) for h in HOT))
    assert book.batch(
        [{"id": f"fund_{h}", "debit_account_id": "bank", "credit_account_id": h, "amount": 300} for h in HOT]
    ) == ["ok"] * len(HOT)


def test_concurrent_writers_keep_the_books(book: Book, tmp_path: Path) -> None:
    fund(book)
    procs = start(book, tmp_path, 3, 12)
    for p, _ in procs:
        p.join(120)
        assert p.exitcode == 0
    assert check(book, [a for _, a in procs]) > 50


def test_a_writer_killed_mid_run_loses_nothing_acknowledged(book: Book, tmp_path: Path) -> None:
    fund(book)
    procs = start(book, tmp_path, 3, 25)
    victim, victim_acks = procs[0]
    deadline = time.monotonic() + 240  # spawned writers import the whole app first: slow on a loaded machine
    while time.monotonic() < deadline and (not victim_acks.exists() or victim_acks.stat().st_size < 200):
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)  # type: ignore[arg-type]
    for p, _ in procs:
        p.join(120)
    assert victim.exitcode == -signal.SIGKILL
    assert all(p.exitcode == 0 for p, _ in procs[1:])
    assert victim_acks.read_text().count("\n") > 0
    check(book, [a for _, a in procs])
