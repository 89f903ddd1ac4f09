"""Who takes part in the demo's year of payments, and when they trade.

Merchants across the plan's scenarios and Taiwan's cities, each with its MCC, fee plan and a
rhythm (open days, busy hours, seasons); locals with a home city; visitors from Japan, Korea,
the USA, Thailand and Vietnam who come on trips. ``demo/payments.py`` turns this into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Monday .. Sunday
WEEK = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Shop:
    slug: str  # a part-1 org slug (oyster, clinic, campus) or a new merchant org
    org_name: str
    display_name: str
    city: str
    mcc: str
    fee_plan: str
    per_day: float  # payments on an ordinary open day, before weekday and season factors
    weekdays: tuple[float, ...]  # factor Monday .. Sunday (0: closed)
    hours: dict[int, int]  # hour of day (Taipei) -> weight
    ticket: tuple[int, int]  # NT$ whole dollars, low .. high
    regulars: float  # share of payments by the shop's regular customers
    foreign: float  # share of payments by visitors from abroad
    season: str = "flat"  # flat | winter_flu | term | summer_holidays | summer


SHOPS: tuple[Shop, ...] = (
    Shop(
        "oyster",
        "",
        "阿明蚵仔煎 A-Ming Oyster Omelette",
        "Taipei",
        "5812",
        "micro",
        22,
        (0.7, 0.7, 0.8, 0.8, 1.2, 1.5, 1.4),
        {17: 2, 18: 5, 19: 8, 20: 8, 21: 6, 22: 4, 23: 2},
        (75, 320),
        0.55,
        0.10,
    ),
    Shop(
        "tainan_stall",
        "阿嬤鹹粥 · Grandma's Savoury Congee (Tainan Garden Night Market)",
        "阿嬤鹹粥 Grandma's Congee",
        "Tainan",
        "5814",
        "micro",
        34,
        (0, 0, 0, 1.0, 0, 1.3, 1.2),  # the Garden Night Market opens Thursday, Saturday and Sunday
        {17: 3, 18: 6, 19: 8, 20: 7, 21: 5, 22: 3, 23: 1},
        (60, 260),
        0.45,
        0.08,
    ),
    Shop(
        "clinic",
        "",
        "仁心家醫科診所 Renxin Family Clinic",
        "Taichung",
        "8011",
        "standard",
        12,
        (1.2, 1.0, 1.0, 1.0, 1.1, 0.6, 0),
        {8: 3, 9: 8, 10: 8, 11: 6, 14: 3, 15: 4, 16: 3, 18: 3, 19: 4, 20: 2},
        (150, 650),
        0.75,
        0.01,
        "winter_flu",
    ),
    Shop(
        "campus",
        "",
        "椰林校園書店 Palm Avenue Campus Shop",
        "Hsinchu",
        "5943",
        "standard",
        16,
        (1.0, 1.0, 1.0, 1.0, 0.9, 0.2, 0.1),
        {8: 2, 9: 3, 10: 6, 11: 4, 12: 8, 13: 5, 15: 4, 16: 4, 17: 3},
        (30, 850),
        0.8,
        0.03,
        "term",
    ),
    Shop(
        "mrt_kiosk",
        "捷運台北車站服務亭 · Taipei Main Station MRT Kiosk",
        "台北車站捷運服務亭 Taipei Main Station MRT Kiosk",
        "Taipei",
        "4111",
        "standard",
        26,
        (1.0, 1.0, 1.0, 1.0, 1.1, 0.6, 0.5),
        {7: 7, 8: 9, 9: 4, 11: 2, 13: 2, 16: 3, 17: 7, 18: 8, 19: 4, 21: 2},
        (20, 120),
        0.45,
        0.10,
    ),
    Shop(
        "hualien_bnb",
        "七星潭海景民宿 · Qixingtan Seaview B&B (Hualien)",
        "七星潭海景民宿 Qixingtan Seaview B&B",
        "Hualien",
        "7011",
        "standard",
        2.5,
        (0.6, 0.6, 0.7, 0.8, 1.6, 2.0, 0.8),
        {11: 1, 14: 2, 15: 5, 16: 5, 17: 4, 18: 3, 19: 2, 20: 1},
        (1800, 6800),
        0.10,
        0.35,
        "summer_holidays",
    ),
    Shop(
        "kaohsiung_museum",
        "高雄市立美術館禮品店 · Kaohsiung Museum of Fine Arts Shop",
        "高美館禮品店 KMFA Museum Shop",
        "Kaohsiung",
        "5971",
        "standard",
        9,
        (0, 0.8, 0.8, 0.9, 1.0, 1.8, 1.7),  # museums close on Mondays
        {10: 2, 11: 4, 12: 3, 13: 4, 14: 6, 15: 7, 16: 5, 17: 3},
        (150, 1500),
        0.2,
        0.15,
    ),
    Shop(
        "bubble_tea",
        "大安珍奶 · Da'an Bubble Tea",
        "大安珍奶 Da'an Bubble Tea",
        "Taipei",
        "5814",
        "micro",
        18,
        (0.9, 0.9, 0.9, 1.0, 1.2, 1.4, 1.3),
        {11: 2, 12: 4, 13: 3, 14: 3, 15: 6, 16: 6, 17: 4, 18: 3, 19: 4, 20: 5, 21: 3},
        (45, 180),
        0.6,
        0.08,
        "summer",
    ),
    Shop(
        "district_office",
        "桃園區戶政事務所 · Taoyuan District Household Registration Office",
        "桃園區戶政事務所 Taoyuan Household Registration",
        "Taoyuan",
        "9399",
        "standard",
        6,
        (1.2, 1.0, 1.0, 1.0, 1.0, 0, 0),
        {8: 4, 9: 6, 10: 6, 11: 5, 13: 4, 14: 5, 15: 5, 16: 3},
        (15, 450),
        0.1,
        0.0,
    ),
)

# The visitor login's week around Taiwan (the last eight days of the year): day of the trip,
# shop, hour (Taipei); the visitor buys a basket of the shop's menu. A stop on a day the shop is
# closed is skipped.
ITINERARY: tuple[tuple[int, str, int], ...] = (
    (0, "mrt_kiosk", 9),
    (0, "oyster", 20),
    (1, "bubble_tea", 15),
    (2, "hualien_bnb", 16),
    (3, "kaohsiung_museum", 14),
    (4, "tainan_stall", 19),
    (5, "oyster", 21),
    (6, "bubble_tea", 16),
    (7, "mrt_kiosk", 8),
)

CITIES = (
    "Taipei",
    "Taipei",
    "Taipei",
    "New Taipei",
    "Taoyuan",
    "Hsinchu",
    "Taichung",
    "Tainan",
    "Kaohsiung",
    "Hualien",
)

# A few common Taiwanese given names and family names, for the customers without logins.
FAMILY = ("陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭", "謝", "郭", "洪", "曾")
GIVEN = ("怡君", "志明", "雅婷", "家豪", "淑芬", "冠宇", "佳穎", "承翰", "宜蓁", "俊傑", "詩涵", "宗翰", "欣妤", "柏翰")

# Visitors: (currency, country, names), and the share of visitors from each place.
VISITOR_ORIGINS: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("JPY", "JP", ("Sato Yui", "Suzuki Haruto", "Takahashi Aoi", "Tanaka Ren", "Ito Hina"), 35),
    ("KRW", "KR", ("Kim Min-jun", "Lee Seo-yeon", "Park Ji-ho", "Choi Ha-eun"), 20),
    ("USD", "US", ("Emily Johnson", "Michael Brown", "Sarah Miller", "David Garcia"), 20),
    ("THB", "TH", ("Somchai Srisuk", "Nattaya Chaiyaporn", "Kittisak Boonmee"), 15),
    ("VND", "VN", ("Nguyen Van An", "Tran Thi Mai", "Le Minh Duc"), 10),
)


def season(kind: str, day: date) -> float:
    """How busy a season makes a shop, by its kind."""
    m, d = day.month, day.day
    if kind == "winter_flu":
        return 1.35 if m in (12, 1, 2) else 0.9 if m in (7, 8) else 1.0
    if kind == "term":  # two terms: mid-September to mid-January, mid-February to mid-June
        in_term = (m == 9 and d >= 10) or m in (10, 11, 12) or (m == 1 and d <= 15)
        in_term = in_term or (m == 2 and d >= 20) or m in (3, 4, 5) or (m == 6 and d <= 20)
        return 1.0 if in_term else 0.15
    if kind == "summer_holidays":
        return 1.8 if m in (7, 8) else 1.4 if (m == 2 and d <= 15) else 0.8 if m in (3, 11) else 1.0
    if kind == "summer":
        return 1.4 if m in (6, 7, 8, 9) else 0.8 if m in (12, 1) else 1.0
    return 1.0
