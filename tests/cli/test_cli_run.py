import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def test_run_writes_folder_and_prints_table(tmp_path: Path, small_scenario: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(small_scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "end_to_end" in result.output
    assert f"wrote {out}" in result.output
    summary = json.loads((out / "summary.json").read_text())
    orders = pq.read_table(out / "orders.parquet")
    assert summary["orders"]["requests"] == orders.num_rows
    assert summary["schema_version"] == 1
    assert summary["scenario"]["name"] == "small"
    assert not list(tmp_path.glob(".*partial"))


def test_run_default_folder_is_name_and_digest(tmp_path: Path, small_scenario: Path,
                                               monkeypatch: object) -> None:
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(app, ["run", str(small_scenario), "--quiet"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / result.output.strip()
    digest = json.loads((run_dir / "summary.json").read_text())["digest"]
    assert run_dir.name == f"small-{digest[:8]}"


def test_set_and_seed_options_change_the_run(tmp_path: Path, small_scenario: Path) -> None:
    base = runner.invoke(app, ["run", str(small_scenario), "--out", str(tmp_path / "a"), "--json"])
    seeded = runner.invoke(app, ["run", str(small_scenario), "--out", str(tmp_path / "b"),
                                 "--json", "--seed", "99"])
    capped = runner.invoke(app, ["run", str(small_scenario), "--out", str(tmp_path / "c"),
                                 "--json", "--set", "risk.max_order_qty=100"])
    assert base.exit_code == seeded.exit_code == capped.exit_code == 0
    base_summary, seeded_summary = json.loads(base.output), json.loads(seeded.output)
    assert base_summary["digest"] != seeded_summary["digest"]
    capped_summary = json.loads(capped.output)
    assert capped_summary["orders"]["rejects_by_reason"].get("max_order_qty", 0) > 0


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path: Path, small_scenario: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(small_scenario), "--out", str(out),
                                 "--set", "topology.gateway.workers=0"])
    assert result.exit_code == 2
    assert "topology.gateway.workers" in result.output
    assert not out.exists()


def test_bad_data_exits_2_naming_row_and_writes_nothing(tmp_path: Path) -> None:
    import pyarrow as pa

    from sim.data.schema import arrow_schema

    ticks = tmp_path / "bad.parquet"
    table = pa.table({
        "ts": pa.array([2, 1], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": ["A", "A"], "action": ["add", "add"],
        "order_id": pa.array([1, 2], pa.uint64()), "side": pa.array([1, 1], pa.int8()),
        "price": pa.array([100, 100], pa.int64()), "qty": pa.array([1, 1], pa.int64()),
    })
    pq.write_table(table.cast(arrow_schema()), ticks)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\n[data]\nsources = [{{ path = "{ticks}" }}]\n')
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 2
    assert "bad.parquet: row 1, column 'ts': time goes backwards" in result.output
    assert not out.exists()


def test_price_scale_mismatch_is_named(tmp_path: Path, small_scenario: Path) -> None:
    result = runner.invoke(app, ["run", str(small_scenario), "--out", str(tmp_path / "r"),
                                 "--set", "price_scale=100"])
    assert result.exit_code == 2
    assert "price_scale 10000 but the scenario says price_scale = 100" in result.output


def test_max_events_limits_each_source(tmp_path: Path, small_scenario: Path) -> None:
    result = runner.invoke(app, ["run", str(small_scenario), "--out", str(tmp_path / "r"),
                                 "--json", "--set", "data.max_events=100"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["events"]["processed"] == 100
    assert summary["orders"]["requests"] <= 100
