"""Harvest a CKAN Action API: ``package_search`` page by page → dataset records.

Field mapping (CKAN → DCAT-AP): ``id`` → identifier; ``title``/``notes`` (or
ckanext-fluent's ``title_translated``/``notes_translated``) → title/description;
``tags`` → keywords; ``groups`` → EU data themes where the group names one,
keywords otherwise; ``license_id``/``license_url`` → licence; ``organization``
→ publisher; ``maintainer``/``author`` (+ e-mail) → contact point; ``url`` →
landing page (else the package's page on the portal); ``version``;
``metadata_created``/``metadata_modified`` → issued/modified; ``resources`` →
distributions; ``extras`` with ckanext-dcat's keys (``frequency``,
``temporal_start``, ``temporal_end``, ``spatial_uri``, ``theme``,
``access_rights``, ``version_notes``, ``language``, ``contact_*``) fill the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digiplus.data.dcat.records import DcatAgent, DcatContact, DcatDataset, DcatDistribution, ItemFailure, ParsedSource
from digiplus.data.dcat.sources.common import (
    MAX_SHORT,
    MAX_TEXT,
    clean,
    guess_language,
    http_url,
    parse_date,
    parse_datetime,
)
from digiplus.data.dcat.vocab import (
    ACCESS_RIGHTS,
    CKAN_GROUP_THEMES,
    CKAN_LICENCES,
    NON_PUBLIC,
    PLACES,
    THEME,
    file_type_uri,
    frequency_from_word,
    licence_from_text,
    media_type_for,
    theme_uri,
)

SEARCH_PATH = "/api/3/action/package_search"


def search_url(source_url: str) -> str:
    """The ``package_search`` endpoint of a portal given by its home or by the endpoint itself."""
    parts = urlsplit(source_url)
    path = parts.path.rstrip("/")
    if not path.endswith(SEARCH_PATH):
        path = path.removesuffix("/api/3/action").removesuffix("/api/3").removesuffix("/api") + SEARCH_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def page_url(endpoint: str, start: int, rows: int) -> str:
    parts = urlsplit(endpoint)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("rows", "start", "sort")]
    query += [("rows", str(rows)), ("start", str(start)), ("sort", "metadata_created asc")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def read_page(body: bytes) -> tuple[int, list[Any]] | str:
    """``(count, results)`` of one ``package_search`` answer, or why it is not one."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"the response is not valid JSON ({str(exc)[:200]})"
    if not isinstance(document, dict):
        return "the response is not a CKAN API answer (expected a JSON object)"
    if document.get("success") is not True:
        error = document.get("error")
        detail = error.get("message") if isinstance(error, dict) else None
        return f"CKAN reported failure: {detail or json.dumps(error)[:200]}"
    result = document.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("results"), list):
        return "the response has no result.results list (is this a package_search endpoint?)"
    count = result.get("count")
    return (count if isinstance(count, int) and count >= 0 else len(result["results"])), result["results"]


def _translated(package: Mapping[str, Any], key: str, limit: int) -> dict[str, str]:
    texts: dict[str, str] = {}
    fluent = package.get(f"{key}_translated")
    if isinstance(fluent, dict):
        for language, value in fluent.items():
            text = clean(value, limit)
            if text and isinstance(language, str):
                texts[language.replace("_", "-")] = text
    plain = clean(package.get("notes" if key == "notes" else key), limit)
    if plain and plain not in texts.values():
        texts.setdefault(guess_language(plain), plain)
    return texts


def _extras(package: Mapping[str, Any]) -> dict[str, str]:
    extras = package.get("extras")
    found: dict[str, str] = {}
    if isinstance(extras, list):
        for item in extras:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                found[item["key"]] = clean(item.get("value"), MAX_TEXT)
    return found


def _distribution(resource: Any, licence: str | None) -> DcatDistribution | None:
    if not isinstance(resource, dict):
        return None
    url = http_url(resource.get("url"))
    if url is None:
        return None
    fmt_name = clean(resource.get("format"), 40) or clean(resource.get("mimetype"), 100)
    media = clean(resource.get("mimetype"), 100) or media_type_for(fmt_name)
    size = resource.get("size")
    name = clean(resource.get("name"))
    description = clean(resource.get("description"), MAX_TEXT)
    is_file = resource.get("url_type") == "upload" or file_type_uri(fmt_name) not in (None, file_type_uri("HTML"))
    return DcatDistribution(
        identifier=clean(resource.get("id"), 200) or url,
        access_url=url,
        download_url=url if is_file else None,
        title={guess_language(name): name} if name else {},
        description={guess_language(description): description} if description else {},
        media_type=media or None,
        format=file_type_uri(fmt_name),
        byte_size=size if isinstance(size, int) and size >= 0 else None,
        license=licence,
        issued=parse_datetime(resource.get("created")),
        modified=parse_datetime(resource.get("last_modified") or resource.get("metadata_modified")),
    )


