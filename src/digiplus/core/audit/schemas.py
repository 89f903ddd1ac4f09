"""Audit entries as the API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from digiplus.core.audit.models import AuditEntry


class AuditEntryPublic(BaseModel):
    id: str = Field(examples=["aud_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["audit_entry"] = "audit_entry"
    created: int = Field(description="Unix time in seconds.", examples=[1764201600])
    livemode: bool = Field(description="The mode of the key or session that made the change.")
    seq: int = Field(description="Position in the org's hash chain, from 1.", examples=[7])
    actor_kind: Literal["user", "api_key", "system", "terminal"]
    actor_id: str = Field(examples=["key_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    action: str = Field(examples=["api_key.revoked"])
    target_type: str = Field(examples=["api_key"])
    target_id: str = Field(examples=["key_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    before: dict[str, Any] | None = Field(examples=[{"revoked": False}])
    after: dict[str, Any] | None = Field(examples=[{"revoked": True}])
    request_id: str | None = Field(description="The API request that made the change, if any.")
    hash: str = Field(description="SHA-256 over this entry and the previous entry's hash (hex).")

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryPublic:
        return cls(
            id=entry.id,
            created=int(entry.created.timestamp()),
            livemode=entry.livemode,
            seq=entry.seq,
            actor_kind=entry.actor_kind,  # type: ignore[arg-type]
            actor_id=entry.actor_id,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            before=entry.before,
            after=entry.after,
            request_id=entry.request_id,
            hash=entry.hash,
        )


class AuditEntryList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AuditEntryPublic]
    has_more: bool
    url: str = Field(examples=["/v1/audit_entries"])
