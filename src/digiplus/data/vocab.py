"""Controlled vocabularies of the catalogue, as code tables with their URIs.

Datasets store the codes; DCAT output turns them into the URIs below (EU Publications
Office authority tables, Creative Commons, data.gov.tw).
"""

from __future__ import annotations

from dataclasses import dataclass

EU_AUTHORITY = "http://publications.europa.eu/resource/authority"

# EU data themes (http://publications.europa.eu/resource/authority/data-theme): code -> (en, zh-TW).
THEMES: dict[str, tuple[str, str]] = {
    "AGRI": ("Agriculture, fisheries, forestry and food", "農業、漁業、林業與食品"),
    "ECON": ("Economy and finance", "經濟與金融"),
    "EDUC": ("Education, culture and sport", "教育、文化與運動"),
    "ENER": ("Energy", "能源"),
    "ENVI": ("Environment", "環境"),
    "GOVE": ("Government and public sector", "政府與公部門"),
    "HEAL": ("Health", "健康"),
    "INTR": ("International issues", "國際事務"),
    "JUST": ("Justice, legal system and public safety", "司法、法制與公共安全"),
    "REGI": ("Regions and cities", "區域與城市"),
    "SOCI": ("Population and society", "人口與社會"),
    "TECH": ("Science and technology", "科學與技術"),
    "TRAN": ("Transport", "交通運輸"),
}


def theme_uri(code: str) -> str:
    return f"{EU_AUTHORITY}/data-theme/{code}"


@dataclass(frozen=True)
class Licence:
    code: str
    uri: str
    title_en: str
    title_zh: str
    open: bool


LICENCES: dict[str, Licence] = {
    lic.code: lic
    for lic in (
        Licence(
            "OGDL-Taiwan-1.0",
            "https://data.gov.tw/license",
            "Open Government Data License, version 1.0 (Taiwan)",
            "政府資料開放授權條款－第1版",
            True,
        ),
        Licence(
            "CC-BY-4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            "Creative Commons Attribution 4.0",
            "創用CC 姓名標示 4.0",
            True,
        ),
        Licence(
            "CC-BY-SA-4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            "Creative Commons Attribution-ShareAlike 4.0",
            "創用CC 姓名標示－相同方式分享 4.0",
            True,
        ),
        Licence(
            "CC0-1.0",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "Creative Commons Zero 1.0 (public domain dedication)",
            "創用CC 零授權 1.0（公眾領域貢獻宣告）",
            True,
        ),
        Licence(
            "ODbL-1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            "Open Database License 1.0",
            "開放資料庫授權 1.0",
            True,
        ),
        Licence(
            "proprietary",
            "urn:digiplus:licence:proprietary",  # no public document: the terms come with the dataset
            "Proprietary: terms set by the publisher",
            "專有授權：依發布者條款",
            False,
        ),
    )
}

# EU frequency vocabulary (http://publications.europa.eu/resource/authority/frequency).
FREQUENCIES: dict[str, tuple[str, str]] = {
    "UPDATE_CONT": ("continuously updated", "持續更新"),
    "1MIN": ("every minute", "每分鐘"),
    "5MIN": ("every five minutes", "每五分鐘"),
    "HOURLY": ("hourly", "每小時"),
    "DAILY": ("daily", "每日"),
    "WEEKLY": ("weekly", "每週"),
    "BIWEEKLY": ("every two weeks", "每兩週"),
    "MONTHLY": ("monthly", "每月"),
    "QUARTERLY": ("quarterly", "每季"),
    "BIENNIAL": ("every two years", "每兩年"),
    "ANNUAL": ("annual", "每年"),
    "IRREG": ("irregular", "不定期"),
    "NEVER": ("never", "不更新"),
    "UNKNOWN": ("unknown", "未知"),
}


def frequency_uri(code: str) -> str:
    return f"{EU_AUTHORITY}/frequency/{code}"


# Access rights: our three levels and the EU access-right code each maps to.
ACCESS_RIGHTS: dict[str, tuple[str, str, str]] = {
    "public": ("PUBLIC", "public", "公開"),
    "alliance": ("RESTRICTED", "alliance members only", "限聯盟成員"),
    "restricted": ("NON_PUBLIC", "restricted to the publisher", "限發布者"),
}


def access_right_uri(code: str) -> str:
    return f"{EU_AUTHORITY}/access-right/{ACCESS_RIGHTS[code][0]}"


# File types (EU file-type codes) with their media types.
FORMATS: dict[str, str] = {
    "CSV": "text/csv",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "PARQUET": "application/vnd.apache.parquet",
    "JSON": "application/json",
    "XML": "application/xml",
    "GEOJSON": "application/geo+json",
    "HTML": "text/html",
}


def file_type_uri(code: str) -> str:
    return f"{EU_AUTHORITY}/file-type/{code}"
