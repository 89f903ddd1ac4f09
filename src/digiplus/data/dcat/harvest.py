"""Harvest: fetch a source (safely) and parse it into records; no database here.

Fetching is behind :class:`HarvestFetcher`, so tests run a real local HTTP
server instead of mocks. :class:`HttpFetcher` is the real one: httpx with a
connect/read timeout and a total deadline, a size limit, no proxies from the
environment, redirects followed by hand (each hop checked again), and the
platform's SSRF guard (``core.webhooks.ssrf``): the host must resolve only to
public addresses and the request goes to the address that was checked. Private
and loopback addresses are allowed only when ``allow_private`` is given or
``DIGIPLUS_HARVEST_ALLOW_PRIVATE_NETWORKS`` is set (the tests do).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from digiplus.core.webhooks.ssrf import UnsafeURL, check_url_syntax, pinned_request_target, resolve_public
from digiplus.data.dcat.records import ParsedSource
from digiplus.data.dcat.sources import ckan, datagovtw, dcat
from digiplus.settings import get_settings

HarvestKind = Literal["dcat", "ckan", "datagovtw"]
HARVEST_KINDS: tuple[HarvestKind, ...] = ("dcat", "ckan", "datagovtw")
USER_AGENT = "digiplus-harvester/1"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The source could not be fetched; the message says why, for the harvest report."""


@dataclass(frozen=True)
class FetchedResponse:
    url: str
    status: int
    content_type: str
    body: bytes


class HarvestFetcher(Protocol):
    def get(self, url: str, *, accept: str) -> FetchedResponse:
        """The body of a 2xx answer to ``GET url``; ``FetchError`` for anything else."""
        ...


class HttpFetcher:
    """The real fetcher (see the module docstring for what it guards against)."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        max_bytes: int | None = None,
        allow_private: bool | None = None,
    ) -> None:
        settings = get_settings()
        self.timeout = timeout if timeout is not None else settings.harvest_timeout_seconds
        self.max_bytes = max_bytes if max_bytes is not None else settings.harvest_max_bytes
        self.allow_private = settings.harvest_allow_private_networks if allow_private is None else allow_private

    def get(self, url: str, *, accept: str) -> FetchedResponse:
        deadline = time.monotonic() + self.timeout * 3
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = self._get_once(url, accept, deadline)
                if isinstance(response, str):  # a redirect
                    url = response
                    continue
                return response
        except UnsafeURL as exc:
            raise FetchError(f"refused before connecting: the URL {exc}") from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch {url}: {type(exc).__name__}: {str(exc)[:200]}") from None
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _get_once(self, url: str, accept: str, deadline: float) -> FetchedResponse | str:
        check_url_syntax(url)
        headers = {"accept": accept, "user-agent": USER_AGENT}
        target, extensions = url, {}
        if not self.allow_private:
            target, headers["host"] = pinned_request_target(url, resolve_public(url)[0])
            extensions = {"sni_hostname": urlsplit(url).hostname or ""}
        with (
            httpx.Client(follow_redirects=False, trust_env=False, timeout=self.timeout) as client,
            client.stream("GET", target, headers=headers, extensions=extensions) as response,
        ):
            if response.is_redirect and "location" in response.headers:
                return urljoin(url, response.headers["location"])
            if response.status_code >= 400:
                raise FetchError(f"the source answered HTTP {response.status_code}")
            if not 200 <= response.status_code < 300:
                raise FetchError(f"the source answered HTTP {response.status_code}, not 200")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(f"the response is {int(declared)} bytes, over the {self.max_bytes}-byte limit")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError(f"the response is over the {self.max_bytes}-byte limit")
                if time.monotonic() > deadline:
                    raise FetchError(f"the response took longer than {self.timeout * 3:g} s in total")
            return FetchedResponse(url, response.status_code, response.headers.get("content-type", ""), bytes(body))


def guess_kind(url: str) -> HarvestKind:
    """``--kind`` left out: CKAN by its API path, data.gov.tw by its host, else DCAT."""
    parts = urlsplit(url)
    if "/api/3/action" in parts.path:
        return "ckan"
    if (parts.hostname or "").endswith("data.gov.tw"):
        return "datagovtw"
    return "dcat"


Progress = Callable[[int, int | None], None]
"""``(items read so far, total or None)``, called after each page."""


def harvest(
    url: str,
    kind: HarvestKind,
    fetcher: HarvestFetcher,
    *,
    rows: int = 100,
    max_items: int = 100_000,
    progress: Progress | None = None,
) -> ParsedSource:
    """Fetch and parse one source; never raises for what the source did (see ``ParsedSource.error``)."""
    try:
        check_url_syntax(url)
    except UnsafeURL as exc:
        return ParsedSource(error=f"the URL {exc}")

    def fetch(page: str, accept: str = "application/json") -> tuple[bytes, str] | str:
        try:
            response = fetcher.get(page, accept=accept)
        except FetchError as exc:
            return str(exc)
        return response.body, response.content_type

    if kind == "ckan":
        return ckan.harvest_ckan(url, fetch, rows=rows, max_items=max_items, progress=progress)
    fetched = fetch(url, dcat.ACCEPT if kind == "dcat" else datagovtw.ACCEPT)
    if isinstance(fetched, str):
        return ParsedSource(error=fetched)
    body, content_type = fetched
    if kind == "dcat":
        parsed = dcat.parse_dcat(body, content_type, max_items=max_items)
    else:
        parsed = datagovtw.parse_datagovtw(body, content_type, max_items=max_items)
    if progress and parsed.error is None:
        progress(len(parsed.datasets) + len(parsed.failures), len(parsed.datasets) + len(parsed.failures))
    return parsed
