"""Cross-border e-commerce: stores, markets (countries or clusters) with their currency and price
rules, import duties and VAT/GST, shipping zones, catalogue, carts, checkout paid through payments'
intents, orders with fulfilments and returns, and a public storefront per merchant."""
