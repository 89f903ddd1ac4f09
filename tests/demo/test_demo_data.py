"""The demo world's data catalogue (part 3), on a reduced size: what it makes, that a second run
duplicates nothing, and that its alliance-only data stays with the alliances' members."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.data.models import Dataset, Distribution, IngestJob
from digiplus.data.models_alliances import Alliance, AllianceMember, DataDemand, DatasetUse, DemandAnswer
from digiplus.data.service.search import SearchQuery, search
from digiplus.demo.data import ALLIANCES, DEMANDS, build_demo_data
from digiplus.demo.data_catalogue import CITIES, TEMPLATES
from digiplus.demo.service import build_demo_world
from digiplus.identity import service as identity

CITIES_USED = CITIES[:2]


@pytest.fixture
def demo(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with database.session() as session:
        build_demo_world(session)
    return database


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_demo_catalogue_is_made_once(demo: Database) -> None:
    first = build_demo_data(demo, cities=CITIES_USED, ingests=4)
    alliance_only = sum(len(a.datasets) for a in ALLIANCES)
    assert first.created_datasets == len(TEMPLATES) * len(CITIES_USED)
    assert first.datasets == len(TEMPLATES) * len(CITIES_USED) + alliance_only
    assert first.ingested == 4 and first.failed_ingests == []
    counts = {
        m: _count(demo, m)
        for m in (Dataset, Distribution, IngestJob, Alliance, AllianceMember, DataDemand, DemandAnswer, DatasetUse)
    }
    assert counts[Alliance] == 2 and counts[DataDemand] == len(DEMANDS)
    assert counts[AllianceMember] == 2 + sum(len(a.members) for a in ALLIANCES)
    assert counts[DemandAnswer] == 3
    assert counts[Distribution] == 4

    again = build_demo_data(demo, cities=CITIES_USED, ingests=4)
    assert (again.created_datasets, again.ingested) == (0, 0)
    assert {m: _count(demo, m) for m in counts} == counts


def test_demo_data_is_searchable_and_alliance_data_stays_with_members(demo: Database) -> None:
    built = build_demo_data(demo, cities=CITIES_USED, ingests=2)
    with demo.session() as session:
        found = search(session, None, SearchQuery(q="停車場"))
        assert {d.title_zh for d in found.datasets} == {"臺北市公有停車場即時剩餘車位", "新北市公有停車場即時剩餘車位"}
        assert search(session, None, SearchQuery(q="到站紀錄")).total == 0  # alliance-only: not for anonymous
        member = Caller.system(built.orgs["startup"], True)  # a member of the mobility alliance
        assert [d.title_zh for d in search(session, member, SearchQuery(q="到站紀錄")).datasets] == [
            "公車到站紀錄（模型訓練用）"
        ]
        outsider = Caller.system(built.orgs["yushan"], True)
        assert search(session, outsider, SearchQuery(q="到站紀錄")).total == 0
        published = session.scalars(select(Distribution.row_count).where(Distribution.kind == "file")).all()
        assert published == [60, 60]
