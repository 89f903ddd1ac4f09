"""Products, their variants and stock per location."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class Product(OrgOwned, Base):
    __tablename__ = "commerce_products"
    __object_name__ = "product"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "handle", name="uq_commerce_products_handle"),)

    handle: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))  # in the store's default language
    description: Mapped[str] = mapped_column(Text, default="")
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)  # lang → {title, description}
    hs_code: Mapped[str] = mapped_column(String(10))
    origin_country: Mapped[str] = mapped_column(String(2))
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"url", "alt"}]
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | draft | archived


class Variant(OrgOwned, Base):
    __tablename__ = "commerce_variants"
    __object_name__ = "variant"
    __table_args__ = (
        UniqueConstraint("org_id", "livemode", "sku", name="uq_commerce_variants_sku"),
        Index("ix_commerce_variants_product", "product_id"),
    )

    product_id: Mapped[str] = mapped_column(ForeignKey("commerce_products.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))  # "150 g", "Blue / L"
    price: Mapped[int] = mapped_column(BigInteger)  # base currency, minor units
    weight_grams: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class StockLevel(Base):
    """Units of one variant at one location; ``reserved`` are held by unpaid checkouts."""

    __tablename__ = "commerce_stock_levels"
    __table_args__ = (
        UniqueConstraint("variant_id", "location", name="uq_commerce_stock_levels"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="ck_commerce_stock_levels_reserved"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("commerce_variants.id", ondelete="CASCADE"), index=True)
    location: Mapped[str] = mapped_column(String(60))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
