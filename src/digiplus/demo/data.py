"""The demo world, part 3: the data catalogue.

A few hundred bilingual datasets (transport, tourism, retail, health, culture) from agencies,
associations and enterprises, real small CSV files ingested for a few dozen of them, two
alliances with members, alliance-only datasets and their use records, and demands on the
board with answers. Everything is live mode (the public catalogue anonymous visitors see).

Idempotent: demo datasets are found by their ``source_uri`` (``urn:digiplus:demo:…``),
publishers by name and kind, alliances by English name, demands by title and poster; a
dataset is ingested only while it has neither data nor an ingest job. Datasets are written
in bulk (one insert and one search-index write), not one service call each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.ids import id_for
from digiplus.data.models import Dataset, Distribution, IngestJob
from digiplus.data.models_alliances import Alliance, AllianceMember, DataDemand, DatasetUse, DemandAnswer
from digiplus.data.schemas import DatasetCreate
from digiplus.data.schemas_alliances import (
    AllianceCreate,
    AnswerCreate,
    DemandCreate,
    InvitationCreate,
    MemberRole,
    UseCreate,
)
from digiplus.data.service import alliances, datasets, demands, ingest
from digiplus.data.service.search import DocInput, write_docs
from digiplus.demo.data_catalogue import CITIES, PUBLISHERS, TEMPLATES, Publisher, demo_key, table_csv
from digiplus.demo.service import DEMO_ORGS
from digiplus.identity import service as identity
from digiplus.identity.models import Organization
from digiplus.identity.schemas import OrganizationCreate

DEFAULT_INGESTS = 36


@dataclass
class DemoData:
    datasets: int = 0  # demo datasets in the catalogue
    created_datasets: int = 0
    ingested: int = 0  # files ingested by this run
    failed_ingests: list[str] = field(default_factory=list)
    alliances: int = 0
    demands: int = 0
    orgs: dict[str, str] = field(default_factory=dict)  # slug -> org id

    def summary(self, address: str = "http://127.0.0.1:8000") -> str:
        made = f"{self.created_datasets} new" if self.created_datasets else "nothing new"
        return (
            f"  Data      {self.datasets} datasets ({made}; {self.ingested} files ingested now), "
            f"{self.alliances} alliances, {self.demands} demands (live mode):\n"
            f"            {address}/data  ·  {address}/data/alliances  ·  {address}/data/demands"
        )


def _org(session: Session, name: str, kind: str) -> Organization:
    org = session.scalars(select(Organization).where(Organization.name == name, Organization.kind == kind)).first()
    if org is None:
        org = identity.create_organization(session, OrganizationCreate(name=name, kind=kind))  # type: ignore[arg-type]
    return org


def _publishers(session: Session) -> dict[str, Organization]:
    orgs = {p.slug: _org(session, p.name, p.kind) for p in PUBLISHERS}
    for spec in DEMO_ORGS:  # the demo world's own data-economy orgs
        if spec.slug in ("agency", "association", "enterprise", "startup"):
            orgs[spec.slug] = _org(session, spec.name, spec.kind)
    return orgs


def _contact(slug: str) -> Publisher | None:
    return next((p for p in PUBLISHERS if p.slug == slug), None)


def _bulk_datasets(session: Session, orgs: dict[str, Organization], cities: tuple[tuple[str, str], ...]) -> int:
    keys = {demo_key(t, en): (t, zh, en) for t in TEMPLATES for zh, en in cities}
    existing = set(session.scalars(select(Dataset.source_uri).where(Dataset.source_uri.in_(list(keys)))))
    now = datetime.now(UTC).replace(microsecond=0)
    rows: list[Dataset] = []
    for n, (key, (t, city_zh, city_en)) in enumerate(sorted(keys.items())):
        if key in existing:
            continue
        org = orgs[t.publisher]
        contact = _contact(t.publisher)
        modified = now - timedelta(hours=7 * (n % 900))
        rows.append(
            Dataset(
                id=id_for("dataset"),
                org_id=org.id,
                livemode=True,
                created=modified - timedelta(days=200),
                issued=modified - timedelta(days=200),
                modified=modified,
                title_zh=t.title_zh.format(c=city_zh),
                title_en=t.title_en.format(c=city_en),
                description_zh=t.description_zh.format(c=city_zh),
                description_en=t.description_en.format(c=city_en),
                keywords_zh=[*t.keywords_zh, city_zh],
                keywords_en=list(t.keywords_en),
                themes=list(t.themes),
                contact_name=contact.contact if contact else "",
                contact_email=contact.email if contact else "",
                licence=t.licence,
                access_rights="public",
                access_alliance_id=None,
                accrual_periodicity=t.frequency,
                temporal_start=date(2020, 1, 1),
                temporal_end=None,
                spatial_label=f"{city_zh} {city_en}",
                spatial_uri="",
                landing_page="",
                series_id=None,
                version="",
                source_uri=key,
            )
        )
    if rows:
        session.add_all(rows)
        session.flush()
        names = {o.id: o.name for o in orgs.values()}
        write_docs(session, [DocInput(d, names.get(d.org_id, ""), [], []) for d in rows])
    return len(rows)


# --- alliances, alliance-only datasets, uses ---------------------------------------------------


@dataclass(frozen=True)
class AllianceSpec:
    founder: str
    body: dict[str, str]
    members: tuple[tuple[str, MemberRole], ...]
    # (publisher, key, title_zh, title_en, themes, keywords_zh, keywords_en) of alliance-only datasets
    datasets: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]
    uses: tuple[tuple[str, str, str], ...]  # (member, dataset key, purpose)


ALLIANCES = (
    AllianceSpec(
        founder="mobility",
        body={
            "name_zh": "智慧交通數據聯盟",
            "name_en": "Smart Mobility Data Alliance",
            "description_zh": "交通主管機關、客運業者與數據服務商共享即時與歷史交通資料，發展到站預測與停車導引服務。",
            "description_en": "Transport authorities, bus operators and data-service firms share live and historical "
            "mobility data to build arrival forecasts and parking guidance.",
            "purpose_zh": "串起交通資料的供應鏈：資料提供、加值、應用。",
            "purpose_en": "One chain for mobility data: supply, enrichment, applications.",
            "role": "agency",
        },
        members=(
            ("taipei-dot", "agency"),
            ("formosabus", "data_supplier"),
            ("startup", "data_user"),
            ("association", "association"),
        ),
        datasets=(
            (
                "formosabus",
                "alliance:bus-arrivals",
                "公車到站紀錄（模型訓練用）",
                "Bus arrival records for model training",
                ("TRAN",),
                ("公車", "到站", "預測"),
                ("bus", "arrivals", "forecasting"),
            ),
            (
                "taipei-dot",
                "alliance:parking-history",
                "停車場歷史占用率",
                "Car park occupancy history",
                ("TRAN", "REGI"),
                ("停車場", "占用率"),
                ("parking", "occupancy"),
            ),
        ),
        uses=(
            ("startup", "alliance:bus-arrivals", "公車到站預測 API / bus arrival forecast API"),
            ("association", "alliance:parking-history", "會員停車導引研究 / parking guidance study"),
            ("startup", "bus:taipei-city", "通勤 App 站牌查詢 / stop lookup in a commuter app"),
            ("association", "parking:taipei-city", "會員停車導引研究 / parking guidance study"),
            ("formosabus", "traffic:taipei-city", "班表調整 / timetable planning"),
        ),
    ),
    AllianceSpec(
        founder="franchise",
        body={
            "name_zh": "觀光零售數據聯盟",
            "name_en": "Tourism & Retail Data Alliance",
            "description_zh": "觀光機關、零售通路與協會共享客流與消費資料，規劃商圈與旅遊行銷。",
            "description_en": "Tourism authorities, retailers and associations share visitor and spending data to plan "
            "shopping districts and tourism marketing.",
            "purpose_zh": "以資料串接觀光與零售。",
            "purpose_en": "Connecting tourism and retail through data.",
            "role": "association",
        },
        members=(
            ("tourism", "agency"),
            ("islandmart", "data_supplier"),
            ("commerce", "agency"),
            ("enterprise", "data_user"),
        ),
        datasets=(
            (
                "islandmart",
                "alliance:catchment",
                "門市商圈客群輪廓",
                "Store catchment customer profiles",
                ("ECON",),
                ("商圈", "客群"),
                ("catchment", "customers"),
            ),
            (
                "tourism",
                "alliance:spending",
                "旅客消費熱點",
                "Visitor spending hot spots",
                ("ECON", "REGI"),
                ("旅客", "消費"),
                ("visitors", "spending"),
            ),
        ),
        uses=(
            ("enterprise", "alliance:catchment", "員工福利據點規劃 / staff benefit site planning"),
            ("commerce", "alliance:spending", "商圈振興計畫 / district revitalisation plan"),
            ("enterprise", "footfall:taipei-city", "員工福利據點規劃 / staff benefit site planning"),
            ("commerce", "visitors:taipei-city", "商圈振興計畫 / district revitalisation plan"),
            ("islandmart", "attractions:taipei-city", "觀光商圈選址 / store siting near attractions"),
        ),
    ),
)


def _alliances(session: Session, orgs: dict[str, Organization]) -> int:
    for spec in ALLIANCES:
        body = spec.body
        founder = Caller.system(orgs[spec.founder].id, True)
        alliance = session.scalars(
            select(Alliance).where(Alliance.name_en == body["name_en"], Alliance.livemode.is_(True))
        ).first()
        if alliance is None:
            alliance = alliances.create_alliance(session, founder, AllianceCreate.model_validate(body))
        for slug, role in spec.members:
            org_id = orgs[slug].id
            member = session.scalars(
                select(AllianceMember).where(AllianceMember.alliance_id == alliance.id, AllianceMember.org_id == org_id)
            ).first()
            if member is None:
                invitation = alliances.invite(session, founder, alliance.id, InvitationCreate(org=org_id, role=role))
                alliances.accept_invitation(session, Caller.system(org_id, True), invitation.id)
        for slug, key, zh, en, themes, kw_zh, kw_en in spec.datasets:
            uri = f"urn:digiplus:demo:{key}"
            if session.scalars(select(Dataset.id).where(Dataset.source_uri == uri)).first() is None:
                publisher = _contact(slug)
                datasets.create_dataset(
                    session,
                    Caller.system(orgs[slug].id, True),
                    DatasetCreate(
                        title_zh=zh,
                        title_en=en,
                        description_zh=f"{zh}，僅供聯盟成員使用。",
                        description_en=f"{en}, shared with the alliance's members only.",
                        keywords_zh=list(kw_zh),
                        keywords_en=list(kw_en),
                        themes=list(themes),
                        contact_name=publisher.contact if publisher else "",
                        contact_email=publisher.email if publisher else "",
                        licence="proprietary",
                        access_rights="alliance",
                        access_alliance_id=alliance.id,
                        accrual_periodicity="DAILY",
                        source_uri=uri,
                    ),
                )
        for slug, key, purpose in spec.uses:
            dataset_id = session.scalars(
                select(Dataset.id).where(Dataset.source_uri == f"urn:digiplus:demo:{key}")
            ).first()
            if dataset_id is None:  # a reduced demo without that city
                continue
            user = Caller.system(orgs[slug].id, True)
            used = session.scalars(
                select(DatasetUse.id).where(DatasetUse.dataset_id == dataset_id, DatasetUse.org_id == user.org_id)
            ).first()
            if used is None:
                alliances.register_use(session, user, alliance.id, UseCreate(dataset=dataset_id, purpose=purpose))
    return len(ALLIANCES)


# --- the demand board ----------------------------------------------------------------------------

DEMANDS = (
    (
        "startup",
        "全臺公車即時到站資料",
        "Real-time bus arrivals for all of Taiwan",
        "我們開發通勤 App，需要各縣市公車即時到站與站牌資料，希望每分鐘更新，格式 JSON 或 CSV。",
        "We build a commuter app and need live bus arrivals and stops for every city, updated every minute.",
        ("TRAN",),
        1_200_000_00,
        "mobility",
        "bus",
    ),
    (
        "enterprise",
        "門市周邊人流資料",
        "Foot traffic near retail stores",
        "規劃員工福利據點，需要主要商圈每小時人流或來客數資料。",
        "To plan staff-benefit sites we need hourly foot traffic or store visits in the main shopping districts.",
        ("ECON",),
        300_000_00,
        "islandmart",
        "footfall",
    ),
    (
        "yushan",
        "醫療院所名冊與科別",
        "Clinics with their specialties",
        "健康 App 需要各縣市診所名冊、科別與電話，以便使用者預約。",
        "Our health app needs clinic directories with specialties and phone numbers so users can book visits.",
        ("HEAL",),
        None,
        "health",
        "clinics",
    ),
    (
        "association",
        "夜市攤商營業額",
        "Night market stall revenue",
        "協會研究夜市數位支付普及，想取得夜市攤位數與營業額統計。",
        "We study digital payments in night markets and look for stall counts and revenue statistics.",
        ("ECON", "REGI"),
        None,
        "",
        "",
    ),
)


def _demands(session: Session, orgs: dict[str, Organization]) -> int:
    for slug, zh, en, desc_zh, desc_en, themes, budget, answerer, template_key in DEMANDS:
        poster = Caller.system(orgs[slug].id, True)
        demand = session.scalars(
            select(DataDemand).where(DataDemand.org_id == poster.org_id, DataDemand.title_en == en)
        ).first()
        if demand is None:
            demand = demands.create_demand(
                session,
                poster,
                DemandCreate(
                    title_zh=zh,
                    title_en=en,
                    description_zh=desc_zh,
                    description_en=desc_en,
                    themes=list(themes),
                    budget_amount=budget,
                    budget_currency="TWD" if budget is not None else None,
                    deadline=date(2027, 3, 31),
                ),
            )
        if not answerer:
            continue
        dataset_id = session.scalars(
            select(Dataset.id).where(Dataset.source_uri == f"urn:digiplus:demo:{template_key}:taipei-city")
        ).first()
        if dataset_id is None:
            continue
        answered = session.scalars(
            select(DemandAnswer.id).where(DemandAnswer.demand_id == demand.id, DemandAnswer.dataset_id == dataset_id)
        ).first()
        if answered is None:
            demands.answer_demand(
                session,
                Caller.system(orgs[answerer].id, True),
                demand.id,
                AnswerCreate(
                    dataset=dataset_id,
                    message="臺北市的資料已上架，其他縣市陸續開放。 Taipei is published; other cities follow.",
                ),
            )
    return len(DEMANDS)


# --- data files ----------------------------------------------------------------------------------


def _stage_files(session: Session, cities: tuple[tuple[str, str], ...], limit: int) -> list[str]:
    """Queue ingest jobs for up to ``limit`` demo datasets that have no data and no job yet, taken
    city by city across the templates that have a table."""
    with_tables = [t for t in TEMPLATES if t.table]
    wanted = [(t, zh, en) for zh, en in cities for t in with_tables][:limit]
    by_key = {
        d.source_uri: d
        for d in session.scalars(
            select(Dataset).where(Dataset.source_uri.in_([demo_key(t, en) for t, _, en in wanted]))
        )
    }
    ids = [d.id for d in by_key.values()]
    busy = set(session.scalars(select(IngestJob.dataset_id).where(IngestJob.dataset_id.in_(ids))))
    busy |= set(
        session.scalars(
            select(Distribution.dataset_id).where(Distribution.dataset_id.in_(ids), Distribution.kind == "file")
        )
    )
    jobs = []
    for t, city_zh, city_en in wanted:
        dataset = by_key.get(demo_key(t, city_en))
        if dataset is None or dataset.id in busy:
            continue
        csv = table_csv(t.table, city_zh, demo_key(t, city_en)).encode()
        caller = Caller.system(dataset.org_id, True)
        job = ingest.stage_upload(
            session, caller, dataset.id, BytesIO(csv), f"{t.key}-{city_en.lower().replace(' ', '-')}.csv"
        )
        jobs.append(job.id)
    return jobs


def build_demo_data(
    db: Database, *, cities: tuple[tuple[str, str], ...] = CITIES, ingests: int = DEFAULT_INGESTS
) -> DemoData:
    """Create whatever part of the demo catalogue is missing (after ``build_demo_world``)."""
    out = DemoData()
    with db.session() as session:
        orgs = _publishers(session)
        out.orgs = {slug: org.id for slug, org in orgs.items()}
        out.created_datasets = _bulk_datasets(session, orgs, cities)
        out.alliances = _alliances(session, orgs)
        out.demands = _demands(session, orgs)
        jobs = _stage_files(session, cities, ingests)
    for job_id in jobs:  # each job commits its own work (the rows above are committed by now)
        ended = ingest.run_ingest_job(db, job_id)
        if ended.status == "succeeded":
            out.ingested += 1
        else:
            out.failed_ingests.append(f"{ended.filename}: {ended.failure}")
    with db.session() as session:
        out.datasets = len(
            list(session.scalars(select(Dataset.id).where(Dataset.source_uri.like("urn:digiplus:demo:%"))))
        )
    return out
