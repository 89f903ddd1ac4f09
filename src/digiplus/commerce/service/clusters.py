"""The market clusters of the plan: "Western" and "New Southbound" (ISO 3166-1 alpha-2 codes)."""

from __future__ import annotations

CLUSTERS: dict[str, tuple[str, ...]] = {
    # US, Canada, the UK and the EU member states most Taiwan SMEs ship to
    "western": ("US", "CA", "GB", "DE", "FR", "NL", "IE", "IT", "ES", "BE", "AT", "SE", "DK", "FI", "PL", "PT"),
    # the New Southbound Policy's 18 countries: ASEAN 10, South Asia 6, Australia, New Zealand
    "new_southbound": (
        "SG", "MY", "TH", "VN", "ID", "PH", "BN", "KH", "LA", "MM",
        "IN", "PK", "BD", "LK", "NP", "BT",
        "AU", "NZ",
    ),
}  # fmt: skip
CLUSTER_NAMES = {"western": "Western", "new_southbound": "New Southbound"}

LANGUAGES = ("zh-TW", "en", "ja", "ko", "vi", "th", "id", "ms")
