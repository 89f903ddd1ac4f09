"""Product photos uploaded into the lake (``commerce/images/org=…/<product>/<sha256>.<ext>``) and
served by the shop at ``/shop/media/<org>/<product>/<file>``. Only PNG, JPEG and WebP, recognised
by their first bytes (not the file name or the browser's content type) and then decoded by Pillow
(a file that only starts like an image is refused), up to 5 MB and 40 megapixels; the same photo
twice is stored once."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from typing import IO

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Product
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import NotFound, ValidationFailed
from digiplus.core.tenancy import get_owned
from digiplus.lake import get_lake

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
PILLOW_FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}
MAX_IMAGES = 20
TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
FILE = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp)$")
UPLOAD_ROUTES = (r"/v1/commerce/products/prod_[0-9A-Z]{26}/images", r"/commerce/products/prod_[0-9A-Z]{26}/images")
UPLOAD_BODY_BYTES = MAX_BYTES + 65536  # the photo and the form's other fields; a bigger file is refused by name


def kind_of(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def check_decodes(data: bytes, ext: str) -> None:
    """Pillow reads the header as the format the first bytes claim and verifies the data."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != PILLOW_FORMATS[ext] or image.width * image.height > MAX_PIXELS:
                    raise ValueError(image.format)
                image.verify()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(
            f"The file starts like a {ext.upper()} image but is not a readable one (or is over 40 megapixels).",
            param="file",
            code="image_unreadable",
        ) from None


def lake_key(org_id: str, product_id: str, name: str) -> str:
    return f"commerce/images/org={org_id}/{product_id}/{name}"


def upload_image(session: Session, caller: Caller, product_id: str, upload: IO[bytes], alt: str) -> Product:
    product = get_owned(session, Product, product_id, caller, for_update=True)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed("An image is at most 5 MB.", param="file", code="file_too_large")
    ext = kind_of(data[:16])
    if ext is None:
        raise ValidationFailed(
            "The file is not a PNG, JPEG or WebP image.", param="file", code="image_type_unsupported"
        )
    check_decodes(data, ext)
    if len(product.images or []) >= MAX_IMAGES:
        raise ValidationFailed(f"A product has at most {MAX_IMAGES} images.", param="file")
    name = f"{hashlib.sha256(data).hexdigest()}.{ext}"
    key = lake_key(product.org_id, product.id, name)
    lake = get_lake()
    if not lake.exists(key):
        with lake.file_writer(key) as out:
            out.write(data)
    url = f"/shop/media/{product.org_id}/{product.id}/{name}"
    if all(image["url"] != url for image in product.images or []):
        product.images = [*(product.images or []), {"url": url, "alt": alt[:200]}]
    session.flush()
    audit.record(session, caller, "product.image_added", "product", product.id, after={"url": url, "bytes": len(data)})
    return product


def open_image(session: Session, org_id: str, product_id: str, name: str) -> tuple[IO[bytes], str]:
    """An uploaded photo of an active product (only photos the product lists are served)."""
    product = session.scalars(select(Product).where(Product.id == product_id, Product.org_id == org_id)).one_or_none()
    url = f"/shop/media/{org_id}/{product_id}/{name}"
    if (
        not FILE.fullmatch(name)
        or product is None
        or product.status != "active"
        or all(image["url"] != url for image in product.images or [])
    ):
        raise NotFound("No such image", param="image")
    return get_lake().open(lake_key(org_id, product_id, name)), TYPES[name.rsplit(".", 1)[1]]
