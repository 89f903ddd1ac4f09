"""Each result code, produced through the service on a real database, with exact balances."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ledger_helpers import CMNED, DMNEC, T0, Book

from digiplus.ledger import AMOUNT_MAX, AccountInput, close_account, create_accounts, expire_pending

P, POST, VOID, BD, BC, L = 2, 4, 8, 16, 32, 1


@pytest.fixture
def books(book: Book) -> Book:
    book.accounts(("bank", 0), ("alice", DMNEC), ("shop", CMNED), ("fees", 0))
    book.accounts(("usd", 0), ledger="USD")
    assert book.transfer(id="seed", debit_account_id="bank", credit_account_id="alice", amount=100) == "ok"
    return book


def tr(**kw: object) -> dict[str, object]:
    return {"debit_account_id": "bank", "credit_account_id": "fees", "amount": 10, **kw}


CASES = [
    (tr(id=""), "id_must_not_be_zero"),
    (tr(id="x", flags=P | POST), "flags_are_mutually_exclusive"),
    (tr(id="x", flags=POST | VOID, pending_id="seed"), "flags_are_mutually_exclusive"),
    (tr(id="x", flags=BD | VOID, pending_id="seed"), "flags_are_mutually_exclusive"),
    (tr(id="x", debit_account_id=None), "debit_account_id_must_not_be_zero"),
    (tr(id="x", credit_account_id=None), "credit_account_id_must_not_be_zero"),
    (tr(id="x", credit_account_id="bank"), "accounts_must_be_different"),
    (tr(id="x", pending_id="seed"), "pending_id_must_be_zero"),
    (tr(id="x", timeout=5), "timeout_reserved_for_pending_transfer"),
    (tr(id="x", amount=0), "amount_must_not_be_zero"),
    (tr(id="x", amount=-5), "amount_must_not_be_negative"),
    (tr(id="x", ledger=""), "ledger_must_not_be_zero"),
    (tr(id="x", code=0), "code_must_not_be_zero"),
    (tr(id="x", debit_account_id="ghost"), "debit_account_not_found"),
    (tr(id="x", credit_account_id="ghost"), "credit_account_not_found"),
    (tr(id="x", credit_account_id="usd"), "accounts_must_have_the_same_ledger"),
    (tr(id="x", ledger="USD"), "transfer_must_have_the_same_ledger_as_accounts"),
    (tr(id="x", debit_account_id="alice", amount=101), "exceeds_credits"),
    (tr(id="x", credit_account_id="shop", amount=1), "exceeds_debits"),
    (tr(id="x", amount=AMOUNT_MAX), "overflows_debits_posted"),  # bank has 100 posted debits
    (tr(id="x", amount=AMOUNT_MAX + 1, debit_account_id="fees", credit_account_id="bank"), "overflows_debits_posted"),
    (tr(id="x", debit_account_id="fees", credit_account_id="alice", amount=AMOUNT_MAX), "overflows_credits_posted"),
    (
        tr(id="x", flags=P, amount=AMOUNT_MAX + 1, debit_account_id="fees", credit_account_id="bank"),
        "overflows_debits_pending",
    ),
    (tr(id="x", flags=P, timeout=2**31), "overflows_timeout"),
    (tr(id="seed", debit_account_id="bank", credit_account_id="alice", amount=100), "exists"),
    (tr(id="seed", credit_account_id="alice", amount=100, flags=P), "exists_with_different_flags"),
    (
        tr(id="seed", debit_account_id="fees", credit_account_id="alice", amount=100),
        "exists_with_different_debit_account_id",
    ),
    (tr(id="seed", amount=100), "exists_with_different_credit_account_id"),
    (tr(id="seed", credit_account_id="alice", amount=99), "exists_with_different_amount"),
    (tr(id="seed", credit_account_id="alice", amount=100, metadata={"a": "b"}), "exists_with_different_metadata"),
    (tr(id="seed", credit_account_id="alice", amount=100, code=2), "exists_with_different_code"),
    (tr(id="x", flags=POST), "pending_id_must_not_be_zero"),
    (tr(id="x", flags=POST, pending_id="x"), "pending_id_must_be_different"),
    (tr(id="x", flags=POST, pending_id="nope"), "pending_transfer_not_found"),
    (tr(id="x", flags=POST, pending_id="seed"), "pending_transfer_not_pending"),
]


@pytest.mark.parametrize(("item", "code"), CASES, ids=[c for _, c in CASES])
def test_result_code(books: Book, item: dict[str, object], code: str) -> None:
    before = {a: books.balance(a) for a in ("bank", "alice", "shop", "fees")}
    assert books.batch([item]) == [code]
    assert {a: books.balance(a) for a in before} == before  # a failed item changes nothing


def test_exists_with_different_timeout(books: Book) -> None:
    books.accounts(("usd2", 0), ledger="USD")
    assert (
        books.transfer(
            id="u", debit_account_id="usd", credit_account_id="usd2", amount=5, ledger="USD", flags=P, timeout=60
        )
        == "ok"
    )
    assert (
        books.transfer(
            id="u", debit_account_id="usd", credit_account_id="usd2", amount=5, ledger="USD", flags=P, timeout=30
        )
        == "exists_with_different_timeout"
    )


def test_two_phase_post_partial_then_already_posted(books: Book) -> None:
    assert (
        books.transfer(id="hold", debit_account_id="alice", credit_account_id="shop", amount=0 + 60, flags=P)
        == "exceeds_debits"
    )  # shop refuses credits beyond its debits
    assert books.transfer(id="hold", debit_account_id="alice", credit_account_id="fees", amount=60, flags=P) == "ok"
    assert books.balance("alice") == (60, 0, 0, 100)
    assert (
        books.transfer(id="take", debit_account_id="alice", credit_account_id="fees", amount=30, flags=P) == "ok"
    )  # 60 + 30 <= 100
    assert (
        books.transfer(id="more", debit_account_id="alice", credit_account_id="fees", amount=11, flags=P)
        == "exceeds_credits"
    )
    assert books.batch([{"id": "p1", "flags": POST, "pending_id": "hold", "amount": 61}]) == [
        "exceeds_pending_transfer_amount"
    ]
    assert books.batch(
        [{"id": "p1", "flags": POST, "pending_id": "hold", "amount": 45, "ledger": None, "code": None}]
    ) == ["ok"]
    assert books.balance("alice") == (30, 45, 0, 100)
    assert books.balance("fees") == (0, 0, 30, 45)
    assert books.batch([{"id": "p2", "flags": POST, "pending_id": "hold"}]) == ["pending_transfer_already_posted"]
    assert books.batch([{"id": "p1", "flags": POST, "pending_id": "hold", "amount": 45}]) == ["exists"]
    assert books.batch([{"id": "p1", "flags": POST, "pending_id": "take"}]) == ["exists_with_different_pending_id"]
    assert books.batch([{"id": "v1", "flags": VOID, "pending_id": "take", "amount": 10}]) == [
        "pending_transfer_has_different_amount"
    ]
    assert books.batch([{"id": "v1", "flags": VOID, "pending_id": "take", "debit_account_id": "bank"}]) == [
        "pending_transfer_has_different_debit_account_id"
    ]
    assert books.batch([{"id": "v1", "flags": VOID, "pending_id": "take", "credit_account_id": "bank"}]) == [
        "pending_transfer_has_different_credit_account_id"
    ]
    assert books.batch([{"id": "v1", "flags": VOID, "pending_id": "take", "ledger": "USD"}]) == [
        "pending_transfer_has_different_ledger"
    ]
    assert books.batch([{"id": "v1", "flags": VOID, "pending_id": "take", "code": 7}]) == [
        "pending_transfer_has_different_code"
    ]
    assert books.batch([{"id": "v1", "flags": VOID, "pending_id": "take"}]) == ["ok"]
    assert books.batch([{"id": "v2", "flags": VOID, "pending_id": "take"}]) == ["pending_transfer_already_voided"]
    assert books.balance("alice") == (0, 45, 0, 100)


def test_timeout_expiry_by_worker_and_expired_post(books: Book) -> None:
    assert (
        books.transfer(id="h", debit_account_id="alice", credit_account_id="fees", amount=70, flags=P, timeout=30)
        == "ok"
    )
    later = T0 + timedelta(seconds=30)
    assert books.batch([{"id": "p", "flags": POST, "pending_id": "h"}], now=later) == ["pending_transfer_expired"]
    with books.db.session() as s:
        assert expire_pending(s, books.caller, now=T0 + timedelta(seconds=29)) == []
    with books.db.session() as s:
        assert expire_pending(s, books.caller, now=later) == ["h"]
    assert books.balance("alice") == (0, 0, 0, 100)
    assert books.batch([{"id": "p", "flags": POST, "pending_id": "h"}], now=later) == ["pending_transfer_expired"]


def test_balancing_debit_moves_what_is_available(books: Book) -> None:
    assert books.transfer(id="sweep", debit_account_id="alice", credit_account_id="fees", amount=1000, flags=BD) == "ok"
    assert books.balance("alice") == (0, 100, 0, 100)
    assert books.balance("fees") == (0, 0, 0, 100)
    assert (
        books.transfer(id="sweep", debit_account_id="alice", credit_account_id="fees", amount=1000, flags=BD)
        == "exists"
    )
    assert (
        books.transfer(id="sweep2", debit_account_id="alice", credit_account_id="fees", amount=5, flags=BD) == "ok"
    )  # nothing left: succeeds with amount 0
    assert books.balance("alice") == (0, 100, 0, 100)


def test_balancing_credit(books: Book) -> None:
    assert books.transfer(id="in", debit_account_id="shop", credit_account_id="fees", amount=40) == "ok"
    assert books.transfer(id="back", debit_account_id="bank", credit_account_id="shop", amount=500, flags=BC) == "ok"
    assert books.balance("shop") == (0, 40, 0, 40)


def test_linked_chain_fails_as_one(books: Book) -> None:
    results = books.batch(
        [
            tr(id="a", debit_account_id="alice", amount=60, flags=L),
            tr(id="b", debit_account_id="alice", amount=60, flags=L),  # 120 > 100
            tr(id="c", amount=1),
            tr(id="d", amount=2),
        ]
    )
    assert results == ["linked_event_failed", "exceeds_credits", "linked_event_failed", "ok"]
    assert books.balance("alice") == (0, 0, 0, 100)
    assert books.balance("fees") == (0, 0, 0, 2)


def test_linked_chain_open_at_end_of_batch(books: Book) -> None:
    assert books.batch([tr(id="a", flags=L), tr(id="b", flags=L)]) == ["linked_event_failed", "linked_event_chain_open"]
    assert books.balance("fees") == (0, 0, 0, 0)


def test_closed_accounts(books: Book) -> None:
    assert books.transfer(id="h", debit_account_id="alice", credit_account_id="fees", amount=10, flags=P) == "ok"
    with books.db.session() as s:
        close_account(s, books.caller, "fees")
    assert books.batch([tr(id="x")]) == ["credit_account_already_closed"]
    assert books.batch([tr(id="x", debit_account_id="fees", credit_account_id="bank")]) == [
        "debit_account_already_closed"
    ]
    assert books.batch([{"id": "p", "flags": POST, "pending_id": "h"}]) == ["credit_account_already_closed"]
    assert books.batch([{"id": "v", "flags": VOID, "pending_id": "h"}]) == ["ok"]  # a reservation is never stuck


def test_other_org_and_mode_accounts_are_not_found(books: Book, make_org: object) -> None:
    other = Book(books.db, make_org())  # type: ignore[operator]
    other.accounts(("bank", 0), ("fees", 0))
    assert (
        other.transfer(id="x", debit_account_id="bank", credit_account_id="alice", amount=1)
        == "credit_account_not_found"
    )
    live = Book(books.db, books.caller.org_id, livemode=True)
    assert (
        live.transfer(id="x", debit_account_id="bank", credit_account_id="fees", amount=1) == "debit_account_not_found"
    )


def test_account_result_codes(books: Book) -> None:
    with books.db.session() as s:
        out = create_accounts(
            s,
            books.caller,
            [
                AccountInput(id="", ledger="TWD", code=1),
                AccountInput(id="n1", ledger="TWD", code=1, flags=DMNEC | CMNED),
                AccountInput(id="n2", ledger="", code=1),
                AccountInput(id="n3", ledger="TWD", code=0),
                AccountInput(id="bank", ledger="TWD", code=1),
                AccountInput(id="bank", ledger="TWD", code=2),
                AccountInput(id="bank", ledger="USD", code=1),
                AccountInput(id="bank", ledger="TWD", code=1, flags=DMNEC),
                AccountInput(id="bank", ledger="TWD", code=1, metadata={"a": "b"}),
                AccountInput(id="l1", ledger="TWD", code=1, flags=1),
                AccountInput(id="l2", ledger="TWD", code=0),
                AccountInput(ledger="TWD", code=1),
            ],
        )
    assert [str(o.result) for o in out] == [
        "id_must_not_be_zero",
        "flags_are_mutually_exclusive",
        "ledger_must_not_be_zero",
        "code_must_not_be_zero",
        "exists",
        "exists_with_different_code",
        "exists_with_different_ledger",
        "exists_with_different_flags",
        "exists_with_different_metadata",
        "linked_event_failed",
        "code_must_not_be_zero",
        "ok",
    ]
    assert out[-1].id.startswith("lacc_")
    assert out[-1].account is not None and out[-1].account.debits_posted == 0


def test_overflows_of_the_sum_of_pending_and_posted(books: Book) -> None:
    big = AMOUNT_MAX - 200
    assert books.transfer(id="h", debit_account_id="bank", credit_account_id="fees", amount=big, flags=P) == "ok"
    assert books.transfer(id="x", debit_account_id="bank", credit_account_id="shop", amount=150) == "overflows_debits"
    assert (
        books.transfer(id="x", debit_account_id="bank", credit_account_id="fees", amount=201, flags=P)
        == "overflows_debits_pending"
    )
    assert books.transfer(id="y", debit_account_id="alice", credit_account_id="fees", amount=100, flags=P) == "ok"
    assert (
        books.transfer(id="z", debit_account_id="shop", credit_account_id="fees", amount=101, flags=P)
        == "overflows_credits_pending"
    )
    assert books.transfer(id="z", debit_account_id="shop", credit_account_id="fees", amount=150) == "overflows_credits"
    assert books.balance("bank") == (big, 100, 0, 0)
    assert books.balance("fees") == (0, 0, big + 100, 0)


def test_stored_id_answers_exists_even_where_a_later_check_would_fail(books: Book) -> None:
    """A batch first runs assuming its ids are new; a stored id must still win over the checks after
    ``exists_*`` (here: alice cannot pay 1,000) and must still break its linked chain."""
    seed_again_from_alice = tr(id="seed", debit_account_id="alice", credit_account_id="bank", amount=1000)
    assert books.batch([seed_again_from_alice]) == ["exists_with_different_debit_account_id"]
    assert books.batch([tr(id="c1", flags=L), tr(id="seed", credit_account_id="alice", amount=100)]) == [
        "linked_event_failed",
        "exists",
    ]
    assert books.batch(
        [tr(id="c2"), tr(id="c3", flags=L), tr(id="seed", credit_account_id="alice", amount=100), tr(id="c4")]
    ) == ["ok", "linked_event_failed", "exists", "ok"]
    assert books.balance("bank") == (0, 120, 0, 0)  # seed, c2 and c4 only
    assert books.balance("fees") == (0, 0, 0, 20)
    assert books.batch([tr(id="c2"), tr(id="c5")]) == ["exists", "ok"]  # a created one among stored ones
    assert books.balance("fees") == (0, 0, 0, 30)
