"""EMVCo's TLV layer: a two-digit id, a two-digit length and the value, repeated.

Lengths count *characters* of the payload as a string (EMVCo writes the payload in a
character set where one character is one byte; for the UTF-8 text of tag 64 the spec's
own example counts ``最佳运输`` as 4). So the split works on Python ``str`` code points and
only the CRC looks at UTF-8 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Element:
    id: str
    value: str
    start: int  # where the id begins in the text that was split


@dataclass(frozen=True, slots=True)
class Split:
    elements: tuple[Element, ...]
    error: str | None  # the first structural fault; elements stops just before it


def split_tlv(text: str, *, where: str = "") -> Split:
    """Cut ``text`` into elements; stop at the first id or length that is not two digits or at a
    declared length longer than what remains, and say why (``where`` prefixes the reason)."""
    elements: list[Element] = []
    pos = 0
    end = len(text)
    while pos < end:
        if end - pos < 4:
            return Split(
                tuple(elements),
                f"{where}{end - pos} trailing character(s) {text[pos:]!r} at position {pos} are too short "
                "for an element (id and length take 4)",
            )
        tag, length = text[pos : pos + 2], text[pos + 2 : pos + 4]
        if not (tag.isascii() and tag.isdigit()):
            return Split(tuple(elements), f"{where}id {tag!r} at position {pos} is not two digits")
        if not (length.isascii() and length.isdigit()):
            return Split(tuple(elements), f"{where}tag {tag} at position {pos}: length {length!r} is not two digits")
        size = int(length)
        remaining = end - pos - 4
        if size > remaining:
            return Split(
                tuple(elements),
                f"{where}tag {tag} at position {pos}: declared length {size} but only {remaining} character(s) remain",
            )
        elements.append(Element(tag, text[pos + 4 : pos + 4 + size], pos))
        pos += 4 + size
    return Split(tuple(elements), None)


def element(tag: str, value: str) -> str:
    """One element as text; the value must be 1–99 characters."""
    if not 0 < len(value) <= 99:
        raise ValueError(f"tag {tag}: a value must be 1 to 99 characters, got {len(value)}")
    return f"{tag}{len(value):02d}{value}"
