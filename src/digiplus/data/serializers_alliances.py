"""Alliance and demand-board models → the API's public shapes (schemas_alliances.py)."""

from __future__ import annotations

from datetime import datetime

from digiplus.core.money import format_minor
from digiplus.data.models import Dataset
from digiplus.data.models_alliances import (
    Alliance,
    AllianceInvitation,
    AllianceMember,
    DataDemand,
    DatasetUse,
    DemandAnswer,
)
from digiplus.data.schemas_alliances import (
    AlliancePublic,
    AnswerPublic,
    Budget,
    DemandPublic,
    InvitationPublic,
    MemberPublic,
    UsePublic,
)


def _ts(value: datetime) -> int:
    return int(value.timestamp())


def alliance_public(a: Alliance, member_count: int) -> AlliancePublic:
    return AlliancePublic(
        id=a.id,
        created=_ts(a.created),
        livemode=a.livemode,
        founder=a.org_id,
        name={"zh-TW": a.name_zh, "en": a.name_en},
        description={"zh-TW": a.description_zh, "en": a.description_en},
        purpose={"zh-TW": a.purpose_zh, "en": a.purpose_en},
        listing=a.listing,  # type: ignore[arg-type]
        member_count=member_count,
        modified=_ts(a.modified),
    )


def member_public(m: AllianceMember, org_name: str) -> MemberPublic:
    return MemberPublic(
        id=m.id,
        created=_ts(m.created),
        livemode=m.livemode,
        alliance=m.alliance_id,
        org=m.org_id,
        org_name=org_name,
        role=m.role,  # type: ignore[arg-type]
        admin=m.admin,
        status=m.status,  # type: ignore[arg-type]
        joined=_ts(m.joined),
        ended=_ts(m.ended) if m.ended else None,
    )


def invitation_public(i: AllianceInvitation, alliance: Alliance) -> InvitationPublic:
    return InvitationPublic(
        id=i.id,
        created=_ts(i.created),
        livemode=i.livemode,
        alliance=i.alliance_id,
        alliance_name={"zh-TW": alliance.name_zh, "en": alliance.name_en},
        org=i.invitee_org_id,
        invited_by=i.inviter_org_id,
        role=i.role,  # type: ignore[arg-type]
        admin=i.admin,
        message=i.message,
        status=i.status,  # type: ignore[arg-type]
        responded=_ts(i.responded) if i.responded else None,
    )


def use_public(u: DatasetUse) -> UsePublic:
    return UsePublic(
        id=u.id,
        created=_ts(u.created),
        livemode=u.livemode,
        alliance=u.alliance_id,
        dataset=u.dataset_id,
        org=u.org_id,
        purpose=u.purpose,
    )


def demand_public(d: DataDemand, answer_count: int) -> DemandPublic:
    budget = None
    if d.budget_amount is not None and d.budget_currency:
        budget = Budget(
            amount=d.budget_amount,
            currency=d.budget_currency,
            display=f"{format_minor(d.budget_amount, d.budget_currency)} {d.budget_currency}",
        )
    return DemandPublic(
        id=d.id,
        created=_ts(d.created),
        livemode=d.livemode,
        org=d.org_id,
        title={"zh-TW": d.title_zh, "en": d.title_en},
        description={"zh-TW": d.description_zh, "en": d.description_en},
        themes=list(d.themes),
        keywords={"zh-TW": list(d.keywords_zh), "en": list(d.keywords_en)},
        desired_format=d.desired_format,
        desired_frequency=d.desired_frequency,
        budget=budget,
        deadline=d.deadline.isoformat() if d.deadline else None,
        status=d.status,  # type: ignore[arg-type]
        closed=_ts(d.closed) if d.closed else None,
        accepted_answer=d.accepted_answer_id,
        answer_count=answer_count,
        modified=_ts(d.modified),
    )


def answer_public(a: DemandAnswer, dataset: Dataset) -> AnswerPublic:
    return AnswerPublic(
        id=a.id,
        created=_ts(a.created),
        livemode=a.livemode,
        demand=a.demand_id,
        org=a.org_id,
        dataset=a.dataset_id,
        dataset_title={"zh-TW": dataset.title_zh, "en": dataset.title_en},
        message=a.message,
        status=a.status,  # type: ignore[arg-type]
        accepted=_ts(a.accepted) if a.accepted else None,
    )
