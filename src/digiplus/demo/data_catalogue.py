"""What the demo catalogue is made of: its publishers, dataset templates by topic, cities, and
the small tables generated for the datasets that get real data. Plain data, no database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from digiplus.identity.schemas import OrgKind


@dataclass(frozen=True)
class Publisher:
    slug: str
    name: str
    kind: OrgKind
    contact: str
    email: str


# Publishers of the demo catalogue (fictional bodies named after the kind of agency that publishes
# such data in Taiwan); "agency", "association", "enterprise" and "startup" are the demo world's.
PUBLISHERS: tuple[Publisher, ...] = (
    Publisher(
        "mobility", "運輸資料流通中心 · Mobility Data Exchange Centre", "agency", "資料服務組", "open@mobility.example"
    ),
    Publisher(
        "taipei-dot",
        "臺北市交通資料處 · Taipei City Traffic Data Office",
        "agency",
        "資訊科",
        "data@taipei-dot.example",
    ),
    Publisher("tourism", "觀光資訊署 · Tourism Information Administration", "agency", "資訊室", "data@tourism.example"),
    Publisher("health", "健康資料中心 · Health Data Centre", "agency", "統計科", "data@health.example"),
    Publisher(
        "culture", "文化資料開放辦公室 · Culture Open Data Office", "agency", "文化資源組", "open@culture.example"
    ),
    Publisher(
        "commerce", "商業發展資料室 · Commerce Development Data Office", "agency", "商業統計科", "data@commerce.example"
    ),
    Publisher(
        "franchise",
        "台灣連鎖加盟數據協會 · Taiwan Chain Store Data Association",
        "association",
        "秘書處",
        "info@franchise.example",
    ),
    Publisher(
        "islandmart",
        "島嶼便利商店股份有限公司 · Island Mart Co., Ltd.",
        "enterprise",
        "數據服務部",
        "data@islandmart.example",
    ),
    Publisher(
        "formosabus",
        "福爾摩沙客運股份有限公司 · Formosa Bus Co., Ltd.",
        "enterprise",
        "營運資料課",
        "data@formosabus.example",
    ),
    Publisher("yushan", "玉山健康科技 · Yushan Health Tech", "startup", "資料團隊", "hello@yushan.example"),
)

CITIES: tuple[tuple[str, str], ...] = (
    ("臺北市", "Taipei City"),
    ("新北市", "New Taipei City"),
    ("桃園市", "Taoyuan City"),
    ("臺中市", "Taichung City"),
    ("臺南市", "Tainan City"),
    ("高雄市", "Kaohsiung City"),
    ("基隆市", "Keelung City"),
    ("新竹市", "Hsinchu City"),
    ("嘉義市", "Chiayi City"),
    ("宜蘭縣", "Yilan County"),
    ("花蓮縣", "Hualien County"),
    ("臺東縣", "Taitung County"),
    ("屏東縣", "Pingtung County"),
    ("澎湖縣", "Penghu County"),
    ("金門縣", "Kinmen County"),
    ("南投縣", "Nantou County"),
)


@dataclass(frozen=True)
class Template:
    """One kind of dataset, published per city by ``publisher`` (``{c}``: the city's name)."""

    key: str
    publisher: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    themes: tuple[str, ...]
    frequency: str
    table: str  # which generated table its data file has ("" for metadata only)
    licence: str = "OGDL-Taiwan-1.0"


TEMPLATES: tuple[Template, ...] = (
    Template(
        "parking",
        "taipei-dot",
        "{c}公有停車場即時剩餘車位",
        "{c} public car parks: available spaces in real time",
        "{c}公有路外停車場之名稱、總車位與即時剩餘車位，每五分鐘更新。",
        "Names, capacity and real-time free spaces of {c}'s public off-street car parks, every five minutes.",
        ("停車場", "停車", "剩餘車位"),
        ("parking", "car park"),
        ("TRAN", "REGI"),
        "5MIN",
        "parking",
    ),
    Template(
        "bus",
        "mobility",
        "{c}公車站牌與路線",
        "{c} bus stops and routes",
        "{c}市區公車路線、站序與站牌位置（WGS84 經緯度）。",
        "City bus routes of {c}, stop sequences and stop positions (WGS84).",
        ("公車", "站牌", "路線"),
        ("bus", "stops", "routes"),
        ("TRAN",),
        "WEEKLY",
        "bus_stops",
    ),
    Template(
        "bike",
        "mobility",
        "{c}公共自行車租賃站即時資訊",
        "{c} public bike stations: live availability",
        "{c}公共自行車各站可借與可還車輛數。",
        "Bikes available and free docks at each public bike station in {c}.",
        ("自行車", "微笑單車", "租賃站"),
        ("bike sharing", "stations"),
        ("TRAN", "REGI"),
        "1MIN",
        "bike",
    ),
    Template(
        "traffic",
        "mobility",
        "{c}路段平均車速",
        "{c} average road speeds",
        "{c}主要路段車輛偵測器每五分鐘平均車速與流量。",
        "Five-minute average speed and volume from vehicle detectors on {c}'s main roads.",
        ("車速", "車流", "偵測器"),
        ("traffic", "speed", "vehicle detectors"),
        ("TRAN",),
        "5MIN",
        "",
    ),
    Template(
        "attractions",
        "tourism",
        "{c}觀光景點",
        "{c} tourist attractions",
        "{c}觀光景點名稱、類別、開放時間與地址。",
        "Tourist attractions in {c}: names, categories, opening hours and addresses.",
        ("觀光", "景點", "旅遊"),
        ("tourism", "attractions"),
        ("EDUC", "REGI"),
        "MONTHLY",
        "attractions",
    ),
    Template(
        "hotels",
        "tourism",
        "{c}旅宿業登記資料",
        "{c} registered hotels and homestays",
        "{c}合法旅館與民宿之名稱、房間數與評鑑等級。",
        "Licensed hotels and homestays in {c}: names, rooms and ratings.",
        ("旅宿", "民宿", "旅館"),
        ("hotels", "homestays", "accommodation"),
        ("ECON", "REGI"),
        "MONTHLY",
        "",
    ),
    Template(
        "visitors",
        "tourism",
        "{c}主要景點遊客人次",
        "{c} visitors at main attractions",
        "{c}主要觀光遊憩區每月遊客人次統計。",
        "Monthly visitor counts at {c}'s main recreation areas.",
        ("遊客", "人次", "觀光統計"),
        ("visitors", "tourism statistics"),
        ("ECON", "SOCI"),
        "MONTHLY",
        "visitors",
    ),
    Template(
        "clinics",
        "health",
        "{c}醫療院所名冊",
        "{c} hospitals and clinics",
        "{c}醫院與診所之名稱、科別、地址與電話。",
        "Hospitals and clinics in {c}: names, specialties, addresses and phone numbers.",
        ("醫療院所", "診所", "醫院"),
        ("clinics", "hospitals", "health care"),
        ("HEAL",),
        "MONTHLY",
        "clinics",
    ),
    Template(
        "pharmacies",
        "health",
        "{c}健保特約藥局",
        "{c} pharmacies under national health insurance",
        "{c}健保特約藥局名稱、地址與營業時間。",
        "Pharmacies contracted by the national health insurance in {c}.",
        ("藥局", "健保"),
        ("pharmacies", "health insurance"),
        ("HEAL",),
        "WEEKLY",
        "",
    ),
    Template(
        "aed",
        "health",
        "{c}公共場所 AED 設置地點",
        "{c} AED locations in public places",
        "{c}公共場所自動體外心臟電擊去顫器設置地點。",
        "Locations of automated external defibrillators in {c}'s public places.",
        ("AED", "急救"),
        ("AED", "first aid", "defibrillator"),
        ("HEAL", "JUST"),
        "MONTHLY",
        "",
    ),
    Template(
        "venues",
        "culture",
        "{c}藝文展演場館",
        "{c} arts and performance venues",
        "{c}藝文展演場館名稱、類型、座位數與地址。",
        "Arts and performance venues in {c}: names, types, seats and addresses.",
        ("藝文", "展演", "場館"),
        ("culture", "venues", "performing arts"),
        ("EDUC",),
        "ANNUAL",
        "venues",
    ),
    Template(
        "events",
        "culture",
        "{c}藝文活動",
        "{c} arts and culture events",
        "{c}近期展覽、表演與節慶活動。",
        "Upcoming exhibitions, performances and festivals in {c}.",
        ("藝文活動", "展覽", "表演"),
        ("events", "exhibitions", "festivals"),
        ("EDUC", "SOCI"),
        "DAILY",
        "",
    ),
    Template(
        "heritage",
        "culture",
        "{c}文化資產",
        "{c} cultural heritage sites",
        "{c}古蹟、歷史建築與聚落之登錄資料。",
        "Monuments, historic buildings and settlements registered in {c}.",
        ("古蹟", "文化資產", "歷史建築"),
        ("heritage", "monuments"),
        ("EDUC", "REGI"),
        "ANNUAL",
        "",
    ),
    Template(
        "stores",
        "commerce",
        "{c}連鎖便利商店分布",
        "{c} convenience stores",
        "{c}連鎖便利商店門市名稱、地址與經緯度。",
        "Convenience store branches in {c}: names, addresses, coordinates.",
        ("便利商店", "零售", "門市"),
        ("convenience stores", "retail"),
        ("ECON",),
        "MONTHLY",
        "",
    ),
    Template(
        "markets",
        "commerce",
        "{c}傳統市場與夜市",
        "{c} traditional markets and night markets",
        "{c}傳統零售市場與夜市之攤位數與營業時間。",
        "Traditional markets and night markets in {c}: stalls and opening hours.",
        ("夜市", "市場", "攤販"),
        ("night markets", "markets", "retail"),
        ("ECON", "REGI"),
        "ANNUAL",
        "markets",
    ),
    Template(
        "retail",
        "franchise",
        "{c}零售業營業額月報",
        "{c} retail sales by month",
        "{c}零售業各業別每月營業額（新臺幣千元）。",
        "Monthly retail sales in {c} by trade (thousand TWD).",
        ("零售", "營業額"),
        ("retail sales", "turnover"),
        ("ECON",),
        "MONTHLY",
        "retail_sales",
        "CC-BY-4.0",
    ),
    Template(
        "footfall",
        "islandmart",
        "{c}門市來客數",
        "{c} store footfall",
        "島嶼便利商店 {c} 各門市每小時來客數（去識別化）。",
        "Hourly customer counts at Island Mart stores in {c} (anonymised).",
        ("來客數", "便利商店"),
        ("footfall", "convenience stores"),
        ("ECON",),
        "DAILY",
        "footfall",
        "proprietary",
    ),
    Template(
        "ridership",
        "formosabus",
        "{c}客運路線載客量",
        "{c} bus ridership by route",
        "福爾摩沙客運 {c} 各路線每日載客人次。",
        "Daily passengers per Formosa Bus route in {c}.",
        ("載客量", "客運"),
        ("ridership", "bus"),
        ("TRAN",),
        "DAILY",
        "ridership",
        "CC-BY-4.0",
    ),
    Template(
        "steps",
        "yushan",
        "{c}居民每日步數統計",
        "{c} daily step counts of residents",
        "玉山健康科技穿戴裝置使用者每日平均步數，依行政區彙總。",
        "Average daily steps of wearable users, aggregated by district of {c}.",
        ("步數", "健康", "穿戴裝置"),
        ("steps", "wearables", "health"),
        ("HEAL", "SOCI"),
        "DAILY",
        "",
        "proprietary",
    ),
)


def demo_key(template: Template, city_en: str) -> str:
    return f"urn:digiplus:demo:{template.key}:{city_en.lower().replace(' ', '-')}"


# --- generated tables (deterministic: seeded by the dataset's key) ---------------------------


def _rng(key: str) -> random.Random:
    return random.Random(key)  # noqa: S311  (demo data, not secrets)


def table_csv(kind: str, city_zh: str, key: str, rows: int = 60) -> str:
    """A small CSV for ``kind``; a few cells are deliberately blank, as in real exports."""
    r = _rng(key)
    day = date(2026, 11, 1)
    lines: list[str]
    if kind == "parking":
        lines = ["停車場代碼,停車場名稱,總車位,剩餘車位,更新時間"]
        for i in range(rows):
            total = r.randint(40, 800)
            lines.append(
                f"P{i + 1:04d},{city_zh}第{i + 1}公有停車場,{total},{r.randint(0, total)},2026-11-30 08:{i % 60:02d}:00"
            )
    elif kind == "bus_stops":
        lines = ["路線,站序,站名,緯度,經度"]
        for i in range(rows):
            lines.append(
                f"{100 + i // 10},{i % 10 + 1},{city_zh}站{i + 1},{24 + r.random():.5f},{120.5 + r.random():.5f}"
            )
    elif kind == "bike":
        lines = ["站點代碼,站名,可借車輛,可還空位,更新時間"]
        for i in range(rows):
            lines.append(
                f"B{i + 1:04d},{city_zh}站點{i + 1},{r.randint(0, 30)},{r.randint(0, 30)},2026-11-30T08:{i % 60:02d}:00+08:00"
            )
    elif kind == "attractions":
        kinds = ["自然景觀", "古蹟", "博物館", "老街", "溫泉", "海灘"]
        lines = ["景點名稱,類別,開放時間,地址"]
        for i in range(rows):
            lines.append(f"{city_zh}景點{i + 1},{r.choice(kinds)},09:00-17:00,{city_zh}中正路{r.randint(1, 400)}號")
    elif kind == "visitors":
        lines = ["月份,遊憩區,遊客人次"]
        for i in range(rows):
            month = (day - timedelta(days=30 * (i // 5))).strftime("%Y-%m-01")
            lines.append(f"{month},{city_zh}遊憩區{i % 5 + 1},{r.randint(2000, 90000)}")
    elif kind == "clinics":
        specialties = ["家醫科", "內科", "小兒科", "牙科", "眼科", "耳鼻喉科"]
        lines = ["機構代碼,名稱,科別,電話,地址"]
        for i in range(rows):
            phone = "" if i % 17 == 3 else f"0{r.randint(2, 8)}-{r.randint(2000000, 8999999)}"
            lines.append(
                f"{r.randint(10**9, 10**10 - 1)},{city_zh}{r.choice(specialties)}診所{i + 1},{r.choice(specialties)},{phone},{city_zh}民生路{r.randint(1, 300)}號"
            )
    elif kind == "venues":
        types = ["劇場", "美術館", "音樂廳", "展覽館", "文化中心"]
        lines = ["場館名稱,類型,座位數,地址"]
        for i in range(rows):
            lines.append(
                f"{city_zh}{r.choice(types)}{i + 1},{r.choice(types)},{r.randint(80, 2000)},{city_zh}文化路{r.randint(1, 200)}號"
            )
    elif kind == "markets":
        lines = ["市場名稱,類型,攤位數,營業時間"]
        for i in range(rows):
            kind_ = "夜市" if i % 3 == 0 else "傳統市場"
            lines.append(
                f"{city_zh}{kind_}{i + 1},{kind_},{r.randint(20, 400)},{'17:00-24:00' if kind_ == '夜市' else '06:00-13:00'}"
            )
    elif kind == "retail_sales":
        trades = ["綜合商品", "食品飲料", "服飾", "資訊通訊", "燃料"]
        lines = ["月份,業別,營業額千元"]
        for i in range(rows):
            month = (day - timedelta(days=30 * (i // 5))).strftime("%Y-%m-01")
            lines.append(f"{month},{trades[i % 5]},{r.randint(100000, 9000000)}")
    elif kind == "footfall":
        lines = ["門市代碼,日期,小時,來客數"]
        for i in range(rows):
            lines.append(f"S{i // 24 + 1:03d},2026-11-29,{i % 24},{r.randint(5, 180)}")
    elif kind == "ridership":
        lines = ["日期,路線,載客人次"]
        for i in range(rows):
            lines.append(f"{(day + timedelta(days=i // 6)).isoformat()},{700 + i % 6},{r.randint(300, 9000)}")
    else:
        raise ValueError(f"no generated table of kind {kind!r}")
    return "\n".join(lines) + "\n"
