"""The ledger's services, split by topic: engine (in memory), store (bulk SQL), transfers,
accounts, reads, verify, expiry."""

from digiplus.core.events import register_event_type

register_event_type("ledger.transfers.created", "A batch of ledger transfers was created (counts and amounts).")
register_event_type("ledger.transfers.expired", "Pending ledger transfers passed their timeout and were voided.")
register_event_type("ledger.accounts.created", "A batch of ledger accounts was created.")
