"""Payment QR codes, a pure codec (no database, no HTTP): EMVCo merchant-presented codes and
TWQR URIs, decoded with every fault named, encoded, and rendered (SVG, PNG, counter sticker).

Other modules use this surface only::

    from digiplus.payments.qr import decode, parse, merchant_qr, DecodedQR, InvalidQRPayload
"""

from digiplus.payments.qr.codes import decode, merchant_qr, parse
from digiplus.payments.qr.crc import crc16_ccitt_false, emvco_crc
from digiplus.payments.qr.decoded import DecodedQR, InvalidQRPayload, MerchantAccount
from digiplus.payments.qr.emvco import MAX_PAYLOAD, encode_emvco
from digiplus.payments.qr.render import counter_sticker_svg, render_png, render_svg
from digiplus.payments.qr.schemes import DIGIPLUS_GUID, SCHEMES
from digiplus.payments.qr.twqr import encode_twqr

__all__ = [
    "DIGIPLUS_GUID",
    "MAX_PAYLOAD",
    "SCHEMES",
    "DecodedQR",
    "InvalidQRPayload",
    "MerchantAccount",
    "counter_sticker_svg",
    "crc16_ccitt_false",
    "decode",
    "emvco_crc",
    "encode_emvco",
    "encode_twqr",
    "merchant_qr",
    "parse",
    "render_png",
    "render_svg",
]
