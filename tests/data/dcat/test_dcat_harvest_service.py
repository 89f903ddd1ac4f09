"""The harvest service on its own: a write that fails rolls back to nothing, and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from dcat_samples import sample_catalog
from dcat_server import SourceServer, ckan_fixture_packages, ckan_route
from sqlalchemy import func, select
from typer.testing import CliRunner

from digiplus.cli import app as cli_app
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.ids import id_for
from digiplus.data.dcat.export import catalog_graph, to_turtle
from digiplus.data.dcat.harvest import HttpFetcher, harvest
from digiplus.data.models import Dataset, DatasetSeries, Distribution
from digiplus.data.models_harvest import HarvestedRecord, HarvestRun
from digiplus.data.service import harvest_sources
from digiplus.data.service.harvest import store_run
from digiplus.settings import get_settings


@pytest.fixture(autouse=True)
def _harvest_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIGIPLUS_HARVEST_ALLOW_PRIVATE_NETWORKS", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_write_that_fails_midway_keeps_nothing_but_the_failed_run(
    source_server: SourceServer, db: Database, make_org: Callable[..., str]
) -> None:
    caller = Caller.system(make_org(), False)
    source_server.routes["/c.ttl"] = (200, "text/turtle", to_turtle(catalog_graph(sample_catalog())).encode())
    parsed = harvest(source_server.url("/c.ttl"), "dcat", HttpFetcher())
    assert len(parsed.datasets) == 3
    with db.session() as session:
        source = harvest_sources.create_source(session, caller, source_server.url("/c.ttl"), "dcat")
        # A link row already holding the third dataset's identity (as a concurrent run would have
        # made): the upsert creates the series and two datasets, then the third collides.
        session.add(
            HarvestedRecord(
                id=id_for("harvested_record"), org_id=caller.org_id, livemode=False, source_id=source.id,
                record_kind="dataset", original_id=parsed.datasets[2].identifier, content_hash="x",
            )
        )  # fmt: skip
        source_id = source.id
    with db.session() as session:
        run = store_run(session, caller, source_id, parsed, utcnow())
        assert run.status == "failed"
        assert run.error.startswith("the catalogue could not be written, nothing was kept (IntegrityError")
        assert (run.created_count, run.updated_count, run.unchanged_count, run.failed_count) == (0, 0, 0, 0)
    assert (_count(db, Dataset), _count(db, DatasetSeries), _count(db, Distribution)) == (0, 0, 0)
    assert (_count(db, HarvestedRecord), _count(db, HarvestRun)) == (1, 1)


def test_cli_harvests_a_ckan_portal_with_a_report(
    source_server: SourceServer, db: Database, make_org: Callable[..., str]
) -> None:
    source_server.routes["/api/3/action/package_search"] = ckan_route(ckan_fixture_packages())
    org = make_org()
    runner = CliRunner()
    args = ["data", "harvest", source_server.base + "/api/3/action/package_search", "--org", org, "--rows", "2"]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "created 4, updated 0, unchanged 0, failed 1 (3 pages)" in result.output
    assert "skipped a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e04: the package has no title" in result.output
    again = runner.invoke(cli_app, args)
    assert "created 0, updated 0, unchanged 4, failed 1 (3 pages)" in again.output
    assert _count(db, Dataset) == 4
    bad = runner.invoke(cli_app, ["data", "harvest", source_server.url("/nothing"), "--org", org, "--kind", "dcat"])
    assert bad.exit_code == 1
    assert "error: the source answered HTTP 404" in bad.output
