"""The controlled vocabularies DCAT-AP 3 asks for, and the maps from local codes to them.

EU vocabularies (publications.europa.eu/resource/authority/…): data themes,
access rights, frequencies, file types, languages, licences. IANA media types.
Each ``*_from_*`` function turns a source's own word (CKAN's ``license_id``,
data.gov.tw's 更新頻率 …) into a URI, or ``None`` when it does not know it —
never a guess dressed up as a URI.
"""

from __future__ import annotations

import re

from rdflib import Namespace

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")

EU = "http://publications.europa.eu/resource/authority/"
THEME = EU + "data-theme/"
ACCESS_RIGHT = EU + "access-right/"
FREQUENCY = EU + "frequency/"
FILE_TYPE = EU + "file-type/"
LANGUAGE = EU + "language/"
LICENCE = EU + "licence/"
IANA = "https://www.iana.org/assignments/media-types/"

# EU data themes: code → (English label, Traditional Chinese label)
THEMES: dict[str, tuple[str, str]] = {
    "AGRI": ("Agriculture, fisheries, forestry and food", "農業、漁業、林業與食品"),
    "ECON": ("Economy and finance", "經濟與財政"),
    "EDUC": ("Education, culture and sport", "教育、文化與運動"),
    "ENER": ("Energy", "能源"),
    "ENVI": ("Environment", "環境"),
    "GOVE": ("Government and public sector", "政府與公部門"),
    "HEAL": ("Health", "健康"),
    "INTR": ("International issues", "國際事務"),
    "JUST": ("Justice, legal system and public safety", "司法與公共安全"),
    "REGI": ("Regions and cities", "區域與城市"),
    "SOCI": ("Population and society", "人口與社會"),
    "TECH": ("Science and technology", "科學與技術"),
    "TRAN": ("Transport", "交通"),
}

PUBLIC = ACCESS_RIGHT + "PUBLIC"
RESTRICTED = ACCESS_RIGHT + "RESTRICTED"
NON_PUBLIC = ACCESS_RIGHT + "NON_PUBLIC"
ACCESS_RIGHTS = (PUBLIC, RESTRICTED, NON_PUBLIC)

FREQUENCIES = (
    "CONT", "UPDATE_CONT", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "BIMONTHLY",
    "QUARTERLY", "ANNUAL_2", "ANNUAL", "BIENNIAL", "IRREG", "NEVER", "UNKNOWN", "OTHER",
)  # fmt: skip

LANGUAGES = {"zh": "ZHO", "en": "ENG", "ja": "JPN", "ko": "KOR", "vi": "VIE", "th": "THA", "id": "IND", "ms": "MSA"}

OGDL_TW = "https://data.gov.tw/license"
"""Taiwan's Open Government Data License, version 1.0 (compatible with CC BY 4.0)."""

LICENCES: dict[str, str] = {
    "ogdl-tw-1.0": OGDL_TW,
    "cc-by-4.0": LICENCE + "CC_BY_4_0",
    "cc-by-sa-4.0": LICENCE + "CC_BY_SA_4_0",
    "cc-by-nc-4.0": LICENCE + "CC_BY_NC_4_0",
    "cc0-1.0": LICENCE + "CC0",
    "odc-by": LICENCE + "ODC_BY",
    "odc-odbl": LICENCE + "ODC_ODBL",
    "odc-pddl": LICENCE + "ODC_PDDL",
}

# file-type code → IANA media type
FILE_TYPES: dict[str, str | None] = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "XML": "application/xml",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "XLS": "application/vnd.ms-excel",
    "ODS": "application/vnd.oasis.opendocument.spreadsheet",
    "PARQUET": "application/vnd.apache.parquet",
    "PDF": "application/pdf",
    "ZIP": "application/zip",
    "GEOJSON": "application/geo+json",
    "KML": "application/vnd.google-earth.kml+xml",
    "SHP": None,
    "HTML": "text/html",
    "TXT": "text/plain",
    "RDF_TURTLE": "text/turtle",
    "JSON_LD": "application/ld+json",
    "RDF_XML": "application/rdf+xml",
    "DOCX": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_FORMAT_ALIASES = {"XLSX": "XLSX", "EXCEL": "XLSX", "TTL": "RDF_TURTLE", "TURTLE": "RDF_TURTLE", "JSONLD": "JSON_LD",
                   "JSON-LD": "JSON_LD", "RDF": "RDF_XML", "RDF/XML": "RDF_XML", "TEXT": "TXT", "HTM": "HTML",
                   "WEBPAGE": "HTML", "GEO+JSON": "GEOJSON", "SHAPEFILE": "SHP"}  # fmt: skip


