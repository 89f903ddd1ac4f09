"""Loyalty for merchants: programmes (points per spend, stamp cards, tiers, bonuses, campaigns,
rewards), members, and points as ledger accounts on a ``POINTS:<programme id>`` ledger — earned
from payments through the outbox, redeemed as a discount on a payment, expired FIFO, clawed back
on refunds. docs/loyalty.md."""

from digiplus.core.permissions import grant
from digiplus.loyalty.service import consumer as _consumer  # registers the outbox consumer
from digiplus.loyalty.service import expiry as _expiry  # registers the daily worker task

grant("admin", "loyalty.write")
grant("developer", "loyalty.write")

__all__: list[str] = []
del _consumer, _expiry
