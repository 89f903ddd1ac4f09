"""HTTP API of identity: ``/v1/account``, ``/v1/api_keys``, ``/v1/members``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.identity import service
from digiplus.identity.deps import ApiCaller, requires
from digiplus.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, MembershipPublic, OrganizationPublic
from digiplus.identity.serializers import api_key_public, membership_public, organization_public

router = APIRouter(prefix="/v1", tags=["identity"], responses=ERROR_RESPONSES)


@router.get("/account", response_model=OrganizationPublic, summary="The organization of the API key")
def get_account(session: SessionDep, caller: ApiCaller) -> OrganizationPublic:
    return organization_public(service.get_organization(session, caller.org_id), caller)


@router.get("/api_keys", summary="List the org's API keys in this mode")
def list_api_keys(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    keys = service.list_api_keys(session, caller)
    return {"object": "list", "data": [api_key_public(k) for k in keys], "has_more": False, "url": "/v1/api_keys"}


@router.post(
    "/api_keys",
    response_model=ApiKeyCreated,
    status_code=200,
    summary="Create an API key in the mode of the calling key (the secret is shown once)",
)
def create_api_key(
    body: ApiKeyCreate, session: SessionDep, caller: Annotated[Caller, requires("apikeys.write")]
) -> ApiKeyCreated:
    key, secret = service.create_api_key(session, caller, body)
    return ApiKeyCreated(**api_key_public(key).model_dump(), secret=secret)


@router.post("/api_keys/{key_id}/revoke", response_model=ApiKeyPublic, summary="Revoke an API key at once")
def revoke_api_key(
    key_id: str, session: SessionDep, caller: Annotated[Caller, requires("apikeys.write")]
) -> ApiKeyPublic:
    return api_key_public(service.revoke_api_key(session, caller, key_id))


@router.get("/members", summary="List the org's members and their roles")
def list_members(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data: list[MembershipPublic] = [membership_public(m, u) for m, u in service.list_members(session, caller)]
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/members"}
