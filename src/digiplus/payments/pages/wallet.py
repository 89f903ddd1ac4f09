"""The consumer's wallet (a phone-sized layout): balances, open a wallet, link a bank account,
top up, send to another wallet, history, and the one-time payment code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParams
from digiplus.core.context import Caller
from digiplus.core.permissions import require
from digiplus.payments.models import Wallet
from digiplus.payments.pages.common import ID_PATTERN, ConsumerDep, attempt, error_text, labels, minor_amount
from digiplus.payments.qr import render_svg
from digiplus.payments.service import approval, banks, codes, topups, wallets
from digiplus.payments.service.fx import TWD_PER_UNIT
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
NAV = (NavItem(N_("Wallet"), "/wallet", "wallet", permission="payments.read", order=35, org_kinds=("consumer",)),)
WalletQuery = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
Cursor = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
OPEN_CURRENCIES = tuple(sorted(TWD_PER_UNIT))


def my_wallets(session: Session, caller: Caller) -> list[Wallet]:
    """The consumer's wallets, TWD first."""
    found = list(session.scalars(wallets.wallets_query(caller)))
    return sorted(found, key=lambda w: (w.currency != "TWD", w.currency))


def chosen_wallet(session: Session, caller: Caller, wallet_id: str | None) -> Wallet | None:
    if wallet_id:
        return wallets.get_wallet(session, caller, wallet_id, param="wallet")
    found = my_wallets(session, caller)
    return found[0] if found else None


def wallet_context(session: Session, page: PageContext, caller: Caller, wallet_id: str | None) -> dict[str, Any]:
    """What every wallet page shows on top: the wallets, the one in use, the linked bank accounts."""
    page.section = "wallet"
    mine = my_wallets(session, caller)
    current = chosen_wallet(session, caller, wallet_id)
    return {
        "wallets": mine,
        "wallet": current,
        "balance": wallets.wallet_balance(session, current) if current else None,
        "banks": list(session.scalars(banks.bank_accounts_query(caller))),
        "mask": banks.mask,
        "error": None,
        **labels(page),
    }


def _render(page: PageContext, template: str, context: dict[str, Any]) -> Response:
    return page_response(page, template, context, status_code=400 if context.get("error") else 200)


@router.get("/wallet")
def wallet_home(session: SessionDep, page: PageDep, caller: ConsumerDep, wallet: WalletQuery = None) -> Response:
    context = wallet_context(session, page, caller, wallet)
    context["balances"] = [(w, wallets.wallet_balance(session, w)) for w in context["wallets"]]
    context["currencies"] = [c for c in OPEN_CURRENCIES if c not in {w.currency for w in context["wallets"]}]
    current = context["wallet"]
    context["awaiting"] = approval.awaiting_approval(session, caller, current.id) if current else []
    return _render(page, "payments/wallet/home.html", context)


@router.post("/wallet/open")
def open_wallet(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    currency: Annotated[str, Form(max_length=3)] = "TWD",
) -> Response:
    require(caller.role, "payments.write")
    made, error = attempt(session, lambda: wallets.create_wallet(session, caller, currency))
    if error is not None or made is None:
        return redirect(page, "/wallet", flash=N_("The wallet could not be opened."), kind="error")
    return redirect(
        page, f"/wallet?wallet={made.id}", flash=N_("Your %(currency)s wallet is open."), currency=made.currency
    )


@router.get("/wallet/bank")
def bank_form(session: SessionDep, page: PageDep, caller: ConsumerDep, wallet: WalletQuery = None) -> Response:
    context = wallet_context(session, page, caller, wallet)
    context["form"] = {"bank_code": "", "account_number": "", "holder_name": page.user_name}
    return _render(page, "payments/wallet/bank.html", context)


