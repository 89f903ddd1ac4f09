"""Identity objects as the API shows them."""

from __future__ import annotations

from typing import cast

from digiplus.core.context import Caller
from digiplus.identity.models import ApiKey, Membership, Organization, User
from digiplus.identity.schemas import ApiKeyPublic, MembershipPublic, OrganizationPublic, OrgKind, RoleName


def organization_public(org: Organization, caller: Caller) -> OrganizationPublic:
    return OrganizationPublic(
        id=org.id,
        created=int(org.created.timestamp()),
        name=org.name,
        kind=cast(OrgKind, org.kind),
        country=org.country,
        default_currency=org.default_currency,
        livemode=caller.livemode,
    )


def api_key_public(key: ApiKey) -> ApiKeyPublic:
    mode = "live" if key.livemode else "test"
    return ApiKeyPublic(
        id=key.id,
        created=int(key.created.timestamp()),
        livemode=key.livemode,
        name=key.name,
        role=cast(RoleName, key.role),
        redacted=f"sk_{mode}_…{key.last4}",
        last_used_at=int(key.last_used_at.timestamp()) if key.last_used_at else None,
        revoked=key.revoked_at is not None,
    )


def membership_public(membership: Membership, user: User) -> MembershipPublic:
    return MembershipPublic(
        id=membership.id,
        created=int(membership.created.timestamp()),
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=cast(RoleName, membership.role),
    )
