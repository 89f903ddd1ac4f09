"""Records for export and round-trip tests: bilingual datasets, distributions and a series."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from digiplus.data.dcat import vocab
from digiplus.data.dcat.records import (
    DcatAgent,
    DcatCatalog,
    DcatContact,
    DcatDataset,
    DcatDistribution,
    DcatSeries,
)

BASE = "https://catalogue.example.tw/v1/catalog"
SHAPES = Path(__file__).parent / "shapes" / "dcat-ap-SHACL.ttl"

TAIPEI_DOT = DcatAgent(
    name={"zh-TW": "臺北市政府交通局", "en": "Taipei City Department of Transportation"},
    uri="https://catalogue.example.tw/publishers/org_dot",
)
TOURISM = DcatAgent(
    name={"zh-TW": "交通部觀光署", "en": "Tourism Administration"},
    uri="https://catalogue.example.tw/publishers/org_tour",
)


def sample_datasets() -> tuple[DcatDataset, ...]:
    parking = DcatDataset(
        identifier="ds_parking",
        title={"zh-TW": "臺北市公有停車場即時剩餘車位", "en": "Taipei public car parks: free spaces now"},
        description={
            "zh-TW": "每分鐘更新的公有停車場剩餘車位。",
            "en": "Free spaces in public car parks, every minute.",
        },
        publisher=TAIPEI_DOT,
        contact_point=DcatContact(name="交通局資訊室", email="dot-data@gov.taipei", phone="02-27256888"),
        themes=(vocab.theme_uri("TRAN"),),
        keywords={"zh-TW": ("交通", "停車場"), "en": ("car park", "parking")},
        license=vocab.OGDL_TW,
        access_rights=vocab.PUBLIC,
        accrual_periodicity=vocab.frequency_uri("UPDATE_CONT"),
        temporal_start=date(2019, 1, 1),
        spatial=(vocab.PLACES["臺北市"],),
        issued=datetime(2019, 3, 11, 8, 29, 12, tzinfo=UTC),
        modified=datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC),
        landing_page="https://catalogue.example.tw/datasets/ds_parking",
        language=("en", "zh-TW"),
        version="3",
        version_notes={"en": "Adds motorcycle spaces.", "zh-TW": "新增機車位。"},
        in_series=("ser_parking",),
        distributions=(
            DcatDistribution(
                identifier="dist_parking_csv",
                access_url="https://catalogue.example.tw/v1/datasets/ds_parking/download",
                download_url="https://catalogue.example.tw/v1/datasets/ds_parking/download.csv",
                title={"zh-TW": "剩餘車位 CSV", "en": "Free spaces (CSV)"},
                media_type="text/csv",
                format=vocab.file_type_uri("CSV"),
                byte_size=88231,
                license=vocab.OGDL_TW,
                modified=datetime(2024, 5, 2, 3, 0, 0, tzinfo=UTC),
            ),
            DcatDistribution(
                identifier="dist_parking_parquet",
                access_url="https://catalogue.example.tw/v1/datasets/ds_parking/download",
                download_url="https://catalogue.example.tw/v1/datasets/ds_parking/download.parquet",
                title={"en": "Free spaces (Parquet)"},
                media_type="application/vnd.apache.parquet",
                format=vocab.file_type_uri("PARQUET"),
                byte_size=20480,
                license=vocab.OGDL_TW,
            ),
        ),
    )
    parking_2023 = DcatDataset(
        identifier="ds_parking_2023",
        title={"zh-TW": "臺北市停車場使用統計 2023", "en": "Taipei car park use 2023"},
        description={"zh-TW": "2023 年各停車場使用率。", "en": "Use of each car park in 2023."},
        publisher=TAIPEI_DOT,
        themes=(vocab.theme_uri("REGI"), vocab.theme_uri("TRAN")),
        keywords={"zh-TW": ("停車場",)},
        license=vocab.LICENCES["cc-by-4.0"],
        access_rights=vocab.PUBLIC,
        accrual_periodicity=vocab.frequency_uri("ANNUAL"),
        temporal_start=date(2023, 1, 1),
        temporal_end=date(2023, 12, 31),
        issued=datetime(2024, 1, 15, tzinfo=UTC),
        in_series=("ser_parking",),
        distributions=(
            DcatDistribution(
                identifier="dist_2023_xlsx",
                access_url="https://catalogue.example.tw/v1/datasets/ds_parking_2023/download",
                media_type=vocab.media_type_for("XLSX"),
                format=vocab.file_type_uri("XLSX"),
                license=vocab.LICENCES["cc-by-4.0"],
            ),
        ),
    )
    hotels = DcatDataset(
        identifier="ds_hotels",
        title={"zh-TW": "旅館業者名冊", "en": "Licensed hotels"},
        description={"zh-TW": "合法旅館名稱、地址與房間數。", "en": "Names, addresses and rooms of licensed hotels."},
        publisher=TOURISM,
        contact_point=DcatContact(email="data@taiwan.net.tw"),
        themes=(vocab.theme_uri("EDUC"),),
        keywords={"en": ("hotels", "tourism"), "zh-TW": ("旅館",)},
        access_rights=vocab.PUBLIC,
        accrual_periodicity=vocab.frequency_uri("MONTHLY"),
        modified=datetime(2024, 4, 1, 8, tzinfo=UTC),
        landing_page="https://catalogue.example.tw/datasets/ds_hotels",
    )
    return parking, parking_2023, hotels


def sample_series() -> tuple[DcatSeries, ...]:
    return (
        DcatSeries(
            identifier="ser_parking",
            title={"zh-TW": "臺北市停車場資料", "en": "Taipei car park data"},
            description={"zh-TW": "停車場即時與年度資料。", "en": "Live and yearly car park data."},
            publisher=TAIPEI_DOT,
            accrual_periodicity=vocab.frequency_uri("ANNUAL"),
        ),
    )


def sample_catalog(datasets: tuple[DcatDataset, ...] | None = None) -> DcatCatalog:
    return DcatCatalog(
        uri=BASE,
        title={"zh-TW": "digiplus 資料目錄", "en": "digiplus data catalogue"},
        description={"zh-TW": "機關與企業的資料集。", "en": "Datasets from agencies and enterprises."},
        publisher=DcatAgent(name={"en": "digiplus", "zh-TW": "digiplus"}, uri="https://catalogue.example.tw/"),
        homepage="https://catalogue.example.tw/",
        language=("zh-TW", "en"),
        modified=datetime(2024, 6, 1, tzinfo=UTC),
        datasets=sample_datasets() if datasets is None else datasets,
        series=sample_series(),
    )


@lru_cache(maxsize=1)
def shapes() -> Graph:
    return Graph().parse(SHAPES)
