"""Prefixed, time-ordered public ids (``org_01JD…``).

26 Crockford base32 characters after the prefix: 48 bits of milliseconds then 80
random bits, so sorting by id sorts by creation time, which cursor pagination uses.
Ids made by one process in the same millisecond keep their order too: the random
part of the previous id is incremented instead of drawn again (as monotonic ULIDs do).
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

PREFIXES = {
    "organization": "org",
    "user": "usr",
    "membership": "mem",
    "api_key": "key",
    "session": "ses",
    "login_failure": "lgf",
    "event": "evt",
    "webhook_endpoint": "we",
    "webhook_delivery": "whd",
    "webhook_attempt": "wha",
    "audit_entry": "aud",
    "idempotency_key": "idk",
    "request": "req",
    "payment_intent": "pi",
    "refund": "re",
    "wallet": "wal",
    "wallet_transfer": "wtr",
    "topup": "tu",
    "withdrawal": "wd",
    "payment_code": "pc",
    "payment_form_token": "pft",
    "fx_quote": "fxq",
    "bank_account": "ba",
    "merchant_profile": "mpr",
    "wallet_profile": "wpr",
    "settlement": "stl",
    "payout": "po",
    "fee_plan": "fpl",
    "dataset": "ds",
    "distribution": "dsd",
    "dataset_revision": "dsr",
    "dataset_series": "dss",
    "ingest_job": "ij",
    "harvest_source": "hs",
    "harvest_run": "hr",
    "harvested_record": "hrec",
    "alliance": "all",
    "alliance_member": "allm",
    "alliance_invitation": "alli",
    "dataset_use": "dsu",
    "data_demand": "dmd",
    "demand_answer": "dma",
    "store": "sto",
    "market": "mkt",
    "shipping_zone": "shz",
    "product": "prod",
    "variant": "var",
    "cart": "cart",
    "order": "ord",
    "fulfillment": "ful",
    "order_return": "oret",
    "discount_code": "dsc",
    "loyalty_programme": "lp",
    "loyalty_campaign": "lpc",
    "loyalty_reward": "lpr",
    "loyalty_member": "lm",
    "loyalty_transaction": "lte",
    "loyalty_visit": "lv",
    "loyalty_voucher": "lvo",
    "loyalty_redemption": "lrd",
    "terminal": "term",
    "terminal_payment": "tpay",
    "terminal_refund": "tref",
    "terminal_supervisor": "tsup",
    "history_import": "himp",
    "experiment": "exp",
    "experiment_participant": "expp",
    "experiment_message": "expm",
    "experiment_report": "expr",
    "experiment_payment": "expy",
}


_RANDOM_BITS = 80
_lock = threading.Lock()
_last = [-1, 0]  # milliseconds and random part of the newest id made by this process


def _next_value() -> int:
    millisecond = int(time.time() * 1000)
    with _lock:
        if millisecond == _last[0] and _last[1] + 1 < 1 << _RANDOM_BITS:
            _last[1] += 1
        else:
            _last[0], _last[1] = millisecond, int.from_bytes(os.urandom(_RANDOM_BITS // 8), "big")
        return (millisecond << _RANDOM_BITS) | _last[1]


def new_id(prefix: str) -> str:
    value = _next_value()
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def id_for(object_name: str) -> str:
    return new_id(PREFIXES[object_name])
