"""The demo world: organisations of every kind, their people with every role, the night-market
merchant's ledger books (``books.py``), and a test key.

``build_demo_world`` is idempotent: organisations are found by name and kind, users
by email, memberships by (org, user), so re-running it creates only what is missing.
A key's secret cannot be shown again, so ``create_demo_key`` makes a fresh test key
on every run. Later modules extend the world by adding to ``DEMO_ORGS`` and to the
build steps here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.permissions import Role
from digiplus.demo.books import DemoBooks, build_demo_books
from digiplus.identity import service as identity
from digiplus.identity.models import Membership, Organization, User
from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate, OrgKind, UserCreate

# One documented password for every demo login; `digiplus demo` refuses to run in production.
DEMO_PASSWORD = "digiplus-demo"  # noqa: S105
DEMO_KEY_NAME = "Demo test key"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    locale: Literal["en", "zh_TW"] = "zh_TW"


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str
    kind: OrgKind
    people: tuple[DemoPerson, ...]


# The merchant whose test key `digiplus demo` prints; it shows every role.
MERCHANT_SLUG = "oyster"

DEMO_ORGS: tuple[DemoOrg, ...] = (
    DemoOrg(
        MERCHANT_SLUG,
        "阿明蚵仔煎 · A-Ming Oyster Omelette (Shilin Night Market)",
        "merchant",
        (
            DemoPerson("ming@oyster.example", "林志明 Lin Chih-ming", "owner"),
            DemoPerson("hua@oyster.example", "林美華 Lin Mei-hua", "admin"),
            DemoPerson("dev@oyster.example", "張家豪 Chang Chia-hao", "developer", "en"),
            DemoPerson("books@oyster.example", "王淑芬 Wang Shu-fen", "analyst"),
            DemoPerson("stall@oyster.example", "黃小琪 Huang Hsiao-chi", "viewer"),
        ),
    ),
    DemoOrg(
        "clinic",
        "仁心家醫科診所 · Renxin Family Clinic",
        "merchant",
        (DemoPerson("dr.wu@clinic.example", "吳建宏 Dr. Wu Chien-hung", "owner"),),
    ),
    DemoOrg(
        "campus",
        "椰林校園書店 · Palm Avenue Campus Shop",
        "merchant",
        (DemoPerson("shop@campus.example", "蔡宜庭 Tsai Yi-ting", "owner"),),
    ),
    DemoOrg(
        "consumer",
        "陳怡君 · Chen Yi-chun",
        "consumer",
        (DemoPerson("yichun@consumer.example", "陳怡君 Chen Yi-chun", "owner"),),
    ),
    DemoOrg(
        "enterprise",
        "台灣精密電子股份有限公司 · Formosa Precision Electronics Co., Ltd.",
        "enterprise",
        (
            DemoPerson("cfo@formosa-precision.example", "李國華 Lee Kuo-hua", "owner", "en"),
            DemoPerson("data@formosa-precision.example", "郭雅婷 Kuo Ya-ting", "analyst"),
        ),
    ),
    DemoOrg(
        "agency",
        "數位產業推動辦公室 · Digital Industry Promotion Office (Ministry of Digital Affairs)",
        "agency",
        (DemoPerson("officer@agency.example", "周文彬 Chou Wen-pin", "owner"),),
    ),
    DemoOrg(
        "association",
        "台灣數位商業協會 · Taiwan Digital Commerce Association",
        "association",
        (DemoPerson("secretary@association.example", "許淑惠 Hsu Shu-hui", "owner"),),
    ),
    DemoOrg(
        "startup",
        "雲豹數據 · Clouded Leopard Data",
        "startup",
        (
            DemoPerson("founder@cloudedleopard.example", "劉冠廷 Liu Kuan-ting", "owner", "en"),
            DemoPerson("eng@cloudedleopard.example", "鄭雅文 Cheng Ya-wen", "developer", "en"),
        ),
    ),
    DemoOrg(
        "creator",
        "小島插畫工作室 · Islet Illustration Studio",
        "creator",
        (DemoPerson("studio@islet.example", "楊詩涵 Yang Shih-han", "owner"),),
    ),
    DemoOrg(
        "investor",
        "合歡山創投 · Hehuan Ventures",
        "investor",
        (DemoPerson("partner@hehuan.example", "謝承恩 Hsieh Cheng-en", "owner", "en"),),
    ),
    DemoOrg(
        "operator",
        "digiplus 平台營運 · digiplus Platform Operations",
        "operator",
        (DemoPerson("ops@digiplus.example", "平台管理員 Platform Admin", "owner", "en"),),
    ),
)


@dataclass
class DemoLogin:
    email: str
    name: str
    org_name: str
    role: Role


@dataclass
class DemoWorld:
    orgs: dict[str, Organization] = field(default_factory=dict)  # by slug
    logins: list[DemoLogin] = field(default_factory=list)
    created: int = 0  # organisations, users and memberships created by this run (0 when they existed)
    books: DemoBooks | None = None  # the merchant's ledger (test mode)

    @property
    def created_anything(self) -> bool:
        books = self.books
        return bool(self.created or (books and (books.created_accounts or books.created_transfers)))

    @property
    def merchant(self) -> Organization:
        return self.orgs[MERCHANT_SLUG]


def _organization(session: Session, spec: DemoOrg, world: DemoWorld) -> Organization:
    org = session.scalars(
        select(Organization).where(Organization.name == spec.name, Organization.kind == spec.kind)
    ).first()
    if org is None:
        org = identity.create_organization(session, OrganizationCreate(name=spec.name, kind=spec.kind))
        world.created += 1
    return org


def _user(session: Session, person: DemoPerson, world: DemoWorld) -> User:
    user = session.scalars(select(User).where(User.email == person.email)).one_or_none()
    if user is None:
        data = UserCreate(email=person.email, name=person.name, password=DEMO_PASSWORD, locale=person.locale)
        user = identity.create_user(session, data)
        world.created += 1
    return user


def _membership(session: Session, org: Organization, user: User, role: Role, world: DemoWorld) -> None:
    exists = session.scalars(
        select(Membership.id).where(Membership.org_id == org.id, Membership.user_id == user.id)
    ).first()
    if exists is None:
        identity.add_member(session, None, org.id, user.id, role)
        world.created += 1


def build_demo_world(session: Session) -> DemoWorld:
    """Create whatever part of the demo world is missing; return all of it."""
    world = DemoWorld()
    for spec in DEMO_ORGS:
        org = _organization(session, spec, world)
        world.orgs[spec.slug] = org
        for person in spec.people:
            user = _user(session, person, world)
            _membership(session, org, user, person.role, world)
            world.logins.append(DemoLogin(person.email, person.name, org.name, person.role))
    world.books = build_demo_books(session, world.merchant.id)
    return world


def create_demo_key(session: Session, org: Organization) -> str:
    """A fresh test-mode developer key for ``org``; returns the secret (shown only now)."""
    caller = Caller.system(org.id, livemode=False)
    _, secret = identity.create_api_key(session, caller, ApiKeyCreate(name=DEMO_KEY_NAME, role="developer"))
    return secret
