"""The merchant's loyalty pages: programmes (create, rules), a programme's rewards, campaigns and
members, a member's lots and history, and taking a reward at the counter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Path
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.money import display_amount, to_minor
from digiplus.loyalty.models import LoyaltyEntry, LoyaltyMember
from digiplus.loyalty.pages.common import ID_PATTERN, KIND_LABELS, MerchantDep, attempt, error_text
from digiplus.loyalty.schemas import CampaignCreate, ProgrammeCreate, RedemptionCreate, RewardCreate, TierInput
from digiplus.loyalty.service import members, programmes, redemption
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
NAV = (NavItem(N_("Loyalty"), "/loyalty", "loyalty", permission="loyalty.read", order=36, org_kinds=("merchant",)),)
ObjectId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Text = Annotated[str, Form(max_length=200)]


def _helpers(page: PageContext) -> dict[str, Any]:
    return {
        "amount": lambda minor, cur: display_amount(minor, cur, locale=page.locale),
        "kind_label": lambda k: page.gettext(KIND_LABELS.get(k) or k),
        "error": None,
    }


def _minor(text: str, param: str) -> int:
    return to_minor(text.strip() or "0", "TWD", param=param)


def _tiers(text: str) -> list[TierInput]:
    """ "Silver 1000 150; Gold 3000 200" → tiers (name, NT$ threshold, multiplier %)."""
    found = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, spend, pct = part.rsplit(maxsplit=2)
        found.append(TierInput(name=name, min_spend=_minor(spend, "tiers"), multiplier_percent=int(pct)))
    return found


@router.get("/loyalty")
def programmes_page(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "loyalty"
    found = [(p, programmes.member_count(session, p.id)) for p in session.scalars(programmes.programmes_query(caller))]
    return page_response(page, "loyalty/programmes.html", {"programmes": found, **_helpers(page)})


@router.post("/loyalty")
def create_programme(
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    name: Text = "",
    spend_unit: Text = "100",
    points_per_unit: Text = "1",
    expiry_months: Text = "12",
    signup_bonus: Text = "0",
    birthday_bonus: Text = "0",
    stamps_required: Text = "0",
    stamp_min_amount: Text = "0",
    tiers: Text = "",
) -> Response:
    page.section = "loyalty"

    def build() -> Any:
        body = ProgrammeCreate(
            name=name,
            spend_unit=_minor(spend_unit, "spend_unit"),
            points_per_unit=int(points_per_unit or 0),
            expiry_months=int(expiry_months or 0),
            signup_bonus=int(signup_bonus or 0),
            birthday_bonus=int(birthday_bonus or 0),
            stamps_required=int(stamps_required or 0),
            stamp_min_amount=_minor(stamp_min_amount, "stamp_min_amount"),
            tiers=_tiers(tiers),
        )
        return programmes.create_programme(session, caller, body)

    try:
        made, error = attempt(session, build)
    except ValueError:
        made, error = None, None
    if made is None:
        found = [
            (p, programmes.member_count(session, p.id)) for p in session.scalars(programmes.programmes_query(caller))
        ]
        message = (
            error_text(page, error) if error else page.gettext(N_("Check the numbers: whole points, amounts in NT$."))
        )
        context = {"programmes": found, **_helpers(page), "error": message}
        return page_response(page, "loyalty/programmes.html", context, status_code=400)
    return redirect(page, f"/loyalty/{made.id}", flash=N_("The programme is live."))


def _programme_context(session: SessionDep, page: PageContext, caller: Any, programme_id: str) -> dict[str, Any]:
    programme = programmes.get_programme(session, caller, programme_id)
    stmt = members.members_query(caller, programme.id).order_by(LoyaltyMember.id.desc()).limit(50)
    return {
        "p": programme,
        "rewards": programmes.programme_rewards(session, programme.id, active_only=False),
        "campaigns": list(session.scalars(programmes.campaigns_query(caller, programme.id))),
        "members": [members.member_data(session, m, programme) for m in session.scalars(stmt)],
        "member_count": programmes.member_count(session, programme.id),
        **_helpers(page),
    }


@router.get("/loyalty/{programme_id}")
def programme_page(programme_id: ObjectId, session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "loyalty"
    return page_response(page, "loyalty/programme.html", _programme_context(session, page, caller, programme_id))


def _again(session: SessionDep, page: PageContext, caller: Any, programme_id: str, error: Any) -> Response:
    context = _programme_context(session, page, caller, programme_id)
    context["error"] = error_text(page, error)
    return page_response(page, "loyalty/programme.html", context, status_code=400)


@router.post("/loyalty/{programme_id}/rewards")
def add_reward(
    programme_id: ObjectId,
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    name: Text = "",
    kind: Annotated[str, Form(pattern="^(amount_off|percent_off|free_item)$")] = "amount_off",
    points_cost: Text = "0",
    amount_off: Text = "0",
    percent_off: Text = "0",
    max_discount: Text = "",
    item_name: Text = "",
) -> Response:
    def build() -> Any:
        body = RewardCreate(
            name=name,
            kind=kind,  # type: ignore[arg-type]
            points_cost=int(points_cost or 0),
            amount_off=_minor(amount_off, "amount_off"),
            percent_off=int(percent_off or 0),
            max_discount=_minor(max_discount, "max_discount") if max_discount.strip() else None,
            item_name=item_name or None,
        )
        return programmes.create_reward(session, caller, programme_id, body)

    _, error = attempt(session, build)
    if error is not None:
        return _again(session, page, caller, programme_id, error)
    return redirect(page, f"/loyalty/{programme_id}", flash=N_("The reward is added."))


@router.post("/loyalty/{programme_id}/campaigns")
def add_campaign(
    programme_id: ObjectId,
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    name: Text = "",
    multiplier_percent: Text = "200",
    starts: Annotated[str, Form(max_length=20)] = "",
    ends: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def build() -> Any:
        from digiplus.loyalty.service.rules import TAIPEI

        def ts(text: str) -> int:
            return int(datetime.fromisoformat(text).replace(tzinfo=TAIPEI).astimezone(UTC).timestamp())

        body = CampaignCreate(
            name=name, multiplier_percent=int(multiplier_percent or 0), starts_at=ts(starts), ends_at=ts(ends)
        )
        return programmes.create_campaign(session, caller, programme_id, body)

    try:
        _, error = attempt(session, build)
    except ValueError:
        from digiplus.core.errors import InvalidRequest

        _, error = None, InvalidRequest("Enter the start and end as dates and times.", param="starts")
    if error is not None:
        return _again(session, page, caller, programme_id, error)
    return redirect(page, f"/loyalty/{programme_id}", flash=N_("The campaign is scheduled."))


@router.get("/loyalty/members/{member_id}")
def member_page(member_id: ObjectId, session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "loyalty"
    member = members.get_member(session, caller, member_id)
    if member.org_id != caller.org_id:
        from digiplus.core.errors import NotFound

        raise NotFound(f"No such loyalty_member: '{member_id}'")
    programme = programmes.get_programme(session, caller, member.programme_id)
    history = session.scalars(members.entries_query(member).order_by(LoyaltyEntry.id.desc()).limit(100))
    context = {
        "m": members.member_data(session, member, programme),
        "p": programme,
        "history": list(history),
        "rewards": programmes.programme_rewards(session, programme.id),
        **_helpers(page),
    }
    return page_response(page, "loyalty/member.html", context)


@router.post("/loyalty/members/{member_id}/redeem")
def redeem_at_counter(
    member_id: ObjectId,
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    reward: Annotated[str, Form(max_length=64)] = "",
    payment_intent: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    _, error = attempt(
        session,
        lambda: redemption.redeem(
            session,
            caller,
            RedemptionCreate(member=member_id, reward=reward or None, payment_intent=payment_intent.strip() or None),
        ),
    )
    if error is not None:
        return redirect(
            page,
            f"/loyalty/members/{member_id}",
            flash=N_("The reward could not be used: %(error)s"),
            kind="error",
            error=error_text(page, error),
        )
    return redirect(page, f"/loyalty/members/{member_id}", flash=N_("The reward is used."))