def theme_uri(code: str) -> str:
    return THEME + code


def theme_label(uri: str) -> tuple[str, str]:
    """English and Chinese labels of a theme URI; an unknown theme is labelled by its last path segment."""
    code = uri.rstrip("/").rsplit("/", 1)[-1]
    return THEMES.get(code, (code, code))


def frequency_uri(code: str) -> str:
    return FREQUENCY + code


def language_uri(tag: str) -> str | None:
    code = LANGUAGES.get(tag.split("-", 1)[0].lower())
    return LANGUAGE + code if code else None


def language_tag(uri: str) -> str | None:
    """``…/language/ZHO`` → ``zh-TW`` (the catalogue's Chinese is Traditional), ``…/ENG`` → ``en``."""
    code = uri.rsplit("/", 1)[-1]
    for tag, eu in LANGUAGES.items():
        if eu == code:
            return "zh-TW" if tag == "zh" else tag
    return None


def file_type_code(name: str | None) -> str | None:
    """``"csv"``, ``".CSV"``, ``"text/csv"`` or a file-type URI → ``"CSV"``; ``None`` when unknown."""
    if not name:
        return None
    value = name.strip()
    if value.startswith(FILE_TYPE):
        return value[len(FILE_TYPE) :] or None
    if "/" in value:  # a media type
        value = value.split(";", 1)[0].strip().lower()
        for code, media in FILE_TYPES.items():
            if media == value:
                return code
        return None
    value = value.lstrip(".").upper()
    value = _FORMAT_ALIASES.get(value, value)
    return value if value in FILE_TYPES else None


def file_type_uri(name: str | None) -> str | None:
    code = file_type_code(name)
    return FILE_TYPE + code if code else None


def media_type_for(code_or_uri: str | None) -> str | None:
    code = file_type_code(code_or_uri)
    return FILE_TYPES.get(code) if code else None


def iana_uri(media_type: str) -> str:
    return IANA + media_type


def media_type_from_uri(uri: str) -> str:
    return uri[len(IANA) :] if uri.startswith(IANA) else uri


# CKAN's license_id values (its default licence list) → licence URIs.
CKAN_LICENCES = {
    "cc-by": LICENCES["cc-by-4.0"],
    "cc-by-4.0": LICENCES["cc-by-4.0"],
    "cc-by-sa": LICENCES["cc-by-sa-4.0"],
    "cc-zero": LICENCES["cc0-1.0"],
    "cc0-1.0": LICENCES["cc0-1.0"],
    "cc-nc": LICENCES["cc-by-nc-4.0"],
    "odc-by": LICENCES["odc-by"],
    "odc-odbl": LICENCES["odc-odbl"],
    "odc-pddl": LICENCES["odc-pddl"],
    "ogdl-taiwan-1.0": OGDL_TW,
    "odl-tw-1.0": OGDL_TW,
}


def licence_from_text(text: str | None) -> str | None:
    """A licence named in words (data.gov.tw's 授權方式, a CKAN licence title) → its URI."""
    if not text:
        return None
    value = text.strip()
    if value.startswith(("http://", "https://")):
        return value
    lowered = value.lower()
    if "政府資料開放授權條款" in value or "open government data license" in lowered:
        return OGDL_TW
    if lowered in CKAN_LICENCES:
        return CKAN_LICENCES[lowered]
    if "cc0" in lowered or "public domain" in lowered or "公眾領域" in value:
        return LICENCES["cc0-1.0"]
    if re.search(r"\bcc[ -]?by\b|創用", lowered + value):
        return LICENCES["cc-by-4.0"]
    return None


