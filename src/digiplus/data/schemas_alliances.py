"""Pydantic shapes of alliances and the demand board: ``XCreate``/``XUpdate`` in, ``XPublic`` out."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from digiplus.core.api.inputs import StrictInput
from digiplus.data.schemas import check_codes, clean_keywords
from digiplus.data.vocab import FORMATS, FREQUENCIES, THEMES

MemberRole = Literal["agency", "association", "data_supplier", "data_user"]
Listing = Literal["public", "private"]
_ID = r"^[A-Za-z0-9_]+$"


def _title(zh: str | None, en: str | None, what: str) -> None:
    if not ((zh or "").strip() or (en or "").strip()):
        raise ValueError(f"{what} needs a name in zh-TW or en")


class AllianceCreate(StrictInput):
    name_zh: str = Field(default="", max_length=200, examples=["臺灣智慧交通數據聯盟"])
    name_en: str = Field(default="", max_length=200, examples=["Taiwan Smart Mobility Data Alliance"])
    description_zh: str = Field(default="", max_length=10000)
    description_en: str = Field(default="", max_length=10000)
    purpose_zh: str = Field(default="", max_length=5000)
    purpose_en: str = Field(default="", max_length=5000)
    listing: Listing = Field(
        default="public", description="public: anyone may see it and its members; private: members only."
    )
    role: MemberRole = Field(default="data_supplier", description="The founding org's own role; it is the first admin.")

    @model_validator(mode="after")
    def _name(self) -> AllianceCreate:
        _title(self.name_zh, self.name_en, "an alliance")
        return self


class AllianceUpdate(StrictInput):
    name_zh: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    description_zh: str | None = Field(default=None, max_length=10000)
    description_en: str | None = Field(default=None, max_length=10000)
    purpose_zh: str | None = Field(default=None, max_length=5000)
    purpose_en: str | None = Field(default=None, max_length=5000)
    listing: Listing | None = None


class AlliancePublic(BaseModel):
    object: Literal["alliance"] = "alliance"
    id: str
    created: int
    livemode: bool
    founder: str
    name: dict[str, str]
    description: dict[str, str]
    purpose: dict[str, str]
    listing: Listing
    member_count: int
    modified: int


class MemberPublic(BaseModel):
    object: Literal["alliance_member"] = "alliance_member"
    id: str
    created: int
    livemode: bool
    alliance: str
    org: str
    org_name: str
    role: MemberRole
    admin: bool
    status: Literal["active", "left", "removed"]
    joined: int
    ended: int | None


class MemberUpdate(StrictInput):
    role: MemberRole | None = None
    admin: bool | None = None


class InvitationCreate(StrictInput):
    org: str = Field(max_length=64, pattern=r"^org_[A-Za-z0-9]+$", description="The invited organisation.")
    role: MemberRole
    admin: bool = False
    message: str = Field(default="", max_length=2000)


class InvitationPublic(BaseModel):
    object: Literal["alliance_invitation"] = "alliance_invitation"
    id: str
    created: int
    livemode: bool
    alliance: str
    alliance_name: dict[str, str]
    org: str
    invited_by: str
    role: MemberRole
    admin: bool
    message: str
    status: Literal["pending", "accepted", "declined", "revoked"]
    responded: int | None


class UseCreate(StrictInput):
    dataset: str = Field(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$")
    purpose: str = Field(min_length=1, max_length=2000, examples=["每日公車到站預測 / daily bus-arrival forecasts"])


class UsePublic(BaseModel):
    object: Literal["dataset_use"] = "dataset_use"
    id: str
    created: int
    livemode: bool
    alliance: str
    dataset: str
    org: str
    purpose: str


class ChainNode(BaseModel):
    id: str
    kind: Literal["org", "dataset"]
    label: dict[str, str]
    role: MemberRole | None = None
    admin: bool | None = None
    member: bool | None = None
    access_rights: str | None = None


class ChainEdge(BaseModel):
    source: str
    target: str
    kind: Literal["supplies", "uses"]
    purpose: str | None = None
    use: str | None = None


class ChainPublic(BaseModel):
    object: Literal["data_chain"] = "data_chain"
    alliance: str
    nodes: list[ChainNode]
    edges: list[ChainEdge]


class DemandFields(StrictInput):
    title_zh: str = Field(default="", max_length=500)
    title_en: str = Field(default="", max_length=500)
    description_zh: str = Field(default="", max_length=20000)
    description_en: str = Field(default="", max_length=20000)
    themes: list[str] = Field(default_factory=list, max_length=13)
    keywords_zh: list[str] = Field(default_factory=list, max_length=50)
    keywords_en: list[str] = Field(default_factory=list, max_length=50)
    desired_format: str = Field(default="", description="A format code (GET /v1/catalog/vocabularies) or empty.")
    desired_frequency: str = Field(default="", description="A frequency code or empty.")
    budget_amount: int | None = Field(default=None, ge=0, description="In minor units of budget_currency.")
    budget_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", examples=["TWD"])
    deadline: date | None = None

    @field_validator("themes")
    @classmethod
    def _themes(cls, v: list[str]) -> list[str]:
        return check_codes(v, THEMES, "theme")

    @field_validator("desired_format")
    @classmethod
    def _format(cls, v: str) -> str:
        return check_codes([v.upper()], FORMATS, "format")[0] if v else ""

    @field_validator("desired_frequency")
    @classmethod
    def _frequency(cls, v: str) -> str:
        return check_codes([v], FREQUENCIES, "frequency")[0] if v else ""

    @field_validator("keywords_zh", "keywords_en")
    @classmethod
    def _keywords(cls, v: list[str]) -> list[str]:
        return clean_keywords(v)


class DemandCreate(DemandFields):
    """A title in zh-TW or en is required, and a budget is an amount with its currency
    (checked by the service, which names the field)."""


class DemandUpdate(StrictInput):
    title_zh: str | None = Field(default=None, max_length=500)
    title_en: str | None = Field(default=None, max_length=500)
    description_zh: str | None = Field(default=None, max_length=20000)
    description_en: str | None = Field(default=None, max_length=20000)
    themes: list[str] | None = Field(default=None, max_length=13)
    keywords_zh: list[str] | None = Field(default=None, max_length=50)
    keywords_en: list[str] | None = Field(default=None, max_length=50)
    desired_format: str | None = None
    desired_frequency: str | None = None
    deadline: date | None = None
    status: Literal["open", "closed"] | None = None

    @model_validator(mode="after")
    def check_codes(self) -> DemandUpdate:
        DemandFields.model_validate(
            {k: v for k, v in self.model_dump(exclude_none=True).items() if k in DemandFields.model_fields}
        )
        return self


class Budget(BaseModel):
    amount: int
    currency: str
    display: str


class DemandPublic(BaseModel):
    object: Literal["data_demand"] = "data_demand"
    id: str
    created: int
    livemode: bool
    org: str
    title: dict[str, str]
    description: dict[str, str]
    themes: list[str]
    keywords: dict[str, list[str]]
    desired_format: str
    desired_frequency: str
    budget: Budget | None
    deadline: str | None
    status: Literal["open", "closed"]
    closed: int | None
    accepted_answer: str | None
    answer_count: int
    modified: int


class AnswerCreate(StrictInput):
    dataset: str = Field(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$", description="One of your own datasets.")
    message: str = Field(default="", max_length=5000)


class AcceptAnswer(StrictInput):
    close: bool = Field(default=True, description="Close the demand as well (default).")


class AnswerPublic(BaseModel):
    object: Literal["demand_answer"] = "demand_answer"
    id: str
    created: int
    livemode: bool
    demand: str
    org: str
    dataset: str
    dataset_title: dict[str, str]
    message: str
    status: Literal["submitted", "accepted"]
    accepted: int | None


class SuggestionPublic(BaseModel):
    dataset: str
    publisher: str
    title: dict[str, str]
    score: float = Field(description="What the list is sorted by: semantic and lexical combined.")
    semantic: float | None = Field(description="Cosine similarity of the embeddings (None: not computed yet).")
    lexical: float = Field(description="Share of the demand's words and CJK bigrams the dataset has (idf-weighted).")
    answered: bool


class SuggestionList(BaseModel):
    object: Literal["list"] = "list"
    demand: str
    model: str
    data: list[SuggestionPublic]
