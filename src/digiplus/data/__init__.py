"""The data economy: a DCAT-AP catalogue (publish, ingest, validate, search, harvest),
alliances and the demand board; later the exchange (contracts, metered delivery)."""
