"""HTTP API of identity: ``/v1/account``, ``/v1/api_keys``, ``/v1/members``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, ListResponse, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.identity import service
from digiplus.identity.deps import ApiCaller, requires
from digiplus.identity.models import ApiKey, Membership, User
from digiplus.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    MemberCreate,
    MembershipPublic,
    OrganizationPublic,
)
from digiplus.identity.serializers import api_key_public, membership_public, organization_public

router = APIRouter(prefix="/v1", tags=["identity"], responses=ERROR_RESPONSES)


@router.get("/account", response_model=OrganizationPublic, summary="The organization of the API key")
def get_account(session: SessionDep, caller: ApiCaller) -> OrganizationPublic:
    return organization_public(service.get_organization(session, caller.org_id), caller)


@router.get(
    "/api_keys", response_model=ListResponse[ApiKeyPublic], summary="List the org's API keys in this mode, newest first"
)
def list_api_keys(
    session: SessionDep, caller: Annotated[Caller, requires("apikeys.read")], params: ListParamsDep
) -> dict[str, Any]:
    return paginate(session, service.api_keys_query(caller), ApiKey.id, params, api_key_public, "/v1/api_keys")


@router.post(
    "/api_keys",
    response_model=ApiKeyCreated,
    status_code=200,
    summary="Create an API key in the mode of the calling key (the secret is shown once)",
)
def create_api_key(
    session: SessionDep,
    caller: Annotated[Caller, requires("apikeys.write")],
    body: Annotated[ApiKeyCreate | None, Body(description="Optional: every field has a default.")] = None,
) -> ApiKeyCreated:
    key, secret = service.create_api_key(session, caller, body or ApiKeyCreate())
    return ApiKeyCreated(**api_key_public(key).model_dump(), secret=secret)


@router.post("/api_keys/{key_id}/revoke", response_model=ApiKeyPublic, summary="Revoke an API key at once")
def revoke_api_key(
    key_id: str, session: SessionDep, caller: Annotated[Caller, requires("apikeys.write")]
) -> ApiKeyPublic:
    return api_key_public(service.revoke_api_key(session, caller, key_id))


def _member(row: tuple[Membership, User]) -> MembershipPublic:
    return membership_public(*row)


@router.get("/members", response_model=ListResponse[MembershipPublic], summary="List the org's members, newest first")
def list_members(
    session: SessionDep, caller: Annotated[Caller, requires("members.read")], params: ListParamsDep
) -> dict[str, Any]:
    return paginate(session, service.members_query(caller), Membership.id, params, _member, "/v1/members")


@router.post(
    "/members",
    response_model=MembershipPublic,
    status_code=200,
    summary="Add an existing user to the org with a role (at most the caller's own)",
)
def add_member(
    body: MemberCreate, session: SessionDep, caller: Annotated[Caller, requires("members.write")]
) -> MembershipPublic:
    membership = service.add_member_by_email(session, caller, body.email, body.role)
    return membership_public(*service.member_with_user(session, membership))
