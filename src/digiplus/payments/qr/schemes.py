"""Which payment scheme a merchant account template belongs to, from its globally unique id (sub-tag 00).

EMVCo gives 02–25 to card networks (primitive values, e.g. a Visa merchant PAN in 02) and
26–51 to templates whose sub-tag 00 names the scheme: an AID (``A000000677010111``,
PromptPay) or a reverse domain name (``SG.PAYNOW``). ``SCHEMES`` lists the ones we name, with
the sub-tags their public specifications document; matching is case-insensitive, and an AID
matches on its registered application provider id (RID, the first 10 hex digits) when the
full AID is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from digiplus.payments.qr.decoded import MerchantAccount

# Our own merchant account template (a reverse domain name of ours; see docs/payments-qr.md).
DIGIPLUS_GUID = "ORG.DIGIPLUS"
DIGIPLUS_TAG = "26"


@dataclass(frozen=True, slots=True)
class Scheme:
    id: str
    name: str
    rank: int  # which scheme names a code holding several: ours > national schemes > networks > umbrellas
    fields: dict[str, str] = field(default_factory=dict)  # sub-tag -> field name
    lenient: bool = False  # its national spec lets person-to-person codes leave out 52, 59 and 60


_OURS = 100
_NATIONAL = 50
_NETWORK = 30
_UMBRELLA = 10

SCHEMES: dict[str, Scheme] = {
    DIGIPLUS_GUID: Scheme("digiplus", "digiplus", _OURS, {"01": "merchant_id", "02": "reference"}),
    # Thailand, Bank of Thailand's Thai QR Payment standard.
    "A000000677010111": Scheme(
        "promptpay",
        "PromptPay (credit transfer)",
        _NATIONAL,
        {"01": "mobile", "02": "national_id", "03": "ewallet_id", "04": "bank_account"},
        lenient=True,
    ),
    "A000000677010112": Scheme(
        "promptpay",
        "PromptPay (bill payment)",
        _NATIONAL,
        {"01": "biller_id", "02": "reference_1", "03": "reference_2"},
        lenient=True,
    ),
    "A000000677010114": Scheme(
        "promptpay", "PromptPay (payment innovation)", _NATIONAL, {"01": "acquirer_id"}, lenient=True
    ),
    "A000000677": Scheme("promptpay", "PromptPay", _NATIONAL, lenient=True),
    # Singapore: PayNow (ABS), the SGQR merchant identity template, NETS and wallets.
    "SG.PAYNOW": Scheme(
        "paynow",
        "PayNow (Singapore)",
        _NATIONAL,
        {"01": "proxy_type", "02": "proxy_value", "03": "amount_editable", "04": "expiry_date"},
    ),
    "SG.SGQR": Scheme(
        "sgqr",
        "SGQR merchant identity",
        _UMBRELLA,
        {
            "01": "sgqr_id",
            "02": "version",
            "03": "postal_code",
            "04": "level",
            "05": "unit_number",
            "06": "miscellaneous",
            "07": "revision_date",
        },
    ),
    "SG.COM.NETS": Scheme("nets", "NETS (Singapore)", _NETWORK),
    "SG.COM.DASH.WWW": Scheme("dash", "Singtel Dash", _NETWORK),
    "COM.GRAB": Scheme("grabpay", "GrabPay", _NETWORK),
    # Malaysia: DuitNow QR (PayNet).
    "A0000006150001": Scheme("duitnow", "DuitNow QR (Malaysia)", _NATIONAL, {"01": "institution", "02": "account"}),
    "A000000615": Scheme("duitnow", "DuitNow / PayNet (Malaysia)", _NATIONAL),
    # Indonesia: QRIS (Bank Indonesia); 51 carries the national merchant id.
    "ID.CO.QRIS.WWW": Scheme("qris", "QRIS (Indonesia)", _NATIONAL, {"02": "nmid", "03": "merchant_criteria"}),
    # Vietnam: VietQR over NAPAS 247.
    "A000000727": Scheme(
        "vietqr",
        "VietQR / NAPAS (Vietnam)",
        _NATIONAL,
        {"01": "beneficiary", "02": "service_code"},
        lenient=True,
    ),
    # India: NPCI (UPI, RuPay) in Bharat QR.
    "A000000524": Scheme("upi", "UPI / RuPay (NPCI, India)", _NATIONAL, {"01": "vpa", "02": "minimum_amount"}),
    "IN.UPI": Scheme("upi", "UPI (India)", _NATIONAL, {"01": "vpa"}),
    "IN.ORG.NPCI": Scheme("upi", "UPI (India)", _NATIONAL, {"01": "vpa"}),
    # China: UnionPay International.
    "A000000333": Scheme("unionpay", "UnionPay", _NETWORK),
    # Brazil: Pix (Banco Central do Brasil).
    "BR.GOV.BCB.PIX": Scheme("pix", "Pix (Brazil)", _NATIONAL, {"01": "key", "02": "description", "25": "url"}),
    # Hong Kong: FPS (HKICL).
    "HK.COM.HKICL": Scheme(
        "fps", "FPS (Hong Kong)", _NATIONAL, {"01": "clearing_code", "02": "fps_id", "03": "mobile", "04": "email"}
    ),
    # Philippines: QR Ph.
    "COM.P2PQRPAY": Scheme("qrph", "QR Ph person-to-person (Philippines)", _NATIONAL),
    "PH.PPMI.P2M": Scheme("qrph", "QR Ph person-to-merchant (Philippines)", _NATIONAL),
    # Japan: JPQR (Payments Japan).
    "JP.OR.PAYMENTSJAPAN": Scheme("jpqr", "JPQR (Japan)", _NATIONAL),
}

# EMVCo's allocation of the primitive merchant account ids 02–25 to card networks.
CARD_NETWORKS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("02", "03"), ("visa", "Visa")),
    **dict.fromkeys(("04", "05"), ("mastercard", "Mastercard")),
    **dict.fromkeys(("09", "10"), ("discover", "Discover")),
    **dict.fromkeys(("11", "12"), ("amex", "American Express")),
    **dict.fromkeys(("13", "14"), ("jcb", "JCB")),
    **dict.fromkeys(("15", "16"), ("unionpay", "UnionPay")),
}
_RANK_BY_SCHEME = {s.id: s.rank for s in SCHEMES.values()} | {s: _NETWORK for s, _ in CARD_NETWORKS.values()}


def scheme_for_guid(guid: str) -> Scheme | None:
    key = guid.strip().upper()
    found = SCHEMES.get(key)
    if found is None and len(key) >= 10 and key[0] == "A" and all(c in "0123456789ABCDEF" for c in key):
        found = SCHEMES.get(key[:10])
    return found


def account_from_template(tag: str, subtags: dict[str, str]) -> MerchantAccount:
    guid = subtags.get("00")
    scheme = scheme_for_guid(guid) if guid else None
    if scheme is None:
        return MerchantAccount(tag, None, None, guid, {})
    named = {name: subtags[sub] for sub, name in scheme.fields.items() if sub in subtags}
    return MerchantAccount(tag, scheme.id, scheme.name, guid, named)


def account_from_card_tag(tag: str, value: str) -> MerchantAccount:
    scheme, name = CARD_NETWORKS.get(tag, (None, None))
    return MerchantAccount(tag, scheme, name, None, {"merchant_account": value})


def lenient_scheme(accounts: list[MerchantAccount]) -> bool:
    """Whether a code's scheme lets it leave out 52, 59 and 60 (PromptPay and VietQR transfers do)."""
    for account in accounts:
        scheme = scheme_for_guid(account.guid) if account.guid else None
        if scheme is not None and scheme.lenient:
            return True
    return False


def main_account(accounts: list[MerchantAccount]) -> MerchantAccount | None:
    """The account naming the code's scheme: the highest-ranked recognised one, the lowest tag on a tie."""
    best: MerchantAccount | None = None
    best_rank = 0
    for account in accounts:
        rank = _RANK_BY_SCHEME.get(account.scheme, 0) if account.scheme else 0
        if rank > best_rank:
            best, best_rank = account, rank
    return best
