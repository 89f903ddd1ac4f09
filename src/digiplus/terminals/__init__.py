"""POS terminals: pairing, signed device requests, taking payments at the counter (dynamic QR or
the consumer's payment code), following them live, refunds with a supervisor PIN, receipts and
end-of-day totals; the software terminal and fleet pages. Payments are made through
``digiplus.payments``' public surface."""

from digiplus.terminals import tasks as _tasks  # noqa: F401  (registers the worker's nonce purge)
