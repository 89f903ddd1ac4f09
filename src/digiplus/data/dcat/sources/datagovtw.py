"""Harvest data.gov.tw (政府資料開放平臺): its dataset export → dataset records.

The platform's full catalogue export (``https://data.gov.tw/api/front/dataset/export?format=json``,
also offered as CSV and XML) is a JSON array of objects with Chinese keys:
資料集識別碼, 資料集名稱, 資料提供屬性, 服務分類, 品質檢測, 檔案格式, 資料下載網址,
編碼格式, 資料集上架方式, 資料集描述, 主要欄位說明, 提供機關, 更新頻率, 授權方式,
相關網址, 計費方式, 提供機關聯絡人姓名, 提供機關聯絡人電話, 上架日期,
詮釋資料更新時間, 備註, 資料量. 檔案格式 and 資料下載網址 hold several values
separated by ``;``, in the same order (one distribution each). The metadata API's
JSON (``datasetid``, ``title``, ``description``, ``publisherOID`` = ``oid|機關名稱`` …)
is read too. See docs/data-dcat.md for what was confirmed and where.
"""

from __future__ import annotations

import json
from typing import Any

from digiplus.data.dcat.records import DcatAgent, DcatContact, DcatDataset, DcatDistribution, ItemFailure, ParsedSource
from digiplus.data.dcat.sources.common import (
    MAX_SHORT,
    MAX_TEXT,
    clean,
    http_url,
    parse_date,
    parse_datetime,
    split_list,
)
from digiplus.data.dcat.vocab import (
    DATAGOVTW_THEMES,
    OGDL_TW,
    PLACES,
    PUBLIC,
    file_type_uri,
    frequency_from_zh,
    frequency_uri,
    licence_from_text,
    media_type_for,
    theme_uri,
)

PORTAL = "https://data.gov.tw"
ACCEPT = "application/json"


def _distributions(formats: list[str], urls: list[str], licence: str | None) -> tuple[DcatDistribution, ...]:
    found = []
    for index, url in enumerate(urls):
        checked = http_url(url)
        if checked is None:
            continue
        fmt = formats[index] if index < len(formats) else (formats[0] if len(formats) == 1 else "")
        found.append(
            DcatDistribution(
                identifier=str(index + 1),
                access_url=checked,
                download_url=checked,
                title={"zh-TW": fmt} if fmt else {},
                media_type=media_type_for(fmt),
                format=file_type_uri(fmt),
                license=licence,
            )
        )
    return tuple(found)


def export_row_to_dataset(row: dict[str, Any]) -> DcatDataset | ItemFailure:
    """One row of the dataset export (Chinese keys) → a dataset record."""
    identifier = clean(row.get("資料集識別碼"), 100)
    if not identifier:
        return ItemFailure(None, "the row has no 資料集識別碼")
    title = clean(row.get("資料集名稱"), MAX_SHORT)
    if not title:
        return ItemFailure(identifier, "the row has no 資料集名稱 (title)")
    description = clean(row.get("資料集描述"), MAX_TEXT)
    agency = clean(row.get("提供機關"))
    licence = licence_from_text(clean(row.get("授權方式"), 200))
    contact = DcatContact(
        name=clean(row.get("提供機關聯絡人姓名") or row.get("提供機關聯絡人")) or None,
        phone=clean(row.get("提供機關聯絡人電話")) or None,
    )
    theme = DATAGOVTW_THEMES.get(clean(row.get("服務分類")))
    related = http_url(row.get("相關網址"))
    return DcatDataset(
        identifier=identifier,
        title={"zh-TW": title},
        description={"zh-TW": description} if description else {},
        publisher=DcatAgent(name={"zh-TW": agency}) if agency else None,
        contact_point=None if contact.is_empty() else contact,
        themes=(theme_uri(theme),) if theme else (),
        license=licence,
        access_rights=PUBLIC,
        accrual_periodicity=frequency_from_zh(clean(row.get("更新頻率"))),
        issued=parse_datetime(row.get("上架日期")),
        modified=parse_datetime(row.get("詮釋資料更新時間")),
        landing_page=f"{PORTAL}/dataset/{identifier}",
        documentation=(related,) if related else (),
        language=("zh-TW",),
        distributions=_distributions(split_list(row.get("檔案格式")), split_list(row.get("資料下載網址")), licence),
        column_names=tuple(split_list(row.get("主要欄位說明"), ";、,，")[:200]),
    )


def _v2_frequency(value: Any) -> str | None:
    if not isinstance(value, dict):
        return frequency_from_zh(clean(value))
    if clean(value.get("regularupdate")) == "0":
        return frequency_uri("IRREG")
    return frequency_from_zh(f"每{clean(value.get('Frequency'))}{clean(value.get('unittime'))}")


