"""Published QR payloads with their expected fields; each one's source is in the comment above it.

Every CRC here was computed by its publisher and checked by our decoder (none is ours)."""

from __future__ import annotations

from typing import Any

# EMVCo MPM specification v1.1, Appendix A (example with a Chinese alternate language template).
EMVCO_SPEC = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
    "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.72530315655020162330304123406"
    "03***0708A60086670902ME91320016A0112233449988770708123456786304A13A"
)
# Thai QR Payment standard's PromptPay example (mobile 0801234567), as cited in the task.
PROMPTPAY = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"

VALID: list[tuple[str, dict[str, Any]]] = [
    (
        EMVCO_SPEC,
        {
            "scheme": None,
            "point_of_initiation": "dynamic",
            "merchant_name": "BEST TRANSPORT",
            "merchant_city": "BEIJING",
            "country": "CN",
            "currency": "CNY",
            "amount": "23.72",
            "amount_minor": 2372,
            "mcc": "4111",
            "crc": "A13A",
        },
    ),
    (
        PROMPTPAY,
        {"scheme": "promptpay", "point_of_initiation": "static", "country": "TH", "currency": "THB", "amount": None},
    ),
    # github.com/jaynzr/go-paynow paynow_test.go (TestPayNowUEN).
    (
        "00020101021226520009SG.PAYNOW010120213S99345678ABCD03011040899991231520400005303702540512.345802SG"
        "5912ACME Pte Ltd6009Singapore62110107INV123463041E74",
        {"scheme": "paynow", "currency": "SGD", "amount": "12.34", "merchant_name": "ACME Pte Ltd", "mcc": "0000"},
    ),
    # A PayNow generator's unit test (mobile proxy, expiry 2050-04-15), public GitHub code.
    (
        "00020101021126500009SG.PAYNOW010100211+6590901234030100408205004155204000053037025406888.885802SG"
        "5902NA6009Singapore62320128Payment reference XX1234567863046B73",
        {"scheme": "paynow", "amount": "888.88", "amount_minor": 88888, "point_of_initiation": "static"},
    ),
    # An SGQR/PayNow decoder's test (test_crc16 example_qr_code2), public GitHub code.
    (
        "00020101021126380009SG.PAYNOW010100211+6584554295030115204000053037025802SG5902NA6009SINGAPORE630416D8",
        {"scheme": "paynow", "merchant_city": "SINGAPORE", "amount": None},
    ),
    # A DuitNow static code (AsiaPay POS sample in a Malaysian integration's comments), public GitHub code.
    (
        "00020101021226600014A000000615000101068900460228JjXrENybjHu7ag3sShhEmDUh3amy520472985303458540115802MY"
        "5917AsiaPay-POS Sub 16006Kangar624005073UktVjo0725FUXkHSHGrI6uP98B4JsvUpybc64270002EN0117AsiaPay-POS Sub 1"
        "63047BF7",
        {"scheme": "duitnow", "currency": "MYR", "amount": "1", "amount_minor": 100, "merchant_city": "Kangar"},
    ),
    # A DuitNow QR with payload format indicator 02, as Malaysian banks print them (a mosque's
    # donation code in a public GitHub app's data).
    (
        "00020201021126420014A000000615000101066033460210MD001295465204939953034585802MY5913MASJID NEGARA6002MY"
        "627303251704936237869008996045430052017072988178750084448071617049359619050076304FD9C",
        {"scheme": "duitnow", "merchant_name": "MASJID NEGARA", "mcc": "9399"},
    ),
    # A QRIS static code (GoPay issuer template 26 + QRIS national template 51), public GitHub code.
    (
        "00020101021126610014COM.GO-JEK.WWW01189360091435733160090210G5733160090303UMI51440014ID.CO.QRIS.WWW"
        "0215ID10243445564680303UMI5204581253033605802ID5911FAMILY FARM6005Medan61052011162070703A016304485F",
        {"scheme": "qris", "currency": "IDR", "merchant_name": "FAMILY FARM", "merchant_city": "Medan"},
    ),
    # VietQR (NAPAS) transfer to an account with amount and purpose, from a Vietnamese invoice sample
    # in public GitHub code; 52, 59 and 60 are absent as NAPAS allows.
    (
        "00020101021238540010A00000072701240006970436011010234567890208QRIBFTTA5303704540719430005802VN"
        "62120808TT0000696304A8E5",
        {"scheme": "vietqr", "currency": "VND", "amount": "1943000", "amount_minor": 1943000, "merchant_name": None},
    ),
    # VietQR to a card (QRIBFTTC), a CRC unit test in a public PHP project (expects A203).
    (
        "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC530370454061800005802VN"
        "62340107NPS68690819thanh toan don hang6304A203",
        {"scheme": "vietqr", "amount": "180000", "reference": None},
    ),
    # Bharat QR with UPI (NPCI A000000524) and card networks, Razorpay's documentation example.
    (
        "000201010212021643926300000000850415540461000000008061661005900000000890827YESB0CMSNOC222333004882700"
        "126430010A0000005240117razorpaybqr@icici02041.1027350010A0000005240117RZPGT8ildsFTgS5Sp5204753153033565"
        "4041.105802IN5906zxcbmn6005Delhi610611008562300514GT8ildsFTgS5Sp070838R004506304B6A9",
        {"scheme": "upi", "currency": "INR", "amount": "1.10", "reference": "GT8ildsFTgS5Sp", "mcc": "7531"},
    ),
    # Bharat QR printed by Punjab National Bank, with a lowercase CRC (public GitHub code).
    (
        "000201010211021645992400041983220415545927000419832061661000500041983220827PUNB00420004200012100033662"
        "26410010A00000052401230514200A0000151.mab@pnb27260010A00000052401080601414A5204939953033565802IN"
        "5923CENTRAL WAREHOUSING COR6008GHAZIPUR6106110096621207080601414A6304b8e4",
        {"scheme": "upi", "crc": "b8e4", "merchant_city": "GHAZIPUR"},
    ),
    # Hong Kong FPS, an Odoo l10n_hk test (EMV QR for an invoice).
    (
        "00020101021226330012hk.com.hkicl0313+852-6789123452040000530334454031005802HK5914company_1_data6002HK"
        "62170513INV/TEST/00016304A154",
        {"scheme": "fps", "currency": "HKD", "amount": "100", "reference": "INV/TEST/0001"},
    ),
    # Pix (Brazil) with a transaction id in 62/05, public GitHub code.
    (
        "00020126360014br.gov.bcb.pix0114+5598984294874520400005303986540510.005802BR5918Lucas Lopes Caldas"
        "6009Sao Paulo62290525REC678BCBC0DB9B48460464606304B92A",
        {"scheme": "pix", "currency": "BRL", "amount": "10.00", "reference": "REC678BCBC0DB9B4846046460"},
    ),
    # PromptPay bill payment (Krungthai shop QR) from a Thai QR library's tests.
    (
        "00020101021130730016A0000006770101120115010753700088205021916151060181105030020307PIRASIT53037645802TH"
        "620807040000630443A3",
        {"scheme": "promptpay", "point_of_initiation": "static"},
    ),
]

