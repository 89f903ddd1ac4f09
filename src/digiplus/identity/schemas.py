"""Pydantic shapes of identity objects at the edges (API, CLI, pages)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from digiplus.core.api.inputs import StrictInput as CoreStrictInput

OrgKind = Literal[
    "merchant",
    "consumer",
    "enterprise",
    "agency",
    "association",
    "startup",
    "creator",
    "investor",
    "operator",
]
RoleName = Literal["owner", "admin", "developer", "analyst", "viewer"]


class StrictInput(CoreStrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganizationCreate(StrictInput):
    name: str = Field(min_length=1, max_length=200, examples=["Shilin Night Market Snacks"])
    kind: OrgKind = Field(examples=["merchant"])
    country: str = Field(default="TW", pattern=r"^[A-Z]{2}$")
    default_currency: str = Field(default="TWD", pattern=r"^[A-Z]{3}$")


class OrganizationPublic(BaseModel):
    id: str = Field(examples=["org_01JD3Y0R6C9W4QK3F7S2N8M5TB"])
    object: Literal["organization"] = "organization"
    created: int
    name: str
    kind: OrgKind
    country: str
    default_currency: str
    livemode: bool = Field(description="The mode of the key or session that asked.")


class UserCreate(StrictInput):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=200)
    locale: Literal["en", "zh_TW"] = "en"


class ApiKeyCreate(StrictInput):
    name: str = Field(default="API key", min_length=1, max_length=100, examples=["Checkout server"])
    role: RoleName = Field(default="developer")


class ApiKeyPublic(BaseModel):
    id: str
    object: Literal["api_key"] = "api_key"
    created: int
    livemode: bool
    name: str
    role: RoleName
    redacted: str = Field(examples=["sk_test_…a1B2"])
    last_used_at: int | None
    revoked: bool


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="Shown once, at creation; only its digest is stored.")


class MemberCreate(StrictInput):
    email: str = Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=254,
        examples=["ada@example.com"],
        description="The email of an existing user.",
    )
    role: RoleName = Field(examples=["developer"], description="At most the role of the caller.")


class MembershipPublic(BaseModel):
    id: str
    object: Literal["membership"] = "membership"
    created: int
    user_id: str
    email: str
    name: str
    role: RoleName