def metadata_to_dataset(item: dict[str, Any]) -> DcatDataset | ItemFailure:
    """One object of the metadata API (``datasetid``, ``title`` …) → a dataset record."""
    identifier = clean(item.get("datasetid") or item.get("identifier"), 100)
    if not identifier:
        return ItemFailure(None, "the item has no datasetid")
    title = clean(item.get("title"), MAX_SHORT)
    if not title:
        return ItemFailure(identifier, "the item has no title")
    description = clean(item.get("description"), MAX_TEXT)
    agency = clean(item.get("publisherOID")).split("|", 1)[-1].strip()
    licence = OGDL_TW if clean(item.get("license")) == "1" else licence_from_text(clean(item.get("license")))
    contact = DcatContact(
        name=clean(item.get("publisherContactName")) or None,
        email=clean(item.get("publisherContactEmail")) or None,
        phone=clean(item.get("publisherContactPhone")) or None,
    )
    place = PLACES.get(clean(item.get("spatialCoverage")).lower())
    related = http_url(item.get("relatedUrl"))
    distributions = []
    for index, resource in enumerate(item.get("distribution") or []):
        if not isinstance(resource, dict):
            continue
        url = http_url(resource.get("resourceDownloadUrl") or resource.get("resourceAccessUrl"))
        if url is None:
            continue
        fmt = clean(resource.get("resourceFormat"), 40)
        note = clean(resource.get("resourceDescription"), MAX_TEXT)
        distributions.append(
            DcatDistribution(
                identifier=clean(resource.get("resourceid"), 100) or str(index + 1),
                access_url=url,
                download_url=url,
                description={"zh-TW": note} if note else {},
                media_type=media_type_for(fmt),
                format=file_type_uri(fmt),
                license=licence,
                modified=parse_datetime(resource.get("resourceModifiedDate")),
            )
        )
    return DcatDataset(
        identifier=identifier,
        title={"zh-TW": title},
        description={"zh-TW": description} if description else {},
        publisher=DcatAgent(name={"zh-TW": agency}) if agency else None,
        contact_point=None if contact.is_empty() else contact,
        license=licence,
        access_rights=PUBLIC,
        accrual_periodicity=_v2_frequency(item.get("updateFrequency")),
        temporal_start=parse_date(item.get("coverageStartedDate")),
        temporal_end=parse_date(item.get("coverageEndedDate")),
        spatial=(place,) if place else (),
        issued=parse_datetime(item.get("publishedDate")),
        modified=parse_datetime(item.get("modifiedDate")),
        landing_page=f"{PORTAL}/dataset/{identifier}",
        documentation=(related,) if related else (),
        language=("zh-TW",),
        distributions=tuple(distributions),
    )


def parse_datagovtw(body: bytes, content_type: str, *, max_items: int = 100_000) -> ParsedSource:
    """The export (a JSON array), or the API's ``{"success": true, "result": […]}``, → records."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media and "json" not in media and media not in ("text/plain", "application/octet-stream"):
        return ParsedSource(error=f"the source answered {media}, not JSON")
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return ParsedSource(error=f"the response is not valid JSON ({str(exc)[:200]})")
    if isinstance(document, dict):
        if document.get("success") is False:
            return ParsedSource(error="data.gov.tw reported failure (success: false)")
        document = document.get("result", document.get("data", [document]))
        if isinstance(document, dict):
            document = [document]
    if not isinstance(document, list):
        return ParsedSource(error="expected a JSON array of datasets (data.gov.tw's dataset export)")
    datasets: list[DcatDataset] = []
    failures: list[ItemFailure] = []
    seen: set[str] = set()
    for row in document[:max_items]:
        if not isinstance(row, dict):
            failures.append(ItemFailure(None, "an item is not a JSON object"))
            continue
        parsed = export_row_to_dataset(row) if "資料集識別碼" in row else metadata_to_dataset(row)
        if isinstance(parsed, ItemFailure):
            failures.append(parsed)
        elif parsed.identifier in seen:
            failures.append(ItemFailure(parsed.identifier, "the identifier appears twice in the source"))
        else:
            seen.add(parsed.identifier)
            datasets.append(parsed)
    if len(document) > max_items:
        failures.append(
            ItemFailure(None, f"the source lists {len(document)} datasets; only the first {max_items} were read")
        )
    if not datasets and not failures:
        return ParsedSource(error="the source lists no datasets", pages=1)
    return ParsedSource(datasets=tuple(datasets), failures=tuple(failures), pages=1)
