"""Loyalty for merchants: programmes (points per spend, stamp cards, tiers, bonuses, campaigns,
rewards), members, and points as ledger accounts on a ``POINTS:<programme id>`` ledger — earned
from payments through the outbox, redeemed as a discount on a payment, expired FIFO, clawed back
on refunds. docs/loyalty.md.

The surface other modules use (commerce's checkout): ``offers_for_consumer`` / ``offers_for_member``
(what a member can redeem) and ``reserve_for_payment`` (reserve a reward's points against a payment
intent the caller already discounted); ``InsufficientPoints`` when the points do not cover it."""

from digiplus.core.permissions import grant
from digiplus.loyalty.service import consumer as _consumer  # registers the outbox consumer
from digiplus.loyalty.service import expiry as _expiry  # registers the daily worker task
from digiplus.loyalty.service.errors import InsufficientPoints
from digiplus.loyalty.service.online import (
    MemberOffers,
    RewardOffer,
    offers_for_consumer,
    offers_for_member,
    reserve_for_payment,
)

grant("admin", "loyalty.write")
grant("developer", "loyalty.write")

__all__ = [
    "InsufficientPoints",
    "MemberOffers",
    "RewardOffer",
    "offers_for_consumer",
    "offers_for_member",
    "reserve_for_payment",
]
del _consumer, _expiry