# data.gov.tw 更新頻率 → EU frequency code.
_ZH_UNITS = {"分鐘": "CONT", "小時": "HOURLY", "時": "HOURLY", "日": "DAILY", "天": "DAILY", "週": "WEEKLY",
             "周": "WEEKLY", "月": "MONTHLY", "季": "QUARTERLY", "年": "ANNUAL"}  # fmt: skip


def frequency_from_zh(text: str | None) -> str | None:
    """``每日`` / ``每1日`` / ``每6月`` / ``不定期更新`` / ``即時`` → a frequency URI; unknown → ``None``."""
    if not text:
        return None
    value = text.strip().replace(" ", "")
    if "不定期" in value:
        return frequency_uri("IRREG")
    if "即時" in value or "動態" in value:
        return frequency_uri("UPDATE_CONT")
    if "不更新" in value or "停止更新" in value:
        return frequency_uri("NEVER")
    if "半年" in value:
        return frequency_uri("ANNUAL_2")
    match = re.search(r"每(\d*)(分鐘|小時|時|日|天|週|周|月|季|年)", value)
    if not match:
        return None
    count, unit = int(match.group(1) or 1), match.group(2)
    code = _ZH_UNITS[unit]
    if count == 1:
        return frequency_uri(code)
    return frequency_uri(
        {("WEEKLY", 2): "BIWEEKLY", ("MONTHLY", 2): "BIMONTHLY", ("MONTHLY", 3): "QUARTERLY",
         ("MONTHLY", 6): "ANNUAL_2", ("MONTHLY", 12): "ANNUAL", ("ANNUAL", 2): "BIENNIAL"}.get((code, count), "OTHER")
    )  # fmt: skip


def frequency_from_word(text: str | None) -> str | None:
    """A frequency in English words or a URI (CKAN/DCAT extras) → a frequency URI."""
    if not text:
        return None
    value = text.strip()
    if value.startswith(FREQUENCY):
        return value
    words = {"continuous": "CONT", "realtime": "UPDATE_CONT", "real-time": "UPDATE_CONT", "hourly": "HOURLY",
             "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "quarterly": "QUARTERLY",
             "semiannual": "ANNUAL_2", "annual": "ANNUAL", "annually": "ANNUAL", "yearly": "ANNUAL",
             "irregular": "IRREG", "never": "NEVER", "unknown": "UNKNOWN"}  # fmt: skip
    code = words.get(value.lower()) or (value.upper() if value.upper() in FREQUENCIES else None)
    return frequency_uri(code) if code else frequency_from_zh(value)


# data.gov.tw 服務分類 → EU data theme.
DATAGOVTW_THEMES = {
    "交通及通訊": "TRAN", "投資理財": "ECON", "開創事業": "ECON", "求職及就業": "ECON", "休閒旅遊": "EDUC",
    "求學及進修": "EDUC", "就醫": "HEAL", "生育保健": "HEAL", "老年安養": "SOCI", "出生及收養": "SOCI",
    "婚姻": "SOCI", "退休": "SOCI", "生命禮儀": "SOCI", "購屋及遷徙": "REGI", "選舉及投票": "GOVE",
    "公共資訊": "GOVE", "服兵役": "GOVE", "生活安全及品質": "JUST",
}  # fmt: skip

# CKAN group names often used by open-data portals → EU data theme.
CKAN_GROUP_THEMES = {
    "transport": "TRAN", "transportation": "TRAN", "traffic": "TRAN", "economy": "ECON", "finance": "ECON",
    "business": "ECON", "education": "EDUC", "culture": "EDUC", "tourism": "EDUC", "sport": "EDUC",
    "energy": "ENER", "environment": "ENVI", "government": "GOVE", "health": "HEAL", "agriculture": "AGRI",
    "food": "AGRI", "justice": "JUST", "safety": "JUST", "regions": "REGI", "cities": "REGI", "society": "SOCI",
    "population": "SOCI", "science": "TECH", "technology": "TECH", "international": "INTR",
}  # fmt: skip

GEONAMES = "http://sws.geonames.org/"
PLACES = {"臺灣": GEONAMES + "1668284/", "台灣": GEONAMES + "1668284/", "taiwan": GEONAMES + "1668284/",
          "臺北市": GEONAMES + "1668341/", "台北市": GEONAMES + "1668341/", "taipei": GEONAMES + "1668341/"}  # fmt: skip