# Published payloads that are broken, and the reason we must give.
BROKEN_PUBLISHED: list[tuple[str, str]] = [
    # Hong Kong FPS "test vector" whose printed CRC is wrong (a public repo notes every CRC library gives D1A3).
    (
        "00020101021226270012hk.com.hkicl0207999999952040000530334454031235802HK5902NA6002HK630484E1",
        "tag 63: CRC mismatch: the payload says 84E1, its content gives D1A3",
    ),
    # A Pix sample whose merchant name is declared 25 long but is 22 (public GitHub code).
    (
        "00020126580014BR.GOV.BCB.PIX0136contato@rossiadvocacia.com.br5204000053039865404500.005802BR"
        "5925ROSSI E ASSOCIADOS ADV6009SAO PAULO62070503***6304E2CA",
        "id 'E ' at position 102 is not two digits",
    ),
]

# TWQR URIs: a PTT MobilePay post (2018) documenting the format, and public generators.
TWQR_VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "TWQRP://個人轉帳/158/02/V1?D1=325400&D5=001&D6=0000598759875987&D10=901",
        {"amount": "3254.00", "amount_minor": 325400, "currency": "TWD", "point_of_initiation": "dynamic"},
    ),
    (
        "TWQRP://個人轉帳/158/02/V1?D6=0028881001686314&D5=812&D10=901",
        {"amount": None, "currency": "TWD", "point_of_initiation": "static", "merchant_name": "個人轉帳"},
    ),
    (
        "TWQRP://812NTTransfer/158/02/V1?D6=0028881001234567&D5=812&D10=901&D1=60000",
        {"amount": "600.00", "amount_minor": 60000},
    ),
    # Punycode service name (個人轉帳) as a JS generator writes it.
    (
        "TWQRP://xn--gmqw5ax42ad01c/158/02/V1?D5=004&D6=0000000012345678&D10=901&D1=10000",
        {"merchant_name": "個人轉帳", "amount": "100.00"},
    ),
    # A purchase code with order number, verification code and acquirer field (a Qt shop app).
    (
        "TWQRP://藏藝點/158/01/V1?D1=50000&D2=000123&D3=AeHoYzwSULbZ&D10=901&D11=00,00400482497653500150010001;01,00400482497653500150010001",
        {"amount": "500.00", "reference": "000123", "scheme_name": "TWQR purchase (FISC)"},
    ),
]
