"""Cross-border e-commerce: stores, markets (countries or clusters) with their currency and price
rules, import duties and VAT/GST, shipping zones, catalogue, carts, checkout paid through payments'
intents, orders with fulfilments and returns, and a public storefront per merchant."""

# The worker's pieces (the payment consumer, the checkout-expiry task) register on import.
from digiplus.commerce.service import sync as _sync  # noqa: F401
