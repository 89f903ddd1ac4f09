"""``GET /v1/audit_entries``: the org's audit trail, newest first (needs ``audit.read``: owner or admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from digiplus.core.api.auth import requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.audit import service
from digiplus.core.audit.models import AuditEntry
from digiplus.core.audit.schemas import AuditEntryList, AuditEntryPublic
from digiplus.core.context import Caller

router = APIRouter(prefix="/v1", tags=["audit"], responses=ERROR_RESPONSES)


@router.get(
    "/audit_entries",
    response_model=AuditEntryList,
    summary="List the org's audit entries (both modes), newest first",
)
def list_audit_entries(
    session: SessionDep, caller: Annotated[Caller, requires("audit.read")], params: ListParamsDep
) -> dict[str, Any]:
    return paginate(
        session, service.entries_query(caller), AuditEntry.id, params, AuditEntryPublic.of, "/v1/audit_entries"
    )
