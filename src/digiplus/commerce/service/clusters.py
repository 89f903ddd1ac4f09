"""The market clusters of the plan: "Western" and "New Southbound" (ISO 3166-1 alpha-2 codes)."""

from __future__ import annotations

CLUSTERS: dict[str, tuple[str, ...]] = {
    # US, Canada, the UK and the 27 EU member states
    "western": (
        "US", "CA", "GB",
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ),
    # the New Southbound Policy's 18 countries: ASEAN 10, South Asia 6, Australia, New Zealand
    "new_southbound": (
        "SG", "MY", "TH", "VN", "ID", "PH", "BN", "KH", "LA", "MM",
        "IN", "PK", "BD", "LK", "NP", "BT",
        "AU", "NZ",
    ),
}  # fmt: skip
CLUSTER_NAMES = {"western": "Western", "new_southbound": "New Southbound"}

LANGUAGES = ("zh-TW", "en", "ja", "ko", "vi", "th", "id", "ms")