@router.post("/wallet/bank")
def link_bank(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: Annotated[str, Form(max_length=64)] = "",
    bank_code: Annotated[str, Form(max_length=3)] = "",
    account_number: Annotated[str, Form(max_length=20)] = "",
    holder_name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    require(caller.role, "payments.write")
    context = wallet_context(session, page, caller, wallet or None)
    currency = context["wallet"].currency if context["wallet"] else "TWD"
    _, error = attempt(
        session,
        lambda: banks.create_bank_account(
            session,
            caller,
            bank_code=bank_code.strip(),
            account_number=account_number.strip(),
            holder_name=holder_name.strip() or page.user_name,
            currency_code=currency,
        ),
    )
    if error is not None:
        context |= {
            "error": error_text(page, error),
            "form": {"bank_code": bank_code, "account_number": account_number, "holder_name": holder_name},
        }
        return _render(page, "payments/wallet/bank.html", context)
    return redirect(page, f"/wallet/topup?wallet={wallet}", flash=N_("The bank account is linked."))


@router.get("/wallet/topup")
def topup_form(session: SessionDep, page: PageDep, caller: ConsumerDep, wallet: WalletQuery = None) -> Response:
    context = wallet_context(session, page, caller, wallet)
    context["form"] = {"amount": "", "bank_account": ""}
    return _render(page, "payments/wallet/topup.html", context)


@router.post("/wallet/topup")
def top_up(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: Annotated[str, Form(max_length=64, pattern=ID_PATTERN)],
    bank_account: Annotated[str, Form(max_length=64)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    require(caller.role, "payments.write")
    current = wallets.get_wallet(session, caller, wallet, param="wallet")
    made, error = attempt(
        session,
        lambda: topups.top_up(
            session,
            caller,
            current.id,
            bank_account_id=bank_account,
            amount=minor_amount(amount, current.currency),
        ),
    )
    if error is not None or made is None:
        context = wallet_context(session, page, caller, current.id)
        context |= {
            "error": error_text(page, error) if error else "",
            "form": {"amount": amount, "bank_account": bank_account},
        }
        return _render(page, "payments/wallet/topup.html", context)
    if made.status == "failed":
        return redirect(
            page,
            f"/wallet/topup?wallet={current.id}",
            flash=N_("The bank refused the top-up: %(reason)s"),
            kind="error",
            reason=made.failure_message or made.failure_code or "",
        )
    return redirect(
        page,
        f"/wallet?wallet={current.id}",
        flash=N_("Topped up %(amount)s."),
        amount=labels(page)["amount"](made.amount, made.currency),
    )


@router.get("/wallet/send")
def send_form(session: SessionDep, page: PageDep, caller: ConsumerDep, wallet: WalletQuery = None) -> Response:
    context = wallet_context(session, page, caller, wallet)
    context["form"] = {"amount": "", "to_wallet": "", "description": ""}
    return _render(page, "payments/wallet/send.html", context)


@router.post("/wallet/send")
def send(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: Annotated[str, Form(max_length=64, pattern=ID_PATTERN)],
    to_wallet: Annotated[str, Form(max_length=64)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    description: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    require(caller.role, "payments.write")
    current = wallets.get_wallet(session, caller, wallet, param="wallet")
    made, error = attempt(
        session,
        lambda: wallets.send_to_wallet(
            session,
            caller,
            current.id,
            to_wallet_id=to_wallet.strip(),
            amount=minor_amount(amount, current.currency),
            description=description.strip() or None,
        ),
    )
    if error is not None or made is None:
        context = wallet_context(session, page, caller, current.id)
        form = {"amount": amount, "to_wallet": to_wallet, "description": description}
        context |= {"error": error_text(page, error) if error else "", "form": form}
        return _render(page, "payments/wallet/send.html", context)
    return redirect(
        page,
        f"/wallet?wallet={current.id}",
        flash=N_("Sent %(amount)s."),
        amount=labels(page)["amount"](made.amount, made.currency),
    )


@router.get("/wallet/history")
def history_page(
    session: SessionDep, page: PageDep, caller: ConsumerDep, wallet: WalletQuery = None, starting_after: Cursor = None
) -> Response:
    context = wallet_context(session, page, caller, wallet)
    current = context["wallet"]
    entries: list[dict[str, Any]] = []
    older_url = None
    if current is not None:
        listing = wallets.history(session, caller, current.id, ListParams(limit=30, starting_after=starting_after))
        entries = [{**e, "at": datetime.fromtimestamp(e["created"], UTC)} for e in listing["data"]]
        if listing["has_more"] and entries:
            older_url = f"/wallet/history?wallet={current.id}&starting_after={entries[-1]['id']}"
    context |= {"entries": entries, "older_url": older_url}
    return _render(page, "payments/wallet/history.html", context)


@router.get("/wallet/code")
def code_page(session: SessionDep, page: PageDep, caller: ConsumerDep, wallet: WalletQuery = None) -> Response:
    context = wallet_context(session, page, caller, wallet)
    context |= {"code": None, "svg": None, "expires_at": None}
    return _render(page, "payments/wallet/code.html", context)


@router.post("/wallet/code")
def new_code(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: Annotated[str, Form(max_length=64, pattern=ID_PATTERN)],
) -> Response:
    """A fresh one-time code (shown once: only its digest is kept), as a QR symbol and as digits."""
    require(caller.role, "payments.write")
    row, code = codes.create_payment_code(session, caller, wallet)
    context = wallet_context(session, page, caller, row.wallet_id)
    context |= {
        "code": code,
        "grouped": " ".join(code[i : i + 4] for i in range(0, len(code), 4)),
        "svg": render_svg(code, scale=9, border=2),
        "expires_at": row.expires_at,
        "seconds_left": max(0, int((row.expires_at - row.created).total_seconds())),
    }
    return _render(page, "payments/wallet/code.html", context)
