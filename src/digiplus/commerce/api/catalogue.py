"""``/v1/commerce/products``: products, variants and stock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile

from digiplus.commerce.api.deps import Writer
from digiplus.commerce.models import Product
from digiplus.commerce.schemas import List, ProductSave, Public, StockSet, VariantCreate, dump
from digiplus.commerce.service import catalogue, images
from digiplus.core.api.auth import ApiCaller
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.middleware import allow_large_bodies_matching
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES

allow_large_bodies_matching(images.UPLOAD_ROUTES[0], lambda: images.UPLOAD_BODY_BYTES)  # a photo: up to 5 MB
router = APIRouter(prefix="/v1/commerce", tags=["commerce"], responses=ERROR_RESPONSES)
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@router.post("/products", response_model=Public, summary="Add a product")
def create_product(body: ProductSave, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return catalogue.product_data(session, catalogue.save_product(session, caller, None, dump(body)))


@router.get("/products", response_model=List, summary="The store's products, newest first")
def list_products(
    session: SessionDep,
    caller: ApiCaller,
    params: ListParamsDep,
    status: Annotated[str | None, Query(pattern=r"^(active|draft|archived)$")] = None,
) -> dict[str, Any]:
    stmt = catalogue.products_query(caller, status)
    return paginate(
        session, stmt, Product.id, params, lambda p: catalogue.product_data(session, p), "/v1/commerce/products"
    )


@router.get("/products/{product_id}", response_model=Public, summary="Retrieve a product with variants and stock")
def get_product(product_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return catalogue.product_data(session, catalogue.get_product(session, caller, product_id))


@router.post("/products/{product_id}", response_model=Public, summary="Change a product (texts, translations, images)")
def update_product(product_id: ObjectId, body: ProductSave, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return catalogue.product_data(session, catalogue.save_product(session, caller, product_id, dump(body)))


@router.post("/products/{product_id}/variants", response_model=Public, summary="Add a variant")
def add_variant(product_id: ObjectId, body: VariantCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    variant = catalogue.add_variant(session, caller, product_id, dump(body) | {"title": body.title})
    return catalogue.variant_data(variant, catalogue.stock_of(session, [variant.id])[variant.id])


@router.post("/variants/{variant_id}/stock", response_model=Public, summary="Set units on hand at a location")
def set_stock(variant_id: ObjectId, body: StockSet, session: SessionDep, caller: Writer) -> dict[str, Any]:
    level = catalogue.set_stock(session, caller, variant_id, body.location, body.on_hand)
    return {
        "object": "stock_level",
        "variant": level.variant_id,
        "location": level.location,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
    }


@router.post("/products/{product_id}/images", response_model=Public, summary="Upload a product photo into the lake")
def upload_image(
    product_id: ObjectId,
    session: SessionDep,
    caller: Writer,
    file: Annotated[UploadFile, File(description="PNG, JPEG or WebP, at most 5 MB")],
    alt: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    return catalogue.product_data(session, images.upload_image(session, caller, product_id, file.file, alt))
