"""Reading a payment QR code from a photo or screenshot, on the server (zxing-cpp over Pillow).

The wallet page accepts an uploaded image as well as pasted text. Images are opened with
Pillow under a pixel cap (a decompression bomb is refused, not decoded) and handed to
zxing-cpp, which finds QR symbols at any angle and size; the first QR code's text is the
payload, checked afterwards like pasted text.
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

from digiplus.core.errors import InvalidRequest

MAX_PIXELS = 40_000_000  # a 48 MP phone photo is about this; anything larger is refused
MAX_SIDE = 2400  # larger images are scaled down first: a QR code stays readable, decoding stays fast


def read_qr_image(data: bytes) -> str:
    """The text of the first QR code in the image ``data`` (PNG, JPEG, WebP, GIF, BMP)."""
    if not data:
        raise InvalidRequest("Choose an image file.", param="image", code="qr_image_missing")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise InvalidRequest("The image is too large.", param="image", code="qr_image_unreadable")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidRequest(
            "This file is not an image we can read (PNG, JPEG, WebP).", param="image", code="qr_image_unreadable"
        ) from None
    if image.mode not in ("L", "RGB", "1"):
        image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    found = [
        code
        for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
        if code.text
    ]
    if not found:
        raise InvalidRequest("No QR code could be read in this image.", param="image", code="qr_image_no_code")
    return str(found[0].text)
