"""CRC-16/CCITT-FALSE, the checksum of EMVCo tag 63 (poly 0x1021, init 0xFFFF, no reflection, no final XOR)."""

from __future__ import annotations


def _table() -> tuple[int, ...]:
    rows = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        rows.append(crc & 0xFFFF)
    return tuple(rows)


_TABLE = _table()


def crc16_ccitt_false(data: bytes) -> int:
    """``crc16_ccitt_false(b"123456789") == 0x29B1`` (the catalogue check value)."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


def emvco_crc(text_through_6304: str) -> str:
    """Tag 63's value for a payload written up to and including ``"6304"``: four uppercase hex digits
    over the text's UTF-8 bytes."""
    return f"{crc16_ccitt_false(text_through_6304.encode('utf-8')):04X}"