def package_to_dataset(package: Any, portal: str) -> DcatDataset | ItemFailure:
    """One CKAN package → a dataset record, or why it cannot be one."""
    if not isinstance(package, dict):
        return ItemFailure(None, "an item of result.results is not a JSON object")
    identifier = clean(package.get("id"), 200) or clean(package.get("name"), 200)
    if not identifier:
        return ItemFailure(None, "the package has neither id nor name")
    title = _translated(package, "title", MAX_SHORT)
    if not title:
        return ItemFailure(identifier, "the package has no title")
    if package.get("state", "active") != "active":
        return ItemFailure(identifier, f"the package is {clean(package.get('state'))}, not active")
    extras = _extras(package)
    tags = [clean(tag.get("name")) for tag in package.get("tags") or [] if isinstance(tag, dict)]
    keywords: dict[str, list[str]] = {}
    for word in filter(None, tags):
        keywords.setdefault(guess_language(word), []).append(word)
    themes = set()
    for group in package.get("groups") or []:
        if isinstance(group, dict):
            name = clean(group.get("name")).lower()
            if name in CKAN_GROUP_THEMES:
                themes.add(theme_uri(CKAN_GROUP_THEMES[name]))
            elif clean(group.get("title")):
                label = clean(group.get("title"))
                keywords.setdefault(guess_language(label), []).append(label)
    for theme in (extras.get("theme") or "").replace(",", " ").split():
        if theme.startswith(THEME):
            themes.add(theme)
    licence_id = clean(package.get("license_id"), 100).lower()
    licence = (
        CKAN_LICENCES.get(licence_id)
        or http_url(package.get("license_url"))
        or licence_from_text(clean(package.get("license_title"), 200))
    )
    organization = package.get("organization")
    publisher = None
    if isinstance(organization, dict) and clean(organization.get("title") or organization.get("name")):
        org_name = clean(organization.get("title") or organization.get("name"))
        publisher = DcatAgent(
            name={guess_language(org_name): org_name},
            uri=http_url(extras.get("publisher_uri")) or f"{portal}/organization/{clean(organization.get('name'))}",
        )
    contact = DcatContact(
        name=clean(extras.get("contact_name") or package.get("maintainer") or package.get("author")) or None,
        email=clean(extras.get("contact_email") or package.get("maintainer_email") or package.get("author_email"))
        or None,
    )
    access = extras.get("access_rights")
    if access not in ACCESS_RIGHTS:
        access = NON_PUBLIC if package.get("private") is True else None
    places = [http_url(extras.get("spatial_uri")), PLACES.get(clean(extras.get("spatial_text")).lower())]
    distributions = [_distribution(resource, licence) for resource in package.get("resources") or []]
    name = clean(package.get("name"), 200)
    notes = clean(extras.get("version_notes"), MAX_TEXT)
    return DcatDataset(
        identifier=identifier,
        title=title,
        description=_translated(package, "notes", MAX_TEXT),
        publisher=publisher,
        contact_point=None if contact.is_empty() else contact,
        themes=tuple(sorted(themes)),
        keywords={language: tuple(sorted(set(words))) for language, words in keywords.items()},
        license=licence,
        access_rights=access,
        accrual_periodicity=frequency_from_word(extras.get("frequency") or extras.get("accrual_periodicity")),
        temporal_start=parse_date(extras.get("temporal_start")),
        temporal_end=parse_date(extras.get("temporal_end")),
        spatial=tuple(sorted({p for p in places if p})),
        issued=parse_datetime(extras.get("issued") or package.get("metadata_created")),
        modified=parse_datetime(extras.get("modified") or package.get("metadata_modified")),
        landing_page=http_url(package.get("url")) or (f"{portal}/dataset/{name}" if name else None),
        version=clean(package.get("version"), 100) or None,
        version_notes={guess_language(notes): notes} if notes else {},
        distributions=tuple(d for d in distributions if d is not None),
    )


Fetch = Callable[[str], tuple[bytes, str] | str]
"""``url -> (body, content_type)`` or a reason the fetch failed."""


def harvest_ckan(
    source_url: str,
    fetch: Fetch,
    *,
    rows: int = 100,
    max_items: int = 100_000,
    progress: Callable[[int, int | None], None] | None = None,
) -> ParsedSource:
    """Page through ``package_search`` until ``count`` packages (or an empty page) have come."""
    endpoint = search_url(source_url)
    parts = urlsplit(endpoint)
    portal = urlunsplit((parts.scheme, parts.netloc, parts.path.removesuffix(SEARCH_PATH), "", ""))
    datasets: list[DcatDataset] = []
    failures: list[ItemFailure] = []
    seen: set[str] = set()
    start, pages, total = 0, 0, None
    while total is None or start < min(total, max_items):
        fetched = fetch(page_url(endpoint, start, rows))
        if isinstance(fetched, str):
            return ParsedSource(error=f"page {pages + 1} (start={start}): {fetched}", pages=pages)
        page = read_page(fetched[0])
        if isinstance(page, str):
            return ParsedSource(error=f"page {pages + 1} (start={start}): {page}", pages=pages)
        pages += 1
        total, results = page
        if not results:
            break
        for package in results:
            parsed = package_to_dataset(package, portal)
            if isinstance(parsed, ItemFailure):
                failures.append(parsed)
            elif parsed.identifier in seen:  # a package moved between pages while we read them
                continue
            else:
                seen.add(parsed.identifier)
                datasets.append(parsed)
        start += len(results)
        if progress:
            progress(start, total)
    if total is not None and total > max_items:
        failures.append(ItemFailure(None, f"the source lists {total} packages; only the first {max_items} were read"))
    return ParsedSource(datasets=tuple(datasets), failures=tuple(failures), pages=pages)
