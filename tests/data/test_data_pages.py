"""The catalogue's pages through the TestClient: who sees what, the schema-correction form's
refusals, CSRF, and the public pages' search-engine markup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.data.models import Dataset, IngestJob
from digiplus.data.schemas import DatasetCreate
from digiplus.data.service import datasets, ingest
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate, UserCreate

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSV = "代碼,名稱,剩餘車位\n" + "".join(f"{i:03d},第{i}停車場,{'滿' if i == 12 else i}\n" for i in range(1, 31))


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class Site:
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any], *, csrf_from: str | None = "/data", **kw: Any) -> Any:
        if csrf_from is not None:
            data = {"csrf_token": _csrf(self.client.get(csrf_from).text), **data}
        return self.client.post(url, data=data, follow_redirects=False, **kw)


@pytest.fixture
def clients(app: Any) -> Iterator[list[TestClient]]:
    made: list[TestClient] = []
    yield made
    for c in made:
        c.__exit__(None, None, None)


@pytest.fixture
def site(app: Any, clients: list[TestClient]) -> Any:
    def _make(email: str | None = None) -> Site:
        c = TestClient(app)
        c.__enter__()
        clients.append(c)
        s = Site(c)
        if email:
            r = s.post("/login", {"email": email, "password": PASSWORD}, csrf_from="/login")
            assert r.status_code == 303, r.text
            r = s.post("/mode", {"mode": "live", "next": "/data"})
            assert r.status_code == 303
        return s

    return _make


def _org(db: Database, name: str, email: str, role: str = "owner") -> str:
    with db.session() as session:
        org = identity.create_organization(session, OrganizationCreate(name=name, kind="agency"))
        user = identity.create_user(session, UserCreate(email=email, name=name, password=PASSWORD))
        identity.add_member(session, None, org.id, user.id, role)  # type: ignore[arg-type]
        return org.id


def _dataset(db: Database, org_id: str, title: str, access: str = "public", csv: str | None = None) -> str:
    with db.session() as session:
        d = datasets.create_dataset(
            session,
            Caller.system(org_id, True),
            DatasetCreate(title_zh=title, title_en=f"{title} (en)", access_rights=access, themes=["TRAN"]),  # type: ignore[arg-type]
        )
        job_id = None
        if csv is not None:
            import io

            job_id = ingest.stage_upload(
                session, Caller.system(org_id, True), d.id, io.BytesIO(csv.encode()), "p.csv"
            ).id
        dataset_id = d.id
    if job_id is not None:
        ingest.run_ingest_job(db, job_id)
    return dataset_id


@pytest.fixture
def world(db: Database) -> dict[str, str]:
    mine = _org(db, "臺北市交通局", "pub@city.example")
    other = _org(db, "高雄市交通局", "pub@kh.example")
    return {
        "mine": mine,
        "other": other,
        "public": _dataset(db, other, "高雄市公有停車場即時剩餘車位"),
        "restricted": _dataset(db, other, "高雄市停車場內部營運紀錄", access="restricted"),
        "failed": _dataset(db, mine, "臺北市公有停車場即時剩餘車位", csv=CSV),
    }


def test_anonymous_sees_public_only(site: Any, world: dict[str, str]) -> None:
    anon = site()
    page = anon.get("/data", params={"q": "停車場"})
    assert page.status_code == 200
    assert "高雄市公有停車場即時剩餘車位" in page.text
    assert "內部營運紀錄" not in page.text
    assert "臺北市公有停車場即時剩餘車位" in page.text  # public metadata, even while its data failed validation
    assert re.search(r'id="result-count"><strong>2 datasets</strong>', page.text)
    assert anon.get(f"/data/datasets/{world['restricted']}").status_code == 404
    assert anon.get(f"/data/datasets/{world['restricted']}/download.csv").status_code == 404
    assert anon.get(f"/data/publishers/{world['other']}").status_code == 200
    assert "內部營運紀錄" not in anon.get(f"/data/publishers/{world['other']}").text
    assert anon.get("/data/publish", follow_redirects=False).status_code == 303  # to the login page


def test_another_orgs_restricted_dataset_is_404_and_its_publisher_sees_it(site: Any, world: dict[str, str]) -> None:
    me = site("pub@city.example")
    assert me.get(f"/data/datasets/{world['restricted']}").status_code == 404
    assert "內部營運紀錄" not in me.get("/data", params={"q": "停車場"}).text
    assert me.get(f"/data/publish/{world['public']}").status_code == 404  # not ours to manage
    owner = site("pub@kh.example")
    page = owner.get(f"/data/datasets/{world['restricted']}")
    assert page.status_code == 200
    assert 'name="robots" content="noindex, follow"' in page.text
    assert '<script type="application/ld+json">' not in page.text  # schema.org only for public data


def test_the_dataset_page_has_schema_org_and_a_canonical_link(site: Any, world: dict[str, str]) -> None:
    page = site().get(f"/data/datasets/{world['public']}")
    head = page.text.split("</head>")[0]
    assert f'<link rel="canonical" href="http://127.0.0.1:8000/data/datasets/{world["public"]}">' in head
    doc = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1))  # type: ignore[union-attr]
    assert doc["@type"] == "Dataset"
    assert doc["name"] == "高雄市公有停車場即時剩餘車位 (en)"  # English first for an English browser
    assert doc["alternateName"] == "高雄市公有停車場即時剩餘車位"
    assert doc["license"] == "https://data.gov.tw/license"
    assert doc["publisher"]["name"] == "高雄市交通局"


def test_schema_correction_refuses_bad_input_naming_the_field_and_writes_nothing(
    site: Any, world: dict[str, str], db: Database
) -> None:
    me = site("pub@city.example")
    url = f"/data/publish/{world['failed']}"
    page = me.get(url)
    assert "1 problem" in page.text
    assert re.search(r"<td class=\"num\">13</td><td class=\"mono\">剩餘車位</td>", page.text)
    with db.session() as session:
        jobs_before = session.scalar(select(func.count()).select_from(IngestJob))
    fields = ["代碼", "名稱", "剩餘車位"]
    r = me.post(
        f"{url}/schema", {"field": fields, "type": ["string", "string", "money"], "format": ["", "", ""]}, csrf_from=url
    )
    assert r.status_code == 422
    assert "Column “剩餘車位”: choose one of the listed types." in r.text
    r = me.post(f"{url}/schema", {"field": fields, "type": ["string", "string"], "format": ["", ""]}, csrf_from=url)
    assert r.status_code == 422
    assert "The form does not match the schema" in r.text
    r = me.post(
        f"{url}/schema",
        {"field": fields, "type": ["string", "date", "string"], "format": ["", "%d.%m.%Y", ""]},
        csrf_from=url,
    )
    assert r.status_code == 422
    assert "名稱" in re.search(r'id="schema-error">([^<]*)', r.text).group(1)  # type: ignore[union-attr]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(IngestJob)) == jobs_before
        assert session.get(Dataset, world["failed"]).version == ""  # type: ignore[union-attr]
    # A good correction validates again and publishes.
    r = me.post(
        f"{url}/schema",
        {"field": fields, "type": ["string", "string", "string"], "format": ["", "", ""]},
        csrf_from=url,
    )
    assert r.status_code == 303
    assert "30 rows published as version 1." in me.get(url).text
    assert "第1停車場" in site().get(f"/data/datasets/{world['failed']}").text


def test_forms_refuse_a_missing_or_foreign_csrf_token(site: Any, world: dict[str, str], db: Database) -> None:
    me = site("pub@city.example")
    body = {"title_zh": "無權杖的資料集", "licence": "CC0-1.0", "access_rights": "public"}
    assert me.post("/data/publish/new", body, csrf_from=None).status_code == 403
    other = site("pub@kh.example")
    foreign = _csrf(other.get("/data").text)
    assert me.post("/data/publish/new", {**body, "csrf_token": foreign}, csrf_from=None).status_code == 403
    url = f"/data/publish/{world['failed']}/schema"
    assert me.post(url, {"field": ["代碼"], "type": ["string"]}, csrf_from=None).status_code == 403
    with db.session() as session:
        assert (
            session.scalar(select(func.count()).select_from(Dataset).where(Dataset.title_zh == "無權杖的資料集")) == 0
        )
    r = me.post("/data/publish/new", body, csrf_from="/data/publish/new")
    assert r.status_code == 303


def test_the_metadata_form_names_the_field(site: Any, world: dict[str, str], db: Database) -> None:
    me = site("pub@city.example")
    r = me.post(
        "/data/publish/new", {"title_zh": "信箱錯誤", "contact_email": "not-an-email"}, csrf_from="/data/publish/new"
    )
    assert r.status_code == 422
    assert "Please check the field “Contact email”." in r.text
    assert 'value="信箱錯誤"' in r.text  # what was typed stays
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Dataset).where(Dataset.title_zh == "信箱錯誤")) == 0


def test_facets_filter_and_htmx_swaps_only_the_results(site: Any, world: dict[str, str]) -> None:
    anon = site()
    r = anon.get("/data", params={"publisher": world["mine"]}, headers={"HX-Request": "true"})
    assert r.text.startswith('<div class="catalogue-grid">')
    assert "臺北市公有停車場即時剩餘車位" in r.text
    assert "高雄市公有停車場" not in r.text
    zh = anon.get("/data", headers={"Accept-Language": "zh-TW"})
    assert "<h1>資料目錄</h1>" in zh.text
    assert "交通運輸" in zh.text


def test_alliance_pages_for_an_admin_and_an_invited_org(site: Any, world: dict[str, str], db: Database) -> None:
    me = site("pub@city.example")
    r = me.post("/data/alliances", {"name_zh": "南北停車資料聯盟", "role": "agency"}, csrf_from="/data/alliances")
    assert r.status_code == 303
    url = r.headers["location"]
    r = me.post(f"{url}/invitations", {"org": "org_nope", "role": "data_user"}, csrf_from=url)
    assert r.status_code == 422  # shown again with the service's reason
    assert "No such organization: &#39;org_nope&#39;" in r.text
    r = me.post(f"{url}/invitations", {"org": world["other"], "role": "data_user"}, csrf_from=url)
    assert r.status_code == 303
    page = me.get(url)
    assert world["other"] in page.text.split('id="invitations"')[1]  # the admin sees the pending invitation
    invited = site("pub@kh.example")
    listing = invited.get("/data/alliances").text
    assert "南北停車資料聯盟" in listing.split('id="my-invitations"')[1]
    invitation = re.search(r'action="/data/invitations/(alli_\w+)/accept"', listing).group(1)  # type: ignore[union-attr]
    r = invited.post(f"/data/invitations/{invitation}/accept", {}, csrf_from="/data/alliances")
    assert r.status_code == 303 and r.headers["location"] == url
    assert "高雄市交通局" in invited.get(url).text
    assert 'id="invitations"' not in invited.get(url).text  # not an admin
