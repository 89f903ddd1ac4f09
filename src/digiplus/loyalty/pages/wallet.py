"""The consumer's loyalty page in the wallet: points, stamps, tier and vouchers per merchant, joining
a programme, and using a reward on a payment before paying it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form
from sqlalchemy import select
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.money import display_amount
from digiplus.loyalty.models import LoyaltyMember, LoyaltyProgramme
from digiplus.loyalty.pages.common import ConsumerDep, attempt, error_text
from digiplus.loyalty.schemas import RedemptionCreate
from digiplus.loyalty.service import members, programmes, redemption
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
NAV = (
    NavItem(
        N_("Points"), "/wallet/loyalty", "wallet-loyalty", permission="loyalty.read", order=36, org_kinds=("consumer",)
    ),
)


def _context(session: SessionDep, page: PageContext, caller: Any) -> dict[str, Any]:
    page.section = "wallet-loyalty"
    mine = list(session.scalars(members.memberships_query(caller).order_by(LoyaltyMember.id)))
    cards = []
    for m in mine:
        programme = session.get(LoyaltyProgramme, m.programme_id)
        if programme is None:
            continue
        cards.append((members.member_data(session, m, programme), programmes.programme_rewards(session, programme.id)))
    joined = {m.programme_id for m in mine}
    open_programmes = [
        p
        for p in session.scalars(
            select(LoyaltyProgramme)
            .where(LoyaltyProgramme.livemode == caller.livemode, LoyaltyProgramme.status == "active")
            .order_by(LoyaltyProgramme.id.desc())
            .limit(30)
        )
        if p.id not in joined and p.org_id != caller.org_id
    ]
    return {
        "cards": cards,
        "open_programmes": open_programmes,
        "amount": lambda minor, cur: display_amount(minor, cur, locale=page.locale),
        "error": None,
    }


@router.get("/wallet/loyalty")
def loyalty_home(session: SessionDep, page: PageDep, caller: ConsumerDep) -> Response:
    return page_response(page, "loyalty/wallet.html", _context(session, page, caller))


@router.post("/wallet/loyalty/join")
def join(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    programme: Annotated[str, Form(max_length=64)] = "",
    birthday: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        born = date.fromisoformat(birthday) if birthday else None
    except ValueError:
        born = None
    _, error = attempt(session, lambda: members.join_from_wallet(session, caller, programme, born))
    if error is not None:
        return redirect(
            page, "/wallet/loyalty", flash=N_("Could not join: %(error)s"), kind="error", error=error_text(page, error)
        )
    return redirect(page, "/wallet/loyalty", flash=N_("Welcome to the programme."))


@router.post("/wallet/loyalty/redeem")
def redeem(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    member: Annotated[str, Form(max_length=64)] = "",
    reward: Annotated[str, Form(max_length=64)] = "",
    payment_intent: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    made, error = attempt(
        session,
        lambda: redemption.redeem(
            session,
            caller,
            RedemptionCreate(member=member, reward=reward or None, payment_intent=payment_intent.strip() or None),
        ),
    )
    if error is not None or made is None:
        text = error_text(page, error) if error else ""
        return redirect(
            page, "/wallet/loyalty", flash=N_("The reward could not be used: %(error)s"), kind="error", error=text
        )
    if made.payment_intent_id:
        return redirect(
            page,
            f"/wallet/pay?payment_intent={made.payment_intent_id}",
            flash=N_("The reward is on the payment; pay now."),
        )
    return redirect(page, "/wallet/loyalty", flash=N_("Show this to the shop: your reward is used."))
