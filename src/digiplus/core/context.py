"""Who is acting: the caller every service receives, scoped to one org and one mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from digiplus.core.permissions import Role, has_permission

ActorKind = Literal["user", "api_key", "system", "terminal"]


@dataclass(frozen=True)
class Caller:
    org_id: str
    livemode: bool
    role: Role
    actor_kind: ActorKind
    actor_id: str
    user_id: str | None = None
    api_key_id: str | None = None
    request_id: str | None = None

    def can(self, permission: str) -> bool:
        return has_permission(self.role, permission)

    @classmethod
    def system(cls, org_id: str, livemode: bool) -> Caller:
        return cls(org_id=org_id, livemode=livemode, role="owner", actor_kind="system", actor_id="system")
