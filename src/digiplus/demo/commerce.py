"""The demo world, part 4: four Taiwan brands selling abroad (test mode) — tea, crafts, snacks and
electronics accessories — each with a store, markets (Japan, the Western and New Southbound
clusters), shipping zones, products in several languages with stock, and orders from abroad
paid from visitors' wallets (JPY, USD, VND, MYR through payments' FX quotes), some shipped, one
delivered per brand.

Everything goes through the commerce and payments services, as the merchants and buyers would.
Idempotent: a brand whose store exists is left as it is.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Cart, Store
from digiplus.commerce.service import (
    baskets,
    carts,
    catalogue,
    checkout,
    discounts,
    markets,
    orders,
    shipping,
    stores,
)
from digiplus.core.context import Caller
from digiplus.identity import service as identity
from digiplus.identity.models import Organization, User
from digiplus.identity.schemas import OrganizationCreate, UserCreate
from digiplus.payments.service import banks, merchants, topups, wallets

PASSWORD = "digiplus-demo"  # noqa: S105  (the demo's one published password)


@dataclass(frozen=True)
class Brand:
    slug: str
    name: str
    email: str
    tagline: str
    mcc: str
    clusters: tuple[str, ...]
    duties: str
    # (handle, zh-TW title, en title, ja title, HS code, [(sku, variant, TWD price, grams, stock)])
    products: tuple[tuple[str, str, str, str, str, tuple[tuple[str, str, str, int, int], ...]], ...]


BRANDS = (
    Brand(
        "alishan-tea",
        "阿里山茶 · Alishan Tea",
        "chen@alishan-tea.example",
        "高山茶，從嘉義到世界 · High-mountain tea from Chiayi",
        "5499",
        ("western", "new_southbound"),
        "DDP",
        (
            (
                "high-mountain-oolong",
                "阿里山高山烏龍茶",
                "Alishan high-mountain oolong",
                "阿里山 高山烏龍茶",
                "090230",
                (("OOL-75", "75 g", "280", 120, 200), ("OOL-150", "150 g", "450", 200, 120)),
            ),
            (
                "oriental-beauty",
                "東方美人茶",
                "Oriental Beauty oolong",
                "東方美人茶",
                "090230",
                (("OB-75", "75 g", "680", 120, 60),),
            ),
            (
                "gaiwan-set",
                "白瓷蓋碗組",
                "Porcelain gaiwan set",
                "白磁蓋碗セット",
                "691200",
                (("GW-1", "one set", "1200", 600, 25),),
            ),
        ),
    ),
    Brand(
        "yingge-crafts",
        "鶯歌手作 · Yingge Crafts",
        "lin@yingge-crafts.example",
        "鶯歌陶瓷與竹編 · Ceramics and bamboo from Yingge",
        "5947",
        ("western",),
        "DAP",
        (
            ("celadon-cup", "青瓷杯", "Celadon cup", "青磁カップ", "691200", (("CEL-1", "one cup", "900", 350, 40),)),
            (
                "bamboo-basket",
                "竹編提籃",
                "Woven bamboo basket",
                "竹編みバスケット",
                "460219",
                (("BAM-M", "medium", "1500", 500, 15),),
            ),
        ),
    ),
    Brand(
        "formosa-snacks",
        "福爾摩沙點心 · Formosa Snacks",
        "wu@formosa-snacks.example",
        "鳳梨酥與牛軋糖 · Pineapple cakes and nougat",
        "5441",
        ("new_southbound",),
        "DDP",
        (
            (
                "pineapple-cake",
                "土鳳梨酥",
                "Pineapple cake",
                "パイナップルケーキ",
                "190590",
                (("PC-10", "box of 10", "350", 500, 300), ("PC-20", "box of 20", "650", 950, 150)),
            ),
            (
                "peanut-nougat",
                "花生牛軋糖",
                "Peanut nougat",
                "ピーナッツヌガー",
                "170490",
                (("NG-300", "300 g", "260", 320, 200),),
            ),
        ),
    ),
    Brand(
        "hsinchu-gear",
        "新竹配件 · Hsinchu Gear",
        "kao@hsinchu-gear.example",
        "台灣設計的 3C 配件 · Electronics accessories designed in Taiwan",
        "5732",
        ("western", "new_southbound"),
        "DDP",
        (
            (
                "usb-c-cable",
                "USB-C 編織線",
                "Braided USB-C cable",
                "USB-C 編組ケーブル",
                "854442",
                (("UC-1M", "1 m", "390", 60, 500), ("UC-2M", "2 m", "490", 90, 300)),
            ),
            (
                "gan-charger",
                "65W 氮化鎵充電器",
                "65 W GaN charger",
                "65W GaN 充電器",
                "850440",
                (("GAN-65", "65 W", "1290", 150, 80),),
            ),
        ),
    ),
)
MARKETS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "jp",
        {
            "countries": ["JP"],
            "currency": "JPY",
            "languages": ["ja", "en"],
            "rounding": "nearest_10",
            "adjustment_bps": 300,
        },
    ),
    (
        "western",
        {"cluster": "western", "currency": "USD", "languages": ["en"], "rounding": "ends_99", "adjustment_bps": 500},
    ),
    (
        "new-southbound",
        {
            "cluster": "new_southbound",
            "currency": "USD",
            "languages": ["en", "vi", "th", "id", "ms"],
            "rounding": "ends_99",
            "adjustment_bps": 300,
        },
    ),
)
ZONES = (
    {
        "name": "East Asia",
        "countries": ["JP", "KR"],
        "rates": [
            {"name": "Chunghwa Post EMS", "basis": "weight", "min": 0, "max": 2000, "amount": 45000},
            {"name": "Chunghwa Post EMS (heavy)", "basis": "weight", "min": 2000, "max": None, "amount": 90000},
        ],
    },
    {
        "name": "Rest of world",
        "rest_of_world": True,
        "rates": [
            {"name": "Air parcel", "basis": "price", "min": 0, "max": 300000, "amount": 60000},
            {"name": "Air parcel, free over TWD 3,000", "basis": "price", "min": 300000, "max": None, "amount": 0},
        ],
    },
)
# Buyers abroad: (name, email, country, wallet currency, address)
BUYERS = (
    (
        "山田花子 Yamada Hanako",
        "hanako@buyer-jp.example",
        "JP",
        "JPY",
        {"name": "山田花子", "line1": "渋谷1-2-3", "city": "東京都渋谷区", "postal_code": "150-0002"},
    ),
    (
        "Emily Carter",
        "emily@buyer-us.example",
        "US",
        "USD",
        {"name": "Emily Carter", "line1": "12 Beacon St", "city": "Boston", "postal_code": "02108"},
    ),
    (
        "Nguyễn Thu Hà",
        "ha@buyer-vn.example",
        "VN",
        "VND",
        {"name": "Nguyễn Thu Hà", "line1": "25 Lý Thường Kiệt", "city": "Hà Nội", "postal_code": "100000"},
    ),
    (
        "Siti Aminah",
        "siti@buyer-my.example",
        "MY",
        "MYR",
        {"name": "Siti Aminah", "line1": "8 Jalan Ampang", "city": "Kuala Lumpur", "postal_code": "50450"},
    ),
)


@dataclass
class DemoShops:
    stores: list[str] = field(default_factory=list)
    created_stores: int = 0
    orders: int = 0


def _org(session: Session, name: str, kind: str, email: str, person: str) -> Organization:
    org = session.scalars(select(Organization).where(Organization.name == name, Organization.kind == kind)).first()
    if org is None:
        org = identity.create_organization(session, OrganizationCreate(name=name, kind=kind))  # type: ignore[arg-type]
    user = session.scalars(select(User).where(User.email == email)).one_or_none()
    if user is None:
        user = identity.create_user(session, UserCreate(email=email, name=person, password=PASSWORD, locale="zh_TW"))
        identity.add_member(session, None, org.id, user.id, "owner")
    return org


def _open_store(session: Session, brand: Brand) -> Store:
    org = _org(session, brand.name, "merchant", brand.email, brand.name.split(" · ")[0])
    who = Caller.system(org.id, False)
    if merchants.profile_of(session, org.id, False) is None:
        bank = banks.create_bank_account(
            session,
            who,
            bank_code="004",
            account_number="2000" + str(zlib.crc32(brand.slug.encode()) % 10**8).zfill(8),
            holder_name=brand.name[:40],
            currency_code="TWD",
        )
        merchants.upsert_profile(
            session, who, display_name=brand.name.split(" · ")[0], city="Taipei", mcc=brand.mcc, bank_account_id=bank.id
        )
    store = stores.save_store(
        session,
        who,
        {
            "slug": brand.slug,
            "name": brand.name,
            "tagline": brand.tagline,
            "duties_mode": brand.duties,
            "clusters": list(brand.clusters),
        },
    )
    for code, fields in MARKETS:
        markets.create_market(session, who, code, dict(fields))
    for zone in ZONES:
        shipping.save_zone(session, who, None, dict(zone))
    for handle, zh, en, ja, hs, variants in brand.products:
        product = catalogue.save_product(
            session,
            who,
            None,
            {
                "handle": handle,
                "title": zh,
                "hs_code": hs,
                "description": f"{zh} — {brand.tagline}",
                "translations": {"en": {"title": en}, "ja": {"title": ja}},
                "images": [{"url": "/static/favicon.svg", "alt": en}],
            },
        )
        for sku, title, price, grams, stock in variants:
            variant = catalogue.add_variant(
                session, who, product.id, {"sku": sku, "title": title, "price": price, "weight_grams": grams}
            )
            catalogue.set_stock(session, who, variant.id, "Taipei warehouse", stock)
    # a welcome code every demo shop shares (docs/commerce.md, "Discounts")
    discounts.create_code(
        session,
        who,
        {"code": "WELCOME10", "kind": "percent", "percent_off": "10", "usage_limit": 500},
    )
    return store


def _buyer(session: Session, spec: tuple[str, str, str, str, dict[str, str]]) -> tuple[Caller, str]:
    name, email, _, cur, _ = spec
    org = _org(session, name, "consumer", email, name)
    who = Caller.system(org.id, False)
    found = list(session.scalars(wallets.wallets_query(who)))
    if found:
        return who, found[0].id
    wallet = wallets.create_wallet(session, who, cur)
    bank = banks.create_bank_account(
        session,
        who,
        bank_code="812",
        account_number="3000" + str(zlib.crc32(email.encode()) % 10**8).zfill(8),
        holder_name=name[:40],
        currency_code=cur,
    )
    wallets.set_verification_level(session, who, 2)
    amounts = {"JPY": 300_000, "USD": 200_000, "VND": 50_000_000, "MYR": 800_000}
    topups.top_up(session, who, wallet.id, bank_account_id=bank.id, amount=amounts[cur])
    return who, wallet.id


def _order(
    session: Session,
    store: Store,
    buyer: tuple[str, str, str, str, dict[str, str]],
    payer: Caller,
    wallet: str,
    skus: list[tuple[str, int]],
) -> Any:
    who = Caller.system(store.org_id, False)
    country = buyer[2]
    cart, _ = carts.create_cart(session, store, country, None, payer.org_id)
    for sku, quantity in skus:
        carts.set_line(session, store, cart, catalogue.variant_by_sku(session, who, sku).id, quantity)
    quote = baskets.price_basket(session, store, country, dict(cart.lines))
    locked = session.scalars(select(Cart).where(Cart.id == cart.id).with_for_update()).one()
    order, _ = checkout.checkout(
        session,
        store,
        locked,
        who,
        email=buyer[1],
        address={**buyer[4], "country": country},
        expected_total=quote.total,
        expected_currency=quote.rule.currency,
        buyer_org_id=payer.org_id,
    )
    checkout.pay_from_wallet(session, store, order, payer, wallet)
    return order


def build_demo_commerce(session: Session) -> DemoShops:
    shops = DemoShops()
    opened: dict[str, Store] = {}
    for brand in BRANDS:
        existing = session.scalars(
            select(Store).where(Store.slug == brand.slug, Store.livemode.is_(False))
        ).one_or_none()
        if existing is None:
            existing = _open_store(session, brand)
            shops.created_stores += 1
            opened[brand.slug] = existing
        shops.stores.append(brand.slug)
    if not opened:
        return shops
    payers = {spec[2]: (spec, *_buyer(session, spec)) for spec in BUYERS}
    plan = {
        "alishan-tea": [("JP", [("OOL-150", 3), ("GW-1", 1)]), ("US", [("OB-75", 2)]), ("MY", [("OOL-75", 4)])],
        "yingge-crafts": [("US", [("CEL-1", 2), ("BAM-M", 1)]), ("JP", [("CEL-1", 1)])],
        "formosa-snacks": [("VN", [("PC-20", 2), ("NG-300", 3)]), ("MY", [("PC-10", 5)]), ("JP", [("PC-10", 2)])],
        "hsinchu-gear": [("US", [("GAN-65", 1), ("UC-2M", 2)]), ("VN", [("UC-1M", 3)])],
    }
    for slug, store in opened.items():
        made = []
        for country, skus in plan[slug]:
            spec, payer, wallet = payers[country]
            made.append(_order(session, store, spec, payer, wallet, skus))
        who = Caller.system(store.org_id, False)
        paid = [o for o in made if o.status == "paid"]
        if paid:
            orders.fulfil(
                session, who, paid[0].id, lines=None, carrier="Chunghwa Post EMS", tracking_number="EE000000001TW"
            )
            orders.mark_delivered(session, who, paid[0].id)
        if len(paid) > 1:
            orders.fulfil(
                session, who, paid[1].id, lines=None, carrier="Chunghwa Post", tracking_number="RR000000002TW"
            )
        shops.orders += len(made)
    return shops
