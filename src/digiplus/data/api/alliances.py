"""``/v1/alliances`` (members, invitations, dataset uses, the data chain) and
``/v1/alliance_invitations``. Public alliances can be read without a key (live mode);
everything else needs a key, and changes need ``data.write``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, ListResponse, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.data.api.deps import MaybeCaller, Reader, Writer
from digiplus.data.models_alliances import Alliance, AllianceInvitation, AllianceMember, DatasetUse
from digiplus.data.schemas_alliances import (
    AllianceCreate,
    AlliancePublic,
    AllianceUpdate,
    ChainPublic,
    InvitationCreate,
    InvitationPublic,
    MemberPublic,
    MemberUpdate,
    UseCreate,
    UsePublic,
)
from digiplus.data.serializers_alliances import alliance_public, invitation_public, member_public, use_public
from digiplus.data.service import alliances as service

router = APIRouter(prefix="/v1", tags=["data"], responses=ERROR_RESPONSES)
AllianceId = Annotated[
    str, Path(max_length=64, pattern=r"^all_[A-Za-z0-9]+$", examples=["all_01JD5Z7K8M2N3P4Q5R6S7T8V9W"])
]
OrgId = Annotated[str, Path(max_length=64, pattern=r"^org_[A-Za-z0-9]+$")]
InvitationId = Annotated[str, Path(max_length=64, pattern=r"^alli_[A-Za-z0-9]+$")]
UseId = Annotated[str, Path(max_length=64, pattern=r"^dsu_[A-Za-z0-9]+$")]


def _alliance(session: SessionDep, a: Alliance) -> AlliancePublic:
    return alliance_public(a, service.member_counts(session, [a.id])[a.id])


def _invitation(session: SessionDep, i: AllianceInvitation) -> InvitationPublic:
    return invitation_public(i, session.get_one(Alliance, i.alliance_id))


def _member(session: SessionDep, m: AllianceMember) -> MemberPublic:
    from digiplus.identity.models import Organization

    return member_public(m, session.get_one(Organization, m.org_id).name)


@router.post("/alliances", response_model=AlliancePublic, summary="Found an alliance (your org is its first admin)")
def create_alliance(body: AllianceCreate, session: SessionDep, caller: Writer) -> AlliancePublic:
    return _alliance(session, service.create_alliance(session, caller, body))


@router.get("/alliances", response_model=ListResponse[AlliancePublic], summary="List alliances, newest first")
def list_alliances(
    session: SessionDep,
    caller: MaybeCaller,
    params: ListParamsDep,
    mine: Annotated[bool, Query(description="Only alliances your org is a member of.")] = False,
) -> dict[str, Any]:
    page = paginate(
        session, service.alliances_query(session, caller, mine=mine), Alliance.id, params, lambda a: a, "/v1/alliances"
    )
    counts = service.member_counts(session, [a.id for a in page["data"]])
    page["data"] = [alliance_public(a, counts[a.id]) for a in page["data"]]
    return page


@router.get("/alliances/{alliance_id}", response_model=AlliancePublic, summary="Retrieve an alliance")
def get_alliance(alliance_id: AllianceId, session: SessionDep, caller: MaybeCaller) -> AlliancePublic:
    return _alliance(session, service.get_alliance(session, caller, alliance_id))


@router.post("/alliances/{alliance_id}", response_model=AlliancePublic, summary="Update an alliance (admins)")
def update_alliance(
    alliance_id: AllianceId, body: AllianceUpdate, session: SessionDep, caller: Writer
) -> AlliancePublic:
    return _alliance(session, service.update_alliance(session, caller, alliance_id, body))


@router.get("/alliances/{alliance_id}/members", response_model=ListResponse[MemberPublic], summary="List members")
def list_members(
    alliance_id: AllianceId,
    session: SessionDep,
    caller: MaybeCaller,
    params: ListParamsDep,
    include_former: Annotated[bool, Query(description="Also members who left or were removed.")] = False,
) -> dict[str, Any]:
    stmt = service.members_query(session, caller, alliance_id, include_former=include_former)
    return paginate(
        session,
        stmt,
        AllianceMember.id,
        params,
        lambda row: member_public(*row),
        f"/v1/alliances/{alliance_id}/members",
    )


@router.post(
    "/alliances/{alliance_id}/members/{org_id}",
    response_model=MemberPublic,
    summary="Change a member's role or admin flag",
)
def update_member(
    alliance_id: AllianceId, org_id: OrgId, body: MemberUpdate, session: SessionDep, caller: Writer
) -> MemberPublic:
    return _member(session, service.update_member(session, caller, alliance_id, org_id, body))


@router.delete(
    "/alliances/{alliance_id}/members/{org_id}", response_model=MemberPublic, summary="Remove a member (admins)"
)
def remove_member(alliance_id: AllianceId, org_id: OrgId, session: SessionDep, caller: Writer) -> MemberPublic:
    """The removed org's datasets shared with the alliance become restricted."""
    return _member(session, service.remove_member(session, caller, alliance_id, org_id))


