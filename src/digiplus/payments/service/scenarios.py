"""Merchant category codes (ISO 18245 MCC) → the action plan's payment scenarios.

Every payment intent carries its merchant's MCC and scenario, so the insight module can
count mobile payments per scenario. An MCC not in the table is ``other``.
"""

from __future__ import annotations

SCENARIOS = (
    "livelihood_consumption",
    "public_services",
    "transportation",
    "leisure_tourism",
    "medical_institutions",
    "campus",
    "cultural_exhibitions",
    "other",
)

_BY_SCENARIO: dict[str, tuple[str, ...]] = {
    # groceries, markets, food stalls, restaurants, convenience and department stores, bakeries
    "livelihood_consumption": (
        "5411",
        "5412",
        "5422",
        "5441",
        "5451",
        "5462",
        "5499",
        "5812",
        "5813",
        "5814",
        "5311",
        "5331",
        "5399",
        "5651",
        "5691",
        "5699",
        "7210",
        "7230",
    ),
    # utilities, postal, government services, tax, fines, court costs
    "public_services": ("4900", "9211", "9222", "9223", "9311", "9399", "9402"),
    # commuter rail/MRT, rail, taxis, buses, tolls, parking, transport services, fuel
    "transportation": ("4111", "4112", "4121", "4131", "4411", "4457", "4468", "4784", "4789", "7523", "5541", "5542"),
    # hotels, travel agencies, tourist attractions, amusement parks, recreation, souvenirs
    "leisure_tourism": ("3501", "7011", "7012", "4722", "7032", "7033", "7991", "7996", "7997", "7999", "5947"),
    # doctors, dentists, hospitals, clinics, pharmacies, opticians
    "medical_institutions": (
        "8011",
        "8021",
        "8031",
        "8041",
        "8042",
        "8049",
        "8050",
        "8062",
        "8071",
        "8099",
        "5912",
        "5122",
    ),
    # schools, colleges, vocational schools, bookstores and stationery on campus
    "campus": ("8211", "8220", "8241", "8244", "8249", "8299", "5943"),
    # theatres and ticket agencies, orchestras, art dealers and galleries, bookshops, museums' shops
    "cultural_exhibitions": ("7922", "7929", "5942", "5970", "5971", "5972", "5973", "8398"),
}

MCC_SCENARIOS: dict[str, str] = {mcc: scenario for scenario, mccs in _BY_SCENARIO.items() for mcc in mccs}


def scenario_for_mcc(mcc: str) -> str:
    return MCC_SCENARIOS.get(mcc, "other")
