"""Rendering a payload as a QR symbol (segno): SVG, PNG, and a printable A6 counter sticker.

Error correction level M (15 %), the common choice for payment codes printed on counters;
non-ASCII payloads (a Chinese name in tag 64) are written as UTF-8 bytes, the encoding the CRC
was computed over.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

import segno

from digiplus.payments.qr.codes import decode

_ERROR_LEVEL = "m"
_FONT = "'Noto Sans TC','PingFang TC','Microsoft JhengHei',sans-serif"


def symbol(payload: str) -> segno.QRCode:
    """The QR symbol of a payload; a payload too long for any QR version raises ValueError."""
    try:
        return segno.make(
            payload,
            error=_ERROR_LEVEL,
            micro=False,
            boost_error=False,
            encoding=None if payload.isascii() else "utf-8",
        )
    except segno.DataOverflowError as exc:
        raise ValueError(f"payload too long for a QR code: {exc}") from None


def render_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """A standalone SVG document (no XML declaration) of the symbol."""
    out = io.BytesIO()
    symbol(payload).save(out, kind="svg", scale=scale, border=border, xmldecl=False, svgclass="qr", lineclass=None)
    return out.getvalue().decode("utf-8")


def render_png(payload: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A PNG of the symbol; ``scale`` pixels per module."""
    out = io.BytesIO()
    symbol(payload).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def _modules_path(payload: str) -> tuple[str, int]:
    """The dark modules as one SVG path in module units (no quiet zone), and the symbol's width."""
    rows = [list(row) for row in symbol(payload).matrix_iter(scale=1, border=0)]
    parts = []
    for y, row in enumerate(rows):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts), len(rows)


def _default_wallets(payload: str) -> tuple[str, ...]:
    decoded = decode(payload)
    if decoded.format == "twqr":
        return ("TWQR",)
    if decoded.scheme == "digiplus":
        return ("digiplus", "TWQR")
    return tuple(a.scheme_name for a in decoded.merchant_accounts if a.scheme_name) or ("EMVCo QR",)


def counter_sticker_svg(
    payload: str,
    merchant_name: str,
    locale: str = "zh_TW",
    *,
    wallets: Sequence[str] | None = None,
) -> str:
    """A printable A6 (105 × 148 mm) counter sticker: "掃碼付款 / Scan to pay", the merchant's
    name, the code, the amount when it carries one, and the accepted wallets. Both languages are
    printed; ``locale`` (zh_TW or en) decides which leads."""
    path, width = _modules_path(payload)
    decoded = decode(payload)
    accepted = ", ".join(wallets if wallets is not None else _default_wallets(payload))
    zh_first = not locale.lower().startswith("en")
    zh = ("掃碼付款", f"適用：{accepted}")
    en = ("Scan to pay", f"Accepted: {accepted}")
    lead, second = (zh, en) if zh_first else (en, zh)
    size = 75.0  # mm of the symbol with its quiet zone
    quiet = 4
    module = size / (width + 2 * quiet)
    left = (105 - size) / 2
    top = 34.0
    amount = ""
    if decoded.amount and decoded.currency:
        amount = (
            f'<text x="52.5" y="{top + size + 9:.1f}" font-size="7" font-weight="700" text-anchor="middle">'
            f"{escape(decoded.currency)} {escape(decoded.amount)}</text>"
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148" '
        f'font-family="{_FONT}" role="img" aria-label="{escape(lead[0])}: {escape(merchant_name)}">'
        '<rect x="0" y="0" width="105" height="148" fill="#fff"/>'
        '<rect x="3" y="3" width="99" height="142" rx="5" fill="none" stroke="#0b5" stroke-width="1.2"/>'
        f'<text x="52.5" y="16" font-size="10" font-weight="700" text-anchor="middle">{escape(lead[0])}</text>'
        f'<text x="52.5" y="23" font-size="5.5" text-anchor="middle">{escape(second[0])}</text>'
        f'<text x="52.5" y="31" font-size="5" text-anchor="middle" font-weight="700">{escape(merchant_name)}</text>'
        f'<rect x="{left:.2f}" y="{top:.2f}" width="{size}" height="{size}" fill="#fff"/>'
        f'<path transform="translate({left + quiet * module:.3f} {top + quiet * module:.3f}) scale({module:.5f})" '
        f'fill="#000" d="{path}"/>'
        f"{amount}"
        f'<text x="52.5" y="132" font-size="4" text-anchor="middle">{escape(lead[1])}</text>'
        f'<text x="52.5" y="138" font-size="3.6" text-anchor="middle" fill="#444">{escape(second[1])}</text>'
        "</svg>"
    )
