"""The payments world's set-up, through the payments services: merchant profiles and bank
accounts, locals' and visitors' wallets, verification levels, and two consumer logins.

Everything is found before it is made (orgs by name and kind, profiles and wallets by org),
so a second run creates nothing.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.demo.payments_cast import CITIES, FAMILY, GIVEN, SHOPS, VISITOR_ORIGINS
from digiplus.identity import service as identity
from digiplus.identity.models import Membership, Organization, User
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.payments.models import BankAccount, MerchantProfile, Payout, Wallet
from digiplus.payments.service import banks, books, fee_plans, merchants, wallets
from digiplus.payments.service.settlement import taipei_date

# The consumer logins of part 2: Chen Yi-chun (part 1's consumer) gets a TWD wallet and is a
# regular at the night market and the bubble-tea shop; a visitor from Japan is new.
VISITOR_LOGIN = ("haruka@visitor.example", "佐藤遥 Sato Haruka", "佐藤遥 · Sato Haruka (visitor from Japan)")
# One round top-up step per currency, in minor units: NT$500, ¥5,000, ₩50,000, US$20, ฿500, ₫200,000.
TOPUP_STEP = {"TWD": 500_00, "JPY": 5_000, "KRW": 50_000, "USD": 20_00, "THB": 500_00, "VND": 200_000}


@dataclass(eq=False)
class Customer:
    org_id: str
    name: str
    currency: str
    city: str
    wallet: Wallet
    bank_account_id: str
    trips: list[tuple[date, date]] = field(default_factory=list)  # visitors: when they are in Taiwan

    @property
    def topup_step(self) -> int:
        return TOPUP_STEP[self.currency]


@dataclass
class Setup:
    platform_org_id: str
    anchor: date
    shops: dict[str, MerchantProfile] = field(default_factory=dict)
    locals: list[Customer] = field(default_factory=list)
    visitors: list[Customer] = field(default_factory=list)
    regulars: dict[str, tuple[list[Customer], list[float]]] = field(default_factory=dict)
    created: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    login_customer: Customer | None = None  # Chen Yi-chun, a regular of the Taipei shops
    login_visitor: Customer | None = None  # Sato Haruka, on a week's trip at the end of the year

    def payouts(self, session: Session) -> list[str]:
        orgs = [p.org_id for p in self.shops.values()]
        return list(session.scalars(select(Payout.id).where(Payout.org_id.in_(orgs), Payout.livemode.is_(False))))


def _digits(key: str, n: int) -> str:
    return str(int(hashlib.sha256(key.encode()).hexdigest(), 16))[:n]


def _org(
    session: Session, found: dict[tuple[str, str], Organization], name: str, kind: str, country: str = "TW"
) -> tuple[Organization, bool]:
    org = found.get((name, kind))
    if org is not None:
        return org, False
    cur = {"JP": "JPY", "KR": "KRW", "US": "USD", "TH": "THB", "VN": "VND"}.get(country, "TWD")
    org = identity.create_organization(
        session,
        OrganizationCreate(name=name, kind=kind, country=country, default_currency=cur),  # type: ignore[arg-type]
    )
    found[name, kind] = org
    return org, True


def _merchants(
    session: Session, setup: Setup, orgs: dict[str, Any], found: dict[tuple[str, str], Organization]
) -> None:
    org_ids: dict[str, str] = {}
    for shop in SHOPS:
        if shop.slug in orgs:
            org_ids[shop.slug] = orgs[shop.slug].id
        else:
            org, made = _org(session, found, shop.org_name, "merchant")
            org_ids[shop.slug] = org.id
            setup.created += made
    profiles = {
        p.org_id: p
        for p in session.scalars(
            select(MerchantProfile).where(
                MerchantProfile.org_id.in_(org_ids.values()), MerchantProfile.livemode.is_(False)
            )
        )
    }
    for shop in SHOPS:
        org_id = org_ids[shop.slug]
        profile = profiles.get(org_id)
        if profile is None:
            who = Caller.system(org_id, False)
            bank = banks.create_bank_account(
                session,
                who,
                bank_code=("004", "812", "822", "700", "013")[int(_digits(shop.slug, 1)) % 5],
                account_number=_digits(f"bank:{shop.slug}", 12),
                holder_name=shop.display_name,
                currency_code="TWD",
            )
            profile = merchants.upsert_profile(
                session,
                who,
                display_name=shop.display_name,
                city=shop.city,
                mcc=shop.mcc,
                bank_account_id=bank.id,
            )
            if shop.fee_plan != profile.fee_plan:  # the platform operator puts the shop on its plan
                profile = fee_plans.assign_fee_plan(
                    session, books.platform_books(session, False), org_id, shop.fee_plan
                )
            setup.created += 1
        setup.shops[shop.slug] = profile


def _customer(
    session: Session, org: Organization, name: str, currency: str, city: str, level: int, setup: Setup
) -> Customer:
    who = Caller.system(org.id, False)
    wallet = session.scalars(
        select(Wallet).where(Wallet.org_id == org.id, Wallet.livemode.is_(False), Wallet.currency == currency)
    ).one_or_none()
    bank_id = session.scalar(
        select(BankAccount.id).where(
            BankAccount.org_id == org.id, BankAccount.livemode.is_(False), BankAccount.currency == currency
        )
    )
    if wallet is None:
        wallet = wallets.create_wallet(session, who, currency)
        wallets.set_verification_level(session, who, level)
        setup.created += 1
    if bank_id is None:
        bank_id = banks.create_bank_account(
            session,
            who,
            bank_code="812" if currency == "TWD" else "017",
            account_number=_digits(f"bank:{org.id}", 12),
            holder_name=name,
            currency_code=currency,
        ).id
    return Customer(org.id, name, currency, city, wallet, bank_id)


def _login(session: Session, email: str, name: str, org: Organization, setup: Setup) -> None:
    from digiplus.demo.service import DEMO_PASSWORD

    user = session.scalars(select(User).where(User.email == email)).one_or_none()
    if user is None:
        user = identity.create_user(session, UserCreate(email=email, name=name, password=DEMO_PASSWORD, locale="en"))
        setup.created += 1
    member = session.scalar(select(Membership.id).where(Membership.org_id == org.id, Membership.user_id == user.id))
    if member is None:
        identity.add_member(session, None, org.id, user.id, "owner")


def set_up(session: Session, orgs: dict[str, Any], scale: float, days: int) -> Setup:
    platform = books.platform_org_id(session)
    found = {
        (o.name, o.kind): o
        for o in session.scalars(select(Organization).where(Organization.kind.in_(("merchant", "consumer"))))
    }
    first = next(s for s in SHOPS if s.slug not in orgs)
    setup = Setup(platform, date.min)  # the anchor is set from the first new merchant profile below
    _merchants(session, setup, orgs, found)
    currencies = ["TWD", *(cur for cur, _, _, _ in VISITOR_ORIGINS)]
    books.ensure_accounts(session, Caller.system(platform, False), books.fx_accounts(*currencies))
    setup.anchor = taipei_date(setup.shops[first.slug].created)
    first_day = setup.anchor - timedelta(days=days)
    rng = random.Random("demo-pay:people")  # noqa: S311 -- made-up people
    for i in range(max(6, round(150 * scale))):
        name = f"{FAMILY[i % len(FAMILY)]}{GIVEN[(i * 7) % len(GIVEN)]}"
        city = CITIES[rng.randrange(len(CITIES))]
        org, made = _org(session, found, f"{name} · demo customer {i:03d}", "consumer")
        setup.created += made
        setup.locals.append(_customer(session, org, name, "TWD", city, 1 + (rng.random() < 0.3), setup))
    if "consumer" in orgs:  # part 1's consumer login: Chen Yi-chun of Taipei
        yichun = _customer(session, orgs["consumer"], "陳怡君", "TWD", "Taipei", 2, setup)
        setup.locals.append(yichun)
        setup.login_customer = yichun
        setup.logins.append(
            ("yichun@consumer.example", "TWD wallet, a regular at the night market and the bubble-tea shop")
        )
    origins = [(cur, country, people) for cur, country, people, share in VISITOR_ORIGINS for _ in range(share)]
    for i in range(max(5, round(40 * scale))):
        cur, country, people = origins[(i * 37) % len(origins)]
        name = people[i % len(people)]
        org, made = _org(session, found, f"{name} ({country}) · demo visitor {i:02d}", "consumer", country)
        setup.created += made
        visitor = _customer(session, org, name, cur, "", 1, setup)
        for _ in range(rng.choice((1, 1, 2, 3))):
            start = first_day + timedelta(days=rng.randrange(max(1, days - 10)))
            visitor.trips.append((start, start + timedelta(days=rng.randint(3, 9))))
        setup.visitors.append(visitor)
    email, person, org_name = VISITOR_LOGIN
    org, made = _org(session, found, org_name, "consumer", "JP")
    setup.created += made
    _login(session, email, person, org, setup)
    haruka = _customer(session, org, person, "JPY", "", 1, setup)
    haruka.trips.append((setup.anchor - timedelta(days=8), setup.anchor - timedelta(days=1)))
    setup.visitors.append(haruka)
    setup.login_visitor = haruka
    setup.logins.append((email, "JPY wallet, on a trip to Taiwan this past week"))
    _regulars(setup, rng)
    return setup


def _regulars(setup: Setup, rng: random.Random) -> None:
    """Each shop's regular customers, mostly from its city, with loyalty from casual to daily."""
    for slug, profile in setup.shops.items():
        near = [
            c for c in setup.locals if c.city == profile.city or (profile.city == "Taipei" and c.city == "New Taipei")
        ]
        pool = near or setup.locals
        chosen = rng.sample(pool, max(1, len(pool) * 2 // 3))
        weights = [rng.paretovariate(1.3) for _ in chosen]
        if setup.login_customer is not None and slug in ("oyster", "bubble_tea", "mrt_kiosk"):
            if setup.login_customer not in chosen:
                chosen.append(setup.login_customer)
                weights.append(0.0)
            weights[chosen.index(setup.login_customer)] = max(weights) * 1.5
        setup.regulars[slug] = (chosen, weights)
