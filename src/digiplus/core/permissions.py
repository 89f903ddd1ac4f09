"""Roles and the one permission check every entrypoint uses.

A permission is ``<area>.<read|write>``; a role grants a set of them. Modules add
their areas to ``ROLE_PERMISSIONS`` through ``grant`` at import time.
"""

from __future__ import annotations

from typing import Literal

from digiplus.core.errors import PermissionDenied

Role = Literal["owner", "admin", "developer", "analyst", "viewer"]
ROLES: tuple[Role, ...] = ("owner", "admin", "developer", "analyst", "viewer")

_READ_ALL = "*.read"

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    "owner": {"*"},
    "admin": {_READ_ALL, "members.write", "apikeys.write", "webhooks.write", "audit.read", "org.write"},
    "developer": {_READ_ALL, "apikeys.write", "webhooks.write"},
    "analyst": {_READ_ALL},
    "viewer": {_READ_ALL},
}

# Reading these areas needs more than the blanket read grant.
_RESTRICTED_READS = {"audit.read", "members.read_secrets"}


def grant(role: Role, *permissions: str) -> None:
    ROLE_PERMISSIONS[role].update(permissions)


def has_permission(role: Role, permission: str) -> bool:
    granted = ROLE_PERMISSIONS.get(role, set())
    if "*" in granted or permission in granted:
        return True
    return permission.endswith(".read") and permission not in _RESTRICTED_READS and _READ_ALL in granted


def require(role: Role, permission: str) -> None:
    if not has_permission(role, permission):
        raise PermissionDenied(f"The role '{role}' does not allow '{permission}'.")
