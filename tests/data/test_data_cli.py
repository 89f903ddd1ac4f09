"""``digiplus data ingest | reindex | search``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from data_helpers import make_dataset
from typer.testing import CliRunner

from digiplus.cli import app


def test_ingest_search_and_reindex(api_for: Any, tmp_path: Path) -> None:
    live = api_for(live=True)
    ds = make_dataset(live)
    good = tmp_path / "parking.csv"
    good.write_bytes("站名,剩餘車位\n府前廣場,35\n市民廣場,0\n".encode("cp950"))
    runner = CliRunner()
    result = runner.invoke(app, ["data", "ingest", str(good), "--dataset", ds["id"], "--json"])
    assert result.exit_code == 0, result.output
    job = json.loads(result.output)
    assert (job["status"], job["encoding"], job["rows_read"]) == ("succeeded", "cp950", 2)
    assert live.get(f"/v1/datasets/{ds['id']}/preview").json()["rows"] == [["府前廣場", 35], ["市民廣場", 0]]

    bad = tmp_path / "bad.csv"
    bad.write_text("站名,剩餘車位\n" + "".join(f"站{i},{i}\n" for i in range(20)) + "府前廣場,很多\n", encoding="utf-8")
    result = runner.invoke(app, ["data", "ingest", str(bad), "--dataset", ds["id"]])
    assert result.exit_code == 1
    assert "1 problem(s) in the data; nothing was published." in result.output
    assert "row 22, 剩餘車位: type-error: '很多' is not a valid integer." in result.output

    missing = runner.invoke(app, ["data", "ingest", str(good), "--dataset", "ds_NOPE"])
    assert missing.exit_code == 1 and "No such dataset: 'ds_NOPE'" in missing.output

    found = runner.invoke(app, ["data", "search", "停車場", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["data"][0]["id"] == ds["id"]
    text = runner.invoke(app, ["data", "search", "停車場"])
    assert f"1 dataset(s) match '停車場'\n  {ds['id']}  臺北市公有停車場即時剩餘車位  [TRAN,REGI] public" in text.output

    again = runner.invoke(app, ["data", "reindex"])
    assert again.exit_code == 0 and again.output.startswith("reindexed 1 datasets in ")
