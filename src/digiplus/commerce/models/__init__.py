"""Commerce tables, by topic. Money is never stored as a balance here: an order names the payment
intent that moved it, and refunds go through payments."""

from digiplus.commerce.models.catalogue import Product, StockLevel, Variant
from digiplus.commerce.models.orders import Cart, Fulfillment, Order, OrderLine, OrderReturn, Reservation
from digiplus.commerce.models.stores import DiscountCode, ImportRate, Market, MarketPrice, ShippingZone, Store

__all__ = [
    "Cart",
    "DiscountCode",
    "Fulfillment",
    "ImportRate",
    "Market",
    "MarketPrice",
    "Order",
    "OrderLine",
    "OrderReturn",
    "Product",
    "Reservation",
    "ShippingZone",
    "StockLevel",
    "Store",
    "Variant",
]
