"""Alliances: founding, invitations (accepted or declined by the invited org), members leaving
or being removed, and the data chain (who supplies and who uses which dataset).

Who sees an alliance: anyone in its mode when it is listed publicly, only its active members
when it is private (anything else answers 404). Only admins change it or its members. The
access rule of alliance-only datasets (service/access.py) reads the memberships kept here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.data.models import Dataset
from digiplus.data.models_alliances import Alliance, AllianceInvitation, AllianceMember, DatasetUse
from digiplus.data.schemas_alliances import AllianceCreate, AllianceUpdate, InvitationCreate, MemberUpdate, UseCreate
from digiplus.data.service.access import member_alliance_ids, visible_datasets
from digiplus.data.service.search import index_dataset

register_event_type("alliance.created", "An alliance was founded.")
register_event_type("alliance.updated", "An alliance's name, description, purpose or listing changed.")
register_event_type("alliance.invitation_created", "An org was invited to an alliance (sent to both orgs).")
register_event_type("alliance.invitation_declined", "An invited org declined (sent to both orgs).")
register_event_type("alliance.invitation_revoked", "An admin withdrew a pending invitation.")
register_event_type(
    "alliance.member_joined", "An invited org accepted and joined (sent to the member and the founder)."
)
register_event_type("alliance.member_updated", "A member's role or admin flag changed.")
register_event_type("alliance.member_left", "A member left an alliance.")
register_event_type("alliance.member_removed", "An admin removed a member (sent to both orgs).")
register_event_type("alliance.dataset_use_registered", "A member registered its use of a dataset in the chain.")
register_event_type("alliance.dataset_use_withdrawn", "A member withdrew a dataset use record.")


def _livemode(caller: Caller | None) -> bool:
    return caller.livemode if caller is not None else True


def _as_org(caller: Caller, org_id: str) -> Caller:
    """The same request seen from another org, for the events that org must receive."""
    return Caller(
        org_id=org_id,
        livemode=caller.livemode,
        role="owner",
        actor_kind=caller.actor_kind,
        actor_id=caller.actor_id,
        request_id=caller.request_id,
    )


def _emit_to(session: Session, caller: Caller, orgs: list[str], event_type: str, data: dict[str, Any]) -> None:
    for org in dict.fromkeys(orgs):
        emit(session, caller if org == caller.org_id else _as_org(caller, org), event_type, data)


def _visible(session: Session, caller: Caller | None) -> ColumnElement[bool]:
    mine = member_alliance_ids(session, caller)
    listed = Alliance.listing == "public"
    return (Alliance.livemode == _livemode(caller)) & (or_(listed, Alliance.id.in_(mine)) if mine else listed)


def alliances_query(session: Session, caller: Caller | None, *, mine: bool = False) -> Select[Alliance]:
    """Alliances ``caller`` may see; with ``mine`` only those its org is an active member of."""
    if mine:
        return select(Alliance).where(
            Alliance.livemode == _livemode(caller), Alliance.id.in_(member_alliance_ids(session, caller))
        )
    return select(Alliance).where(_visible(session, caller))


def get_alliance(session: Session, caller: Caller | None, alliance_id: str, *, param: str = "id") -> Alliance:
    alliance = session.scalars(
        select(Alliance).where(Alliance.id == alliance_id, _visible(session, caller))
    ).one_or_none()
    if alliance is None:
        raise NotFound(f"No such alliance: '{alliance_id}'", param=param)
    return alliance


def member_counts(session: Session, alliance_ids: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(alliance_ids, 0)
    for alliance_id, n in session.execute(
        select(AllianceMember.alliance_id, func.count())
        .where(AllianceMember.alliance_id.in_(alliance_ids), AllianceMember.status == "active")
        .group_by(AllianceMember.alliance_id)
    ):
        counts[alliance_id] = int(n)
    return counts


def _membership(session: Session, alliance_id: str, org_id: str, *, for_update: bool = False) -> AllianceMember | None:
    stmt = select(AllianceMember).where(AllianceMember.alliance_id == alliance_id, AllianceMember.org_id == org_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def _require_admin(session: Session, caller: Caller, alliance_id: str, *, lock: bool = False) -> Alliance:
    alliance = get_alliance(session, caller, alliance_id)
    if lock:  # serialises admin changes of one alliance (the last-admin rule reads then writes)
        session.scalars(select(Alliance).where(Alliance.id == alliance.id).with_for_update()).one()
    me = _membership(session, alliance.id, caller.org_id)
    if me is None or me.status != "active" or not me.admin:
        raise PermissionDenied("Only an admin of the alliance may do this.", code="alliance_admin_required")
    return alliance


def _audited(a: Alliance) -> dict[str, Any]:
    return {"name_zh": a.name_zh, "name_en": a.name_en, "listing": a.listing}


def create_alliance(session: Session, caller: Caller, body: AllianceCreate) -> Alliance:
    """The founding org becomes the first member, as an admin, in the same transaction."""
    fields = body.model_dump(exclude={"role"})
    alliance = Alliance(id=id_for("alliance"), org_id=caller.org_id, livemode=caller.livemode, **fields)
    session.add(alliance)
    session.flush()
    member = AllianceMember(
        id=id_for("alliance_member"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        alliance_id=alliance.id,
        role=body.role,
        admin=True,
    )
    session.add(member)
    session.flush()
    audit.record(session, caller, "data.alliance.created", "alliance", alliance.id, after=_audited(alliance))
    emit(
        session,
        caller,
        "alliance.created",
        {"id": alliance.id, "name_zh": alliance.name_zh, "name_en": alliance.name_en},
    )
    return alliance


def update_alliance(session: Session, caller: Caller, alliance_id: str, body: AllianceUpdate) -> Alliance:
    alliance = _require_admin(session, caller, alliance_id)
    before = _audited(alliance)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    merged = {"name_zh": alliance.name_zh, "name_en": alliance.name_en} | changes
    if not (merged["name_zh"].strip() or merged["name_en"].strip()):
        raise InvalidRequest("An alliance needs a name in zh-TW or en.", param="name_zh")
    for key, value in changes.items():
        setattr(alliance, key, value)
    alliance.modified = utcnow()
    session.flush()
    audit.record(
        session, caller, "data.alliance.updated", "alliance", alliance.id, before=before, after=_audited(alliance)
    )
    emit(session, caller, "alliance.updated", {"id": alliance.id, "fields": sorted(changes)})
    return alliance


# --- members -------------------------------------------------------------------------------


def members_query(
    session: Session, caller: Caller | None, alliance_id: str, *, include_former: bool = False
) -> Select[AllianceMember, str]:
    """(member, org name) rows; former members only with ``include_former``."""
    from digiplus.identity.models import Organization

    alliance = get_alliance(session, caller, alliance_id)
    stmt = (
        select(AllianceMember, Organization.name)
        .join(Organization, Organization.id == AllianceMember.org_id)
        .where(AllianceMember.alliance_id == alliance.id)
    )
    return stmt if include_former else stmt.where(AllianceMember.status == "active")


def _active_admins(session: Session, alliance_id: str) -> list[str]:
    return list(
        session.scalars(
            select(AllianceMember.org_id).where(
                AllianceMember.alliance_id == alliance_id,
                AllianceMember.status == "active",
                AllianceMember.admin.is_(True),
            )
        )
    )


def _active_count(session: Session, alliance_id: str) -> int:
    return member_counts(session, [alliance_id])[alliance_id]


def _get_member(session: Session, alliance_id: str, org_id: str) -> AllianceMember:
    member = _membership(session, alliance_id, org_id, for_update=True)
    if member is None or member.status != "active":
        raise NotFound(f"No active member '{org_id}' in alliance '{alliance_id}'", param="org")
    return member


def _member_audit(m: AllianceMember) -> dict[str, Any]:
    return {"org": m.org_id, "role": m.role, "admin": m.admin, "status": m.status}


def update_member(
    session: Session, caller: Caller, alliance_id: str, org_id: str, body: MemberUpdate
) -> AllianceMember:
    alliance = _require_admin(session, caller, alliance_id, lock=True)
    member = _get_member(session, alliance.id, org_id)
    before = _member_audit(member)
    if body.admin is False and member.admin and _active_admins(session, alliance.id) == [member.org_id]:
        raise Conflict("An alliance keeps at least one admin: name another admin first.", code="last_admin")
    if body.role is not None:
        member.role = body.role
    if body.admin is not None:
        member.admin = body.admin
    session.flush()
    audit.record(
        session,
        caller,
        "data.alliance.member_updated",
        "alliance_member",
        member.id,
        before=before,
        after=_member_audit(member),
    )
    emit(session, caller, "alliance.member_updated", {"alliance": alliance.id, **_member_audit(member)})
    return member


def _end(session: Session, caller: Caller, alliance: Alliance, member: AllianceMember, status: str) -> AllianceMember:
    """End a membership; the org's datasets shared with this alliance become restricted (seen by
    their publisher only) — data shared with a group stops being shared when its publisher leaves."""
    others = _active_count(session, alliance.id) - 1
    if member.admin and others > 0 and _active_admins(session, alliance.id) == [member.org_id]:
        raise Conflict(
            "The last admin cannot leave while other members remain: name another admin first.", code="last_admin"
        )
    before = _member_audit(member)
    member.status = status
    member.admin = False
    member.ended = utcnow()
    unshared = list(
        session.scalars(
            select(Dataset)
            .where(
                Dataset.org_id == member.org_id,
                Dataset.livemode == member.livemode,
                Dataset.access_rights == "alliance",
                Dataset.access_alliance_id == alliance.id,
            )
            .with_for_update()
        )
    )
    for dataset in unshared:
        dataset.access_rights = "restricted"
        dataset.access_alliance_id = None
        dataset.modified = utcnow()
    session.flush()
    for dataset in unshared:
        index_dataset(session, dataset)
        audit.record(
            session,
            caller,
            "data.dataset.updated",
            "dataset",
            dataset.id,
            before={"access_rights": "alliance", "access_alliance_id": alliance.id},
            after={"access_rights": "restricted", "access_alliance_id": None},
            org_id=member.org_id,
        )
    audit.record(
        session,
        caller,
        f"data.alliance.member_{status}",
        "alliance_member",
        member.id,
        before=before,
        after=_member_audit(member),
    )
    return member


def leave_alliance(session: Session, caller: Caller, alliance_id: str) -> AllianceMember:
    alliance = get_alliance(session, caller, alliance_id)
    session.scalars(select(Alliance).where(Alliance.id == alliance.id).with_for_update()).one()
    member = _get_member(session, alliance.id, caller.org_id)
    _end(session, caller, alliance, member, "left")
    _emit_to(
        session,
        caller,
        [caller.org_id, alliance.org_id],
        "alliance.member_left",
        {"alliance": alliance.id, "org": caller.org_id},
    )
    return member


def remove_member(session: Session, caller: Caller, alliance_id: str, org_id: str) -> AllianceMember:
    alliance = _require_admin(session, caller, alliance_id, lock=True)
    if org_id == caller.org_id:
        raise InvalidRequest("To end your own org's membership, leave the alliance.", param="org")
    member = _get_member(session, alliance.id, org_id)
    _end(session, caller, alliance, member, "removed")
    _emit_to(
        session, caller, [caller.org_id, org_id], "alliance.member_removed", {"alliance": alliance.id, "org": org_id}
    )
    return member


# --- invitations ---------------------------------------------------------------------------


def invite(session: Session, caller: Caller, alliance_id: str, body: InvitationCreate) -> AllianceInvitation:
    from digiplus.identity.models import Organization

    alliance = _require_admin(session, caller, alliance_id, lock=True)
    if session.get(Organization, body.org) is None:
        raise NotFound(f"No such organization: '{body.org}'", param="org")
    current = _membership(session, alliance.id, body.org)
    if current is not None and current.status == "active":
        raise Conflict(f"'{body.org}' is already a member of this alliance.", param="org", code="already_member")
    pending = session.scalars(
        select(AllianceInvitation.id).where(
            AllianceInvitation.alliance_id == alliance.id,
            AllianceInvitation.invitee_org_id == body.org,
            AllianceInvitation.status == "pending",
        )
    ).first()
    if pending is not None:
        raise Conflict(
            f"'{body.org}' already has a pending invitation ({pending}).", param="org", code="already_invited"
        )
    invitation = AllianceInvitation(
        id=id_for("alliance_invitation"),
        livemode=caller.livemode,
        alliance_id=alliance.id,
        invitee_org_id=body.org,
        inviter_org_id=caller.org_id,
        role=body.role,
        admin=body.admin,
        message=body.message,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        caller,
        "data.alliance.invitation_created",
        "alliance_invitation",
        invitation.id,
        after={"org": body.org, "role": body.role, "admin": body.admin},
    )
    _emit_to(
        session,
        caller,
        [caller.org_id, body.org],
        "alliance.invitation_created",
        {"id": invitation.id, "alliance": alliance.id, "org": body.org, "role": body.role},
    )
    return invitation


def invitations_query(
    session: Session, caller: Caller, *, alliance_id: str | None = None, status: str | None = None
) -> Select[AllianceInvitation, Alliance]:
    """(invitation, alliance) rows: the invitations the caller's org received, or with ``alliance_id`` those an admin's
    alliance sent."""
    stmt = (
        select(AllianceInvitation, Alliance)
        .join(Alliance, Alliance.id == AllianceInvitation.alliance_id)
        .where(AllianceInvitation.livemode == caller.livemode)
    )
    if alliance_id is not None:
        alliance = _require_admin(session, caller, alliance_id)
        stmt = stmt.where(AllianceInvitation.alliance_id == alliance.id)
    else:
        stmt = stmt.where(AllianceInvitation.invitee_org_id == caller.org_id)
    return stmt.where(AllianceInvitation.status == status) if status else stmt


def _invitation_for(session: Session, caller: Caller, invitation_id: str, *, invitee: bool) -> AllianceInvitation:
    """Locked; the invited org (``invitee``) or an admin of the inviting alliance, else 404."""
    invitation = session.scalars(
        select(AllianceInvitation)
        .where(AllianceInvitation.id == invitation_id, AllianceInvitation.livemode == caller.livemode)
        .with_for_update()
    ).one_or_none()
    allowed = invitation is not None and (
        invitation.invitee_org_id == caller.org_id
        if invitee
        else caller.org_id in _active_admins(session, invitation.alliance_id)
    )
    if invitation is None or not allowed:
        raise NotFound(f"No such alliance_invitation: '{invitation_id}'", param="id")
    if invitation.status != "pending":
        raise Conflict(f"The invitation is {invitation.status} already.", code="invitation_not_pending")
    return invitation


def get_invitation(session: Session, caller: Caller, invitation_id: str) -> AllianceInvitation:
    invitation = session.get(AllianceInvitation, invitation_id)
    if (
        invitation is None
        or invitation.livemode != caller.livemode
        or not (
            invitation.invitee_org_id == caller.org_id
            or caller.org_id in _active_admins(session, invitation.alliance_id)
        )
    ):
        raise NotFound(f"No such alliance_invitation: '{invitation_id}'", param="id")
    return invitation


def accept_invitation(session: Session, caller: Caller, invitation_id: str) -> AllianceMember:
    invitation = _invitation_for(session, caller, invitation_id, invitee=True)
    alliance = session.scalars(select(Alliance).where(Alliance.id == invitation.alliance_id).with_for_update()).one()
    invitation.status = "accepted"
    invitation.responded = utcnow()
    member = _membership(session, alliance.id, caller.org_id, for_update=True)
    if member is None:
        member = AllianceMember(
            id=id_for("alliance_member"),
            org_id=caller.org_id,
            livemode=caller.livemode,
            alliance_id=alliance.id,
            role=invitation.role,
            admin=invitation.admin,
        )
        session.add(member)
    else:  # a former member coming back keeps its row (and its history in the audit log)
        member.status, member.role, member.admin = "active", invitation.role, invitation.admin
        member.joined, member.ended = utcnow(), None
    session.flush()
    audit.record(
        session, caller, "data.alliance.member_joined", "alliance_member", member.id, after=_member_audit(member)
    )
    _emit_to(
        session,
        caller,
        [caller.org_id, invitation.inviter_org_id, alliance.org_id],
        "alliance.member_joined",
        {"alliance": alliance.id, "org": caller.org_id, "role": member.role, "invitation": invitation.id},
    )
    return member


def decline_invitation(session: Session, caller: Caller, invitation_id: str) -> AllianceInvitation:
    invitation = _invitation_for(session, caller, invitation_id, invitee=True)
    invitation.status = "declined"
    invitation.responded = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "data.alliance.invitation_declined",
        "alliance_invitation",
        invitation.id,
        after={"status": "declined"},
    )
    _emit_to(
        session,
        caller,
        [caller.org_id, invitation.inviter_org_id],
        "alliance.invitation_declined",
        {"id": invitation.id, "alliance": invitation.alliance_id, "org": caller.org_id},
    )
    return invitation


def revoke_invitation(session: Session, caller: Caller, invitation_id: str) -> AllianceInvitation:
    invitation = _invitation_for(session, caller, invitation_id, invitee=False)
    invitation.status = "revoked"
    invitation.responded = utcnow()
    session.flush()
    audit.record(
        session,
        caller,
        "data.alliance.invitation_revoked",
        "alliance_invitation",
        invitation.id,
        after={"status": "revoked"},
    )
    emit(session, caller, "alliance.invitation_revoked", {"id": invitation.id, "alliance": invitation.alliance_id})
    return invitation


# --- the data chain ------------------------------------------------------------------------


def _active_members(session: Session, alliance_id: str) -> dict[str, AllianceMember]:
    return {
        m.org_id: m
        for m in session.scalars(
            select(AllianceMember).where(AllianceMember.alliance_id == alliance_id, AllianceMember.status == "active")
        )
    }


def register_use(session: Session, caller: Caller, alliance_id: str, body: UseCreate) -> DatasetUse:
    """Member ``caller`` records that it uses a dataset of the chain: one shared with the
    alliance, or one published by an active member, that the caller may see."""
    alliance = get_alliance(session, caller, alliance_id)
    members = _active_members(session, alliance.id)
    if caller.org_id not in members:
        raise PermissionDenied("Only members of the alliance register dataset uses.", code="alliance_member_required")
    dataset = session.scalars(
        select(Dataset).where(Dataset.id == body.dataset, visible_datasets(session, caller))
    ).one_or_none()
    if dataset is None:
        raise NotFound(f"No such dataset: '{body.dataset}'", param="dataset")
    if dataset.access_alliance_id != alliance.id and dataset.org_id not in members:
        raise InvalidRequest(
            "The dataset is neither shared with this alliance nor published by one of its members.", param="dataset"
        )
    existing = session.scalars(
        select(DatasetUse.id).where(
            DatasetUse.alliance_id == alliance.id,
            DatasetUse.dataset_id == dataset.id,
            DatasetUse.org_id == caller.org_id,
        )
    ).first()
    if existing is not None:
        raise Conflict(
            f"Your org already registered a use of this dataset ({existing}).", param="dataset", code="use_exists"
        )
    use = DatasetUse(
        id=id_for("dataset_use"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        alliance_id=alliance.id,
        dataset_id=dataset.id,
        purpose=body.purpose.strip(),
    )
    session.add(use)
    session.flush()
    audit.record(
        session,
        caller,
        "data.alliance.dataset_use_registered",
        "dataset_use",
        use.id,
        after={"dataset": dataset.id, "purpose": use.purpose},
    )
    emit(
        session,
        caller,
        "alliance.dataset_use_registered",
        {"id": use.id, "alliance": alliance.id, "dataset": dataset.id},
    )
    return use


def withdraw_use(session: Session, caller: Caller, alliance_id: str, use_id: str) -> DatasetUse:
    use = session.scalars(
        select(DatasetUse).where(
            DatasetUse.id == use_id,
            DatasetUse.alliance_id == alliance_id,
            DatasetUse.org_id == caller.org_id,
            DatasetUse.livemode == caller.livemode,
        )
    ).one_or_none()
    if use is None:
        raise NotFound(f"No such dataset_use: '{use_id}'", param="id")
    audit.record(
        session,
        caller,
        "data.alliance.dataset_use_withdrawn",
        "dataset_use",
        use.id,
        before={"dataset": use.dataset_id, "purpose": use.purpose},
    )
    emit(session, caller, "alliance.dataset_use_withdrawn", {"id": use.id, "alliance": alliance_id})
    session.delete(use)
    session.flush()
    return use


def uses_query(session: Session, caller: Caller | None, alliance_id: str) -> Select[DatasetUse]:
    """Use records of datasets the caller may see (an alliance-only dataset's uses stay hidden
    from non-members along with the dataset)."""
    alliance = get_alliance(session, caller, alliance_id)
    return (
        select(DatasetUse)
        .join(Dataset, Dataset.id == DatasetUse.dataset_id)
        .where(DatasetUse.alliance_id == alliance.id, visible_datasets(session, caller))
    )


def data_chain(session: Session, caller: Caller | None, alliance_id: str) -> dict[str, Any]:
    """Nodes (member orgs, datasets) and edges (org supplies dataset, dataset used by org for a
    purpose) for a chart. Datasets: those shared with the alliance by active members, and those
    a use record names — each only if ``caller`` may see it."""
    from digiplus.identity.models import Organization

    alliance = get_alliance(session, caller, alliance_id)
    members = _active_members(session, alliance.id)
    uses = list(session.scalars(uses_query(session, caller, alliance.id).order_by(DatasetUse.id)))
    datasets = {
        d.id: d
        for d in session.scalars(
            select(Dataset)
            .where(
                visible_datasets(session, caller),
                or_(
                    (Dataset.access_alliance_id == alliance.id) & Dataset.org_id.in_(list(members)),
                    Dataset.id.in_([u.dataset_id for u in uses]),
                ),
            )
            .order_by(Dataset.id)
        )
    }
    orgs = set(members) | {d.org_id for d in datasets.values()} | {u.org_id for u in uses}
    names = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(orgs))).all())
    nodes: list[dict[str, Any]] = []
    for org_id in sorted(orgs):
        m = members.get(org_id)
        nodes.append(
            {
                "id": org_id,
                "kind": "org",
                "label": {"zh-TW": names.get(org_id, ""), "en": names.get(org_id, "")},
                "role": m.role if m else None,
                "admin": m.admin if m else None,
                "member": m is not None,
            }
        )
    for d in datasets.values():
        nodes.append(
            {
                "id": d.id,
                "kind": "dataset",
                "label": {"zh-TW": d.title_zh, "en": d.title_en},
                "access_rights": d.access_rights,
            }
        )
    edges: list[dict[str, Any]] = [{"source": d.org_id, "target": d.id, "kind": "supplies"} for d in datasets.values()]
    edges += [
        {"source": u.dataset_id, "target": u.org_id, "kind": "uses", "purpose": u.purpose, "use": u.id} for u in uses
    ]
    return {"alliance": alliance.id, "nodes": nodes, "edges": edges}