@router.post("/alliances/{alliance_id}/leave", response_model=MemberPublic, summary="Leave the alliance")
def leave_alliance(alliance_id: AllianceId, session: SessionDep, caller: Writer) -> MemberPublic:
    """Your datasets shared with the alliance become restricted. The last admin names another first."""
    return _member(session, service.leave_alliance(session, caller, alliance_id))


@router.post("/alliances/{alliance_id}/invitations", response_model=InvitationPublic, summary="Invite an org (admins)")
def invite(alliance_id: AllianceId, body: InvitationCreate, session: SessionDep, caller: Writer) -> InvitationPublic:
    return _invitation(session, service.invite(session, caller, alliance_id, body))


@router.get(
    "/alliances/{alliance_id}/invitations",
    response_model=ListResponse[InvitationPublic],
    summary="Invitations the alliance sent (admins)",
)
def list_sent_invitations(
    alliance_id: AllianceId, session: SessionDep, caller: Reader, params: ListParamsDep, status: str | None = None
) -> dict[str, Any]:
    stmt = service.invitations_query(session, caller, alliance_id=alliance_id, status=status)
    return paginate(
        session,
        stmt,
        AllianceInvitation.id,
        params,
        lambda row: invitation_public(*row),
        f"/v1/alliances/{alliance_id}/invitations",
    )


@router.get(
    "/alliance_invitations", response_model=ListResponse[InvitationPublic], summary="Invitations your org received"
)
def list_received_invitations(
    session: SessionDep, caller: Reader, params: ListParamsDep, status: str | None = None
) -> dict[str, Any]:
    stmt = service.invitations_query(session, caller, status=status)
    return paginate(
        session, stmt, AllianceInvitation.id, params, lambda row: invitation_public(*row), "/v1/alliance_invitations"
    )


@router.get("/alliance_invitations/{invitation_id}", response_model=InvitationPublic, summary="Retrieve an invitation")
def get_invitation(invitation_id: InvitationId, session: SessionDep, caller: Reader) -> InvitationPublic:
    return _invitation(session, service.get_invitation(session, caller, invitation_id))


@router.post(
    "/alliance_invitations/{invitation_id}/accept", response_model=MemberPublic, summary="Accept (the invited org)"
)
def accept_invitation(invitation_id: InvitationId, session: SessionDep, caller: Writer) -> MemberPublic:
    return _member(session, service.accept_invitation(session, caller, invitation_id))


@router.post(
    "/alliance_invitations/{invitation_id}/decline",
    response_model=InvitationPublic,
    summary="Decline (the invited org)",
)
def decline_invitation(invitation_id: InvitationId, session: SessionDep, caller: Writer) -> InvitationPublic:
    return _invitation(session, service.decline_invitation(session, caller, invitation_id))


@router.post(
    "/alliance_invitations/{invitation_id}/revoke", response_model=InvitationPublic, summary="Withdraw (admins)"
)
def revoke_invitation(invitation_id: InvitationId, session: SessionDep, caller: Writer) -> InvitationPublic:
    return _invitation(session, service.revoke_invitation(session, caller, invitation_id))


@router.get("/alliances/{alliance_id}/chain", response_model=ChainPublic, summary="The data chain, as nodes and edges")
def data_chain(alliance_id: AllianceId, session: SessionDep, caller: MaybeCaller) -> ChainPublic:
    """Orgs supply datasets (their publisher) and use them (a member's use record, with its
    purpose). Datasets you may not see are left out, with their edges."""
    return ChainPublic(**service.data_chain(session, caller, alliance_id))


@router.get("/alliances/{alliance_id}/uses", response_model=ListResponse[UsePublic], summary="Dataset use records")
def list_uses(
    alliance_id: AllianceId, session: SessionDep, caller: MaybeCaller, params: ListParamsDep
) -> dict[str, Any]:
    stmt = service.uses_query(session, caller, alliance_id)
    return paginate(session, stmt, DatasetUse.id, params, use_public, f"/v1/alliances/{alliance_id}/uses")


@router.post("/alliances/{alliance_id}/uses", response_model=UsePublic, summary="Register your org's use of a dataset")
def register_use(alliance_id: AllianceId, body: UseCreate, session: SessionDep, caller: Writer) -> UsePublic:
    return use_public(service.register_use(session, caller, alliance_id, body))


@router.delete("/alliances/{alliance_id}/uses/{use_id}", response_model=UsePublic, summary="Withdraw a use record")
def withdraw_use(alliance_id: AllianceId, use_id: UseId, session: SessionDep, caller: Writer) -> UsePublic:
    use = service.withdraw_use(session, caller, alliance_id, use_id)
    return use_public(use)
